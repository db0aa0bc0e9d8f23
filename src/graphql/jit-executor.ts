/**
 * Executes operations with graphql-jit: each distinct (document, operation name) is compiled once into a plain
 * JavaScript function and kept in a bounded LRU cache. Why: a customers page resolves some 3,500 fields, and
 * graphql-js pays for an info object, a path and a null-prototype result object per field on every request;
 * the compiled function does not (see bench/RESULTS.md, "API: customers page").
 *
 * Fallback rule: graphql-js `execute` runs the operations that jit should not or cannot: introspection
 * (`__schema` / `__type`), subscriptions, documents jit refuses to compile, requests whose operation Apollo
 * could not pick. Variables are coerced by graphql-js first, so a bad variable fails exactly as before.
 * Errors that jit reports are turned back into graphql-js GraphQLErrors (same message, path, locations,
 * originalError and extensions) and, where a non-null field's error nulls a parent, only the first error per
 * nulled parent is kept, as graphql-js does. One difference remains: jit runs every field of such a parent, so
 * an error from a synchronous nullable sibling after the failed field is reported, where graphql-js had stopped.
 */
import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import {
  execute,
  getNamedType,
  getNullableType,
  getVariableValues,
  GraphQLError,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  Kind,
  printSchema,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type FragmentDefinitionNode,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

export interface ExecuteArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** The operation Apollo resolved from operationName (undefined when none matched). */
  operation?: OperationDefinitionNode;
  operationName?: string | null;
  variables?: Record<string, unknown>;
  contextValue: unknown;
  /** Identifies the document's text (Apollo's queryHash); by default the document's source text. */
  documentKey?: string;
}

type Plan = { kind: 'jit'; compiled: CompiledQuery; operation: OperationDefinitionNode } | { kind: 'graphql-js'; reason: string };

export interface JitStats {
  /** Operations compiled (a cache miss that jit accepted). */
  compiled: number;
  /** Distinct operations sent to graphql-js (cache misses too). */
  fallbacks: number;
  /** Requests served from the cache. */
  hits: number;
  cached: number;
}

export class JitExecutor {
  private readonly plans = new Map<string, Plan>();
  private readonly counts = { compiled: 0, fallbacks: 0, hits: 0 };

  constructor(
    private readonly maxCached = 1000,
    private readonly onFallback: (reason: string, operationName: string | null) => void = () => {},
  ) {}

  stats(): JitStats {
    return { ...this.counts, cached: this.plans.size };
  }

  async execute(args: ExecuteArgs): Promise<ExecutionResult> {
    const { schema, document, operation, contextValue } = args;
    const variables = args.variables ?? {};
    const plan = operation ? this.planFor(args, operation) : undefined;
    if (!plan || plan.kind === 'graphql-js') {
      return execute({ schema, document, contextValue, variableValues: variables, operationName: args.operationName ?? undefined });
    }
    // graphql-js's coercion and its errors (Apollo turns these into BAD_USER_INPUT by their wording).
    const coerced = getVariableValues(schema, plan.operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };

    const result = await plan.compiled.query(undefined, contextValue, variables);
    if (!('data' in result)) {
      // jit refused what graphql-js accepted: let graphql-js answer.
      return execute({ schema, document, contextValue, variableValues: variables, operationName: args.operationName ?? undefined });
    }
    if (!result.errors?.length) return result;
    return { errors: graphqlJsErrors(result.errors, schema, document, plan.operation), data: result.data };
  }

  private planFor(args: ExecuteArgs, operation: OperationDefinitionNode): Plan {
    const key = `${args.documentKey ?? documentText(args.document)}\n${args.operationName ?? ''}`;
    const cached = this.plans.get(key);
    if (cached) {
      this.counts.hits++;
      this.plans.delete(key); // re-insert: Map order is the recency order
      this.plans.set(key, cached);
      return cached;
    }
    const plan = compile(args.schema, args.document, operation, args.operationName ?? undefined);
    if (plan.kind === 'jit') this.counts.compiled++;
    else {
      this.counts.fallbacks++;
      this.onFallback(plan.reason, operation.name?.value ?? null);
    }
    this.plans.set(key, plan);
    if (this.plans.size > this.maxCached) this.plans.delete(this.plans.keys().next().value as string);
    return plan;
  }
}

function compile(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, operationName?: string): Plan {
  if (operation.operation === 'subscription') return { kind: 'graphql-js', reason: 'subscription' };
  if (isIntrospection(operation, fragmentsOf(document))) return { kind: 'graphql-js', reason: 'introspection' };
  try {
    const compiled = compileQuery(schema, document, operationName);
    if (isCompiledQuery(compiled)) return { kind: 'jit', compiled, operation };
    return { kind: 'graphql-js', reason: compiled.errors?.map((e) => e.message).join('; ') || 'not compiled' };
  } catch (e) {
    return { kind: 'graphql-js', reason: e instanceof Error ? e.message : String(e) };
  }
}

