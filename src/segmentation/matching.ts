import { badInput } from '../shared/errors';
import { validateMatrix } from './matrix';
import { Math } from '../shared/math';

/**
 * Minimum-cost assignment (Hungarian method, Kuhn–Munkres with potentials, O(r²·c)) and its use for keeping
 * segment identities stable across refits: new centroids inherit the id of the old centroid they are matched to.
 */
export interface Assignment {
  /** For each row, the column assigned to it, or −1 (only when there are more rows than columns). */
  rowToCol: number[];
  /** For each column, the row assigned to it, or −1. */
  colToRow: number[];
  /** Total cost of the assignment. */
  cost: number;
}

function solveWide(cost: ReadonlyArray<ArrayLike<number>>, n: number, m: number): number[] {
  // 1-based arrays; column 0 is a virtual start column. p[j] = row matched to column j.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = Infinity;
      let j1 = 0;
      const row = cost[i0 - 1];
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = row[j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j] !== 0) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}

/** Min-cost assignment for a rectangular cost matrix (rows × cols, finite costs). min(rows, cols) pairs are made. */
export function hungarian(cost: ReadonlyArray<ArrayLike<number>>): Assignment {
  const { rows, cols } = validateMatrix(cost, 'cost');
  let rowToCol: number[];
  if (rows <= cols) rowToCol = solveWide(cost, rows, cols);
  else {
    const t: number[][] = Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, i) => cost[i][j]));
    const colToRowT = solveWide(t, cols, rows);
    rowToCol = new Array<number>(rows).fill(-1);
    colToRowT.forEach((i, j) => {
      if (i >= 0) rowToCol[i] = j;
    });
  }
  const colToRow = new Array<number>(cols).fill(-1);
  let total = 0;
  rowToCol.forEach((j, i) => {
    if (j >= 0) {
      colToRow[j] = i;
      total += cost[i][j];
    }
  });
  return { rowToCol, colToRow, cost: total };
}

export interface MatchCentroidsOptions<Id> {
  /** Ids of the old centroids (default: their indices). */
  ids?: readonly Id[];
  /** Matched pairs farther apart than this (Euclidean) are left unmatched: a new segment, not a moved one. */
  maxDistance?: number;
}

/**
 * Matches new centroids to old ones by minimum total Euclidean distance and returns, for each new centroid
 * (by index), the id of the old centroid it continues, or null when it has no counterpart (k grew, or it is
 * farther than maxDistance from its partner). Both sets must be in the same feature space (e.g. scaled).
 */
export function matchCentroids<Id = number>(oldCentroids: ReadonlyArray<ArrayLike<number>>, newCentroids: ReadonlyArray<ArrayLike<number>>, options: MatchCentroidsOptions<Id> = {}): (Id | null)[] {
  const { cols } = validateMatrix(newCentroids, 'newCentroids');
  if (oldCentroids.length === 0) return newCentroids.map(() => null);
  validateMatrix(oldCentroids, 'oldCentroids', { cols });
  const ids = options.ids ?? (oldCentroids.map((_, i) => i) as unknown as Id[]);
  if (ids.length !== oldCentroids.length) throw badInput(`ids has ${ids.length} entries, oldCentroids has ${oldCentroids.length}`, { argument: 'ids' });
  if (options.maxDistance !== undefined && !(options.maxDistance >= 0)) throw badInput(`maxDistance must be ≥ 0, got ${options.maxDistance}`, { argument: 'maxDistance' });
  const cost = newCentroids.map((a) =>
    oldCentroids.map((b) => {
      let s = 0;
      for (let j = 0; j < cols; j++) s += (a[j] - b[j]) ** 2;
      return Math.sqrt(s);
    }),
  );
  const { rowToCol } = hungarian(cost);
  return rowToCol.map((j, i) => (j < 0 || (options.maxDistance !== undefined && cost[i][j] > options.maxDistance) ? null : ids[j]));
}
