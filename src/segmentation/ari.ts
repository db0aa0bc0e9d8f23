import { badInput } from '../shared/errors';
import { validateLabels } from './matrix';

/**
 * Adjusted Rand index (Hubert & Arabie 1985) between two labelings of the same items: 1 for identical
 * partitions (whatever the label values), ≈ 0 for independent ones, negative when worse than chance. Labels may
 * be of any primitive type; only which items share a label matters. Used to measure how stable segments are
 * between refits and how well clusters recover a known ground truth.
 *
 *   ARI = (Σ_ij C(n_ij,2) − E) / (½(Σ_i C(a_i,2) + Σ_j C(b_j,2)) − E),  E = Σ_i C(a_i,2) · Σ_j C(b_j,2) / C(n,2)
 *
 * When both partitions are trivial in the same way (the denominator is 0: e.g. one cluster each, or every item
 * alone in both) the index is 1, as in scikit-learn.
 */
const comb2 = (x: number): number => (x * (x - 1)) / 2;

export function adjustedRandIndex(a: ArrayLike<unknown>, b: ArrayLike<unknown>): number {
  validateLabels(a, (a as ArrayLike<unknown>)?.length ?? 0, 'a');
  const n = a.length;
  validateLabels(b, n, 'b');
  if (n === 0) throw badInput('a and b are empty: the adjusted Rand index needs at least one item', { argument: 'a' });
  const rowIndex = new Map<unknown, number>();
  const colIndex = new Map<unknown, number>();
  const rowSizes: number[] = [];
  const colSizes: number[] = [];
  const cells = new Map<number, number>();
  const idx = (m: Map<unknown, number>, sizes: number[], v: unknown): number => {
    let i = m.get(v);
    if (i === undefined) {
      i = sizes.length;
      m.set(v, i);
      sizes.push(0);
    }
    sizes[i]++;
    return i;
  };
  for (let t = 0; t < n; t++) {
    const r = idx(rowIndex, rowSizes, a[t]);
    const c = idx(colIndex, colSizes, b[t]);
    const key = r * n + c;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  return ariFromCounts([...cells.values()], rowSizes, colSizes, n);
}

/**
 * The same index from a contingency table given as cells {a, b, count} (e.g. a SQL GROUP BY over two
 * labelings of a million customers), without materialising the labels.
 */
export function adjustedRandIndexFromContingency(cells: ReadonlyArray<{ a: unknown; b: unknown; count: number }>): number {
  if (cells.length === 0) throw badInput('the contingency table is empty: the adjusted Rand index needs at least one item', { argument: 'cells' });
  const rows = new Map<unknown, number>();
  const cols = new Map<unknown, number>();
  let n = 0;
  cells.forEach((c, i) => {
    if (!Number.isInteger(c.count) || c.count < 0) throw badInput(`cells[${i}].count must be a non-negative integer, got ${String(c.count)}`, { argument: 'cells', row: i });
    rows.set(c.a, (rows.get(c.a) ?? 0) + c.count);
    cols.set(c.b, (cols.get(c.b) ?? 0) + c.count);
    n += c.count;
  });
  return ariFromCounts(cells.map((c) => c.count), [...rows.values()], [...cols.values()], n);
}

function ariFromCounts(cellCounts: readonly number[], rowSizes: readonly number[], colSizes: readonly number[], n: number): number {
  let index = 0;
  for (const v of cellCounts) index += comb2(v);
  const sumA = rowSizes.reduce((s, x) => s + comb2(x), 0);
  const sumB = colSizes.reduce((s, x) => s + comb2(x), 0);
  const expected = n > 1 ? (sumA * sumB) / comb2(n) : 0;
  const max = (sumA + sumB) / 2;
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}
