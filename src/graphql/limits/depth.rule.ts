import { GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode, type ValidationRule } from 'graphql';
import { ErrorCode } from '../../shared/errors';

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Depth of a selection set: `{ a { b } }` is 2. Fragments count where they are spread (their own depth is
 * memoized, so a fragment spread many times is measured once, and a fragment cycle — reported by graphql's
 * own NoFragmentCycles rule — cannot loop). Introspection subtrees are not counted: the introspection
 * setting governs them.
 */
export function selectionDepth(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, memo = new Map<string, number>()): number {
  let max = 0;
  for (const sel of set.selections) {
    let d = 0;
    if (sel.kind === Kind.FIELD) {
      if (INTROSPECTION_ROOTS.has(sel.name.value)) continue;
      d = 1 + (sel.selectionSet ? selectionDepth(sel.selectionSet, fragments, memo) : 0);
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      d = selectionDepth(sel.selectionSet, fragments, memo);
    } else {
      const name = sel.name.value;
      const cached = memo.get(name);
      if (cached !== undefined) d = cached;
      else {
        const fragment = fragments.get(name);
        if (!fragment) continue;
        memo.set(name, 0); // in progress: a cycle counts as 0
        d = selectionDepth(fragment.selectionSet, fragments, memo);
        memo.set(name, d);
      }
    }
    if (d > max) max = d;
  }
  return max;
}

/** Rejects operations nested deeper than `maxDepth` fields (BAD_USER_INPUT). */
export function depthLimitRule(maxDepth: number): ValidationRule {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) {
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    }
    const memo = new Map<string, number>();
    return {
      OperationDefinition(op) {
        const depth = selectionDepth(op.selectionSet, fragments, memo);
        if (depth > maxDepth) {
          const name = op.name ? ` of operation "${op.name.value}"` : '';
          context.reportError(
            new GraphQLError(`query depth ${depth}${name} exceeds the limit of ${maxDepth}`, {
              nodes: [op],
              extensions: { code: ErrorCode.BAD_USER_INPUT, depth, maxDepth },
            }),
          );
        }
        return false; // fragments are measured through their spreads
      },
    };
  };
}
