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
 * Estimated cost of an operation, before running it:
 * - every field costs 1 (`__typename` and introspection cost nothing);
 * - a field with a `first` argument multiplies the cost of its selection by `first` (the literal, the
 *   variable's value, the argument's default, else 50);
 * - a list field without `first` multiplies by 50, except directly inside a `...Connection` type, whose
 *   `edges`/`nodes` are already bounded by the connection's `first`;
 * - fragments and inline fragments add up (alternatives of a union are summed, erring high).
 * Example: `customers(first: 100) { edges { node { id orders { id } } } }` =
 * 1 + 100 × (1 + (1 + (1 + (1 + 50 × 1)))) = 5,401.
 */
export function estimateComplexity(args: {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
  variables?: Record<string, unknown>;
}): number {
  const { schema, fragments } = args;
  const variables = args.variables ?? {};
  const root = args.operation.operation === 'query' ? schema.getQueryType() : args.operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;
  const visiting = new Set<string>();

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
      return Math.max(0, n);
    }
    if (isListType(getNullableType(def.type)) && !parent.name.endsWith('Connection')) return DEFAULT_LIST_SIZE;
    return 1;
  };

  const cost = (set: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const name = sel.name.value;
        if (name.startsWith('__')) continue;
        const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
        if (!def) continue; // validation reports unknown fields
        const named = getNamedType(def.type);
        const child = sel.selectionSet && isCompositeType(named) ? cost(sel.selectionSet, named) : 0;
        total += 1 + multiplier(sel, def, parent) * child;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
        if (t && isCompositeType(t)) total += cost(sel.selectionSet, t);
      } else {
        const fragment = fragments.get(sel.name.value);
        if (!fragment || visiting.has(fragment.name.value)) continue;
        const t = schema.getType(fragment.typeCondition.name.value);
        if (!t || !isCompositeType(t)) continue;
        visiting.add(fragment.name.value);
        total += cost(fragment.selectionSet, t);
        visiting.delete(fragment.name.value);
      }
    }
    return total;
  };

  return cost(args.operation.selectionSet, root);
}

/**
 * Refuses operations whose estimated complexity exceeds `maxComplexity` (BAD_USER_INPUT, HTTP 400), after
 * the operation is resolved so that variables (e.g. `first: $n`) are known. The estimate is kept on the
 * context for the debug extension.
 */
export function complexityLimitPlugin<TContext extends { complexity?: number }>(maxComplexity: number): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
          const complexity = estimateComplexity({ schema, operation, fragments, variables: request.variables });
          contextValue.complexity = complexity;
          if (complexity > maxComplexity) {
            throw new GraphQLError(`query complexity ${complexity} exceeds the limit of ${maxComplexity} (lower "first" or select fewer fields)`, {
              extensions: { code: ErrorCode.BAD_USER_INPUT, complexity, maxComplexity, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
