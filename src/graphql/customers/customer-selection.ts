import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

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
 * The CustomerFeatures fields a CustomerConnection field (`info` of the resolver returning it) will read: the
 * fields under `edges.node.features` / `nodes.features`, plus lat and lng when Customer.lat / lng are selected
 * (they come from the features). Directives (@include / @skip) are ignored, which can only ask for more.
 */
export function selectedFeatureFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): Set<string> {
  const conn = children(info.fieldNodes.map((n) => n.selectionSet), info);
  const edges = children(sets(conn.get('edges')), info);
  const customers = children([...sets(edges.get('node')), ...sets(conn.get('nodes'))], info);
  const wanted = new Set<string>();
  for (const name of children(sets(customers.get('features')), info).keys()) if (!name.startsWith('__')) wanted.add(name);
  if (customers.has('lat')) wanted.add('lat');
  if (customers.has('lng')) wanted.add('lng');
  return wanted;
}