const printedDocuments = new WeakMap<DocumentNode, string>();
function documentText(document: DocumentNode): string {
  let text = printedDocuments.get(document);
  if (text === undefined) {
    text = document.loc?.source.body ?? JSON.stringify(document);
    printedDocuments.set(document, text);
  }
  return text;
}

function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const out = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) out.set(def.name.value, def);
  return out;
}

/** Whether the operation selects `__schema` or `__type` at its root (directly or through fragments). */
function isIntrospection(operation: OperationDefinitionNode, fragments: Map<string, FragmentDefinitionNode>): boolean {
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode): boolean =>
    set.selections.some((sel) => {
      if (sel.kind === Kind.FIELD) return sel.name.value === '__schema' || sel.name.value === '__type';
      if (sel.kind === Kind.INLINE_FRAGMENT) return visit(sel.selectionSet);
      const fragment = fragments.get(sel.name.value);
      if (!fragment || seen.has(fragment.name.value)) return false;
      seen.add(fragment.name.value);
      return visit(fragment.selectionSet);
    });
  return visit(operation.selectionSet);
}

/**
 * jit's errors as graphql-js would have reported them: real GraphQLErrors (Apollo reads `extensions.code` on
 * them), and one error per parent that a non-null field's error turned to null (jit keeps one per field; under
 * a union the parent is not looked for and every error is kept).
 */
function graphqlJsErrors(errors: readonly GraphQLError[], schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): GraphQLError[] {
  const fragments = fragmentsOf(document);
  const nulledParents = new Set<string>();
  const out: GraphQLError[] = [];
  for (const e of errors) {
    const parent = e.path ? nulledParent(schema, operation, fragments, e.path) : undefined;
    if (parent !== undefined) {
      if (nulledParents.has(parent)) continue;
      nulledParents.add(parent);
    }
    out.push(toGraphQLJsError(e));
  }
  return out;
}

function toGraphQLJsError(e: GraphQLError): GraphQLError {
  if (Object.getPrototypeOf(e) === GraphQLError.prototype) return e;
  const error = new GraphQLError(e.message, {
    path: e.path,
    originalError: e.originalError ?? undefined,
    extensions: e.extensions ?? undefined,
  });
  if (e.locations) (error as { locations?: GraphQLError['locations'] }).locations = e.locations;
  return error;
}

/**
 * For an error at `path` on a non-null position: the path (joined) of the nullable parent it turns to null
 * ('' for `data` itself). Undefined when the position is nullable (the error nulls only its own field).
 */
function nulledParent(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  path: readonly (string | number)[],
): string | undefined {
  let type: GraphQLOutputType | undefined | null =
    operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  let sets: readonly SelectionSetNode[] = [operation.selectionSet];
  let lastNullable = 0;
  for (let i = 0; i < path.length; i++) {
    if (!type) return undefined;
    const segment = path[i];
    if (typeof segment === 'number') {
      const list = getNullableType(type);
      if (!isListType(list)) return undefined;
      type = list.ofType as GraphQLOutputType;
    } else {
      const parent: GraphQLNamedType = getNamedType(type);
      const nodes: FieldNode[] = [];
      collect(sets, segment, fragments, nodes);
      if (!nodes.length || !(isObjectType(parent) || isInterfaceType(parent))) return undefined;
      const def: GraphQLField<unknown, unknown> | undefined = parent.getFields()[nodes[0].name.value];
      if (!def) return undefined;
      type = def.type;
      sets = nodes.map((n) => n.selectionSet).filter((s): s is SelectionSetNode => s !== undefined);
    }
    if (!isNonNullType(type)) lastNullable = i + 1;
  }
  if (!type || !isNonNullType(type)) return undefined;
  return path.slice(0, lastNullable).join('.');
}

function collect(sets: readonly SelectionSetNode[], responseName: string, fragments: Map<string, FragmentDefinitionNode>, out: FieldNode[]): void {
  for (const set of sets) {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if ((sel.alias ?? sel.name).value === responseName) out.push(sel);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) collect([sel.selectionSet], responseName, fragments, out);
      else {
        const fragment = fragments.get(sel.name.value);
        if (fragment) collect([fragment.selectionSet], responseName, fragments, out);
      }
    }
  }
}

/**
 * The executor as Apollo Server 5 takes it: a gateway (its replacement for the removed `executor` option).
 * Apollo still parses, validates (with our validationRules), runs didResolveOperation plugins and formats
 * errors; only execution is ours.
 */
export function jitGateway(schema: GraphQLSchema, jit: JitExecutor): GatewayInterface {
  const executor: GatewayExecutor = (rc) =>
    jit.execute({
      schema: rc.schema,
      document: rc.document,
      operation: rc.operation,
      operationName: rc.request.operationName,
      variables: rc.request.variables,
      contextValue: rc.context,
      documentKey: rc.queryHash,
    });
  let listener: Parameters<GatewayInterface['onSchemaLoadOrUpdate']>[0] | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => {
        listener = undefined;
      };
    },
    async load() {
      listener?.({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return { executor };
    },
    async stop() {},
  };
}
