import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

type SelectionInfo = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>;

/** Fields selected directly in `sets`, by response-independent field name, through fragments of any kind. */
function children(sets: readonly (SelectionSetNode | undefined)[], info: Pick<GraphQLResolveInfo, 'fragments'>): Map<string, FieldNode[]> {
  const out = new Map<string, FieldNode[]>();
  const visit = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    if (!set) return;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        const list = out.get(sel.name.value);
        if (list) list.push(sel);
        else out.set(sel.name.value, [sel]);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        visit(sel.selectionSet, seen);
      } else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        visit(info.fragments[sel.name.value]?.selectionSet, seen);
      }
    }
  };
  for (const set of sets) visit(set, new Set());
  return out;
}

const sets = (nodes: FieldNode[] | undefined) => (nodes ?? []).map((n) => n.selectionSet);

/**
 * What a query reads of a CustomerConnection: which Customer fields (under `edges.node` or `nodes`), which
 * CustomerFeatures fields, and whether any cursor (`edges.cursor`, `pageInfo.startCursor` / `endCursor`).
 * A page reads only the columns these need and builds only these fields (see customer-page.ts).
 */
export interface CustomerPageSelection {
  /** Customer fields, by field name (`__typename` excluded). */
  readonly fields: ReadonlySet<string>;
  /** CustomerFeatures fields (see selectedFeatureFields); null: all of them. */
  readonly features: ReadonlySet<string> | null;
  readonly cursors: boolean;
}

/** Every field, for callers that do not know what will be read. */
export const ALL_CUSTOMER_FIELDS: CustomerPageSelection = {
  fields: new Set(['id', 'state', 'city', 'zipPrefix', 'features', 'lat', 'lng', 'rfm', 'abcXyz', 'cluster', 'churn', 'priorityScore', 'orders']),
  features: null,
  cursors: true,
};

/**
 * The CustomerFeatures fields a CustomerConnection field (`info` of the resolver returning it) will read: the
 * fields under `edges.node.features` / `nodes.features`, plus lat and lng when Customer.lat / lng are selected
 * (they come from the features). Directives (@include / @skip) are ignored, which can only ask for more.
 */
export function selectedFeatureFields(info: SelectionInfo): Set<string> {
  return new Set(customerPageSelection(info).features);
}

function computeSelection(info: SelectionInfo): CustomerPageSelection {
  const conn = children(info.fieldNodes.map((n) => n.selectionSet), info);
  const edges = children(sets(conn.get('edges')), info);
  const customers = children([...sets(edges.get('node')), ...sets(conn.get('nodes'))], info);
  const features = new Set<string>();
  for (const name of children(sets(customers.get('features')), info).keys()) if (!name.startsWith('__')) features.add(name);
  if (customers.has('lat')) features.add('lat');
  if (customers.has('lng')) features.add('lng');
  const fields = new Set([...customers.keys()].filter((name) => !name.startsWith('__')));
  const pageInfo = children(sets(conn.get('pageInfo')), info);
  const cursors = edges.has('cursor') || pageInfo.has('startCursor') || pageInfo.has('endCursor');
  return { fields, features, cursors };
}

/**
 * Selections by the field nodes they were computed from. A document's AST is reused for as long as it is cached
 * (Apollo's document store, the jit executor's compiled operations), and so is the answer: keyed by the first
 * field node, then by the whole list (the same node may be merged with different siblings in different places).
 */
const cache = new WeakMap<FieldNode, { nodes: readonly FieldNode[]; selection: CustomerPageSelection }[]>();
const MAX_VARIANTS = 8;

/**
 * What the query reads of the CustomerConnection that `info`'s field returns. Directives (@include / @skip) are
 * ignored, which can only ask for more. Computed once per operation's field nodes.
 */
export function customerPageSelection(info: SelectionInfo): CustomerPageSelection {
  const nodes = info.fieldNodes;
  const first = nodes[0];
  if (!first) return computeSelection(info);
  const variants = cache.get(first);
  const hit = variants?.find((v) => v.nodes.length === nodes.length && v.nodes.every((n, i) => n === nodes[i]));
  if (hit) return hit.selection;
  const selection = computeSelection(info);
  if (!variants) cache.set(first, [{ nodes: [...nodes], selection }]);
  else if (variants.length < MAX_VARIANTS) variants.push({ nodes: [...nodes], selection });
  return selection;
}
