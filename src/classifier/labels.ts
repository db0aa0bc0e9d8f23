export type ClassLabel = string | number | boolean;

/**
 * Distinct labels in a stable order: ascending when all are numbers or all are strings (so class order does
 * not depend on row order), else in order of first appearance.
 */
export function orderLabels<L extends ClassLabel>(...lists: ReadonlyArray<readonly L[]>): L[] {
  const seen: L[] = [];
  const set = new Set<L>();
  for (const list of lists) for (const v of list) if (!set.has(v)) (set.add(v), seen.push(v));
  if (seen.every((v) => typeof v === 'number')) return [...seen].sort((a, b) => (a as number) - (b as number));
  if (seen.every((v) => typeof v === 'string')) return [...seen].sort((a, b) => ((a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0));
  return seen;
}
