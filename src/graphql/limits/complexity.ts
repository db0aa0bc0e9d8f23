import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  isCompositeType,
} from 'graphql';
import { ErrorCode } from '../../shared/errors';

/** Assumed size of a list when nothing bounds it (and the default page size of connections). */
export const DEFAULT_LIST_SIZE = 50;

/**
 * Cost of a root query or mutation field: each runs at least one SQL statement of its own (aliases of one
 * field run one each), which costs far more than serializing a field. A field that reads nothing declares
 * a lower cost with TypeGraphQL's `complexity` option (e.g. `classifyFeatures`).
 */
export const ROOT_FIELD_COST = 100;

/**
 * Estimated cost of an operation, before running it:
 * - every field costs 1 (`__typename` and introspection cost nothing); root query and mutation fields cost
 *   ROOT_FIELD_COST; a field's own `complexity` extension (TypeGraphQL's `complexity` option) wins over both;
 * - a field with a `first` argument multiplies the cost of its selection by `first` (the literal, the
 *   variable's value, the argument's default, else 50);
 * - a list field without `first` multiplies by 50, except directly inside a `...Connection` type, whose
 *   `edges`/`nodes` are already bounded by the connection's `first`;
 * - fragments and inline fragments add up (alternatives of a union are summed, erring high).
 * Example: `customers(first: 100) { edges { node { id orders { id } } } }` =
 * 100 + 100 × (1 + (1 + (1 + (1 + 50 × 1)))) = 5,500.
 *
 * A fragment's cost does not depend on where it is spread, so each is computed once per operation: a body of
 * fragments that each spread the previous one twice costs one walk per fragment, not 2^n. With `limit`, the
 * walk stops as soon as the running total is known to exceed it and returns a figure above `limit` (a lower
 * bound of the full estimate).
 */
export function estimateComplexity(args: {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
  variables?: Record<string, unknown>;
  limit?: number;
}): number {
  const { schema, fragments } = args;
  const variables = args.variables ?? {};
  const root = args.operation.operation === 'query' ? schema.getQueryType() : args.operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;
  const visiting = new Set<string>();
  const fragmentCost = new Map<string, number>();

  const numberOf = (node: ValueNode | undefined): number | undefined => {
    if (!node) return undefined;
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE) {
      const v = variables[node.name.value];
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    }
    return undefined;
  };

  const multiplier = (field: FieldNode, def: GraphQLField<unknown, unknown>, parent: GraphQLCompositeType): number => {
    const firstArg = def.args.find((a) => a.name === 'first');
    if (firstArg) {
      const given = numberOf(field.arguments?.find((a) => a.name.value === 'first')?.value);
      const n = given ?? (typeof firstArg.defaultValue === 'number' ? firstArg.defaultValue : DEFAULT_LIST_SIZE);
      return Math.max(0, Math.min(n, Number.MAX_SAFE_INTEGER));
    }
    if (isListType(getNullableType(def.type)) && !parent.name.endsWith('Connection')) return DEFAULT_LIST_SIZE;
    return 1;
  };

  const ownCost = (def: GraphQLField<unknown, unknown>, parent: GraphQLCompositeType): number => {
    const declared = def.extensions?.complexity;
    if (typeof declared === 'number' && Number.isFinite(declared) && declared >= 0) return declared;
    return parent === root && args.operation.operation !== 'subscription' ? ROOT_FIELD_COST : 1;
  };

  /** Cost of a selection set; stops early (returning more than `budget`) once the total passes `budget`. */
  const cost = (set: SelectionSetNode, parent: GraphQLCompositeType, budget: number): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith('__')) continue;
        const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        if (!def) continue; // validation reports unknown fields
        const own = ownCost(def, parent);
        const named = getNamedType(def.type);
        const m = multiplier(sel, def, parent);
        // The child may cost at most what keeps this total within budget; beyond that, this total is over too.
        const childBudget = m > 0 ? (budget - total - own) / m : Infinity;
        const child = sel.selectionSet && isCompositeType(named) ? cost(sel.selectionSet, named, childBudget) : 0;
        total += own + m * child;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (t && isCompositeType(t)) total += cost(sel.selectionSet, t, budget - total);
      } else {
        const name = sel.name.value;
        const known = fragmentCost.get(name);
        if (known !== undefined) total += known;
        else {
          const fragment = fragments.get(name);
          if (!fragment || visiting.has(name)) continue; // cycles are refused by validation
          const t = schema.getType(fragment.typeCondition.name.value);
          if (!t || !isCompositeType(t)) continue;
          visiting.add(name);
          const c = cost(fragment.selectionSet, t, budget - total);
          visiting.delete(name);
          // Only a complete walk is remembered; an interrupted one ends the estimate anyway.
          if (c <= budget - total) fragmentCost.set(name, c);
          total += c;
        }
      }
      if (total > budget) return total;
    }
    return total;
  };

  return cost(args.operation.selectionSet, root, args.limit ?? Infinity);
}

/**
 * Refuses operations whose estimated complexity exceeds `maxComplexity` (BAD_USER_INPUT, HTTP 400), after
 * the operation is resolved so that variables (e.g. `first: $n`) are known. The estimate stops at the limit,
 * so a refused operation costs at most one walk of its document. The estimate is kept on the context for the
 * debug extension; with `exposeFigures` false (production) the refusal names the limit only, not the estimate.
 */
export function complexityLimitPlugin<TContext extends { complexity?: number }>(
  maxComplexity: number,
  opts: { exposeFigures?: boolean } = {},
): ApolloServerPlugin<TContext> {
  const expose = opts.exposeFigures ?? true;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
          const complexity = estimateComplexity({ schema, operation, fragments, variables: request.variables, limit: maxComplexity });
          contextValue.complexity = complexity;
          if (complexity > maxComplexity) {
            const message = expose
              ? `query complexity ${complexity} exceeds the limit of ${maxComplexity} (lower "first" or select fewer fields)`
              : `query complexity exceeds the limit of ${maxComplexity} (lower "first" or select fewer fields)`;
            throw new GraphQLError(message, {
              extensions: { code: ErrorCode.BAD_USER_INPUT, ...(expose ? { complexity } : {}), maxComplexity, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
