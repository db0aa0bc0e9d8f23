import { hungarian, matchCentroids } from '../../src/segmentation/matching';
import { createRandom } from '../../src/shared/random';

/** Brute-force optimum over all injective maps of the smaller side (oracle for small matrices). */
function bruteForce(cost: number[][]): number {
  const r = cost.length;
  const c = cost[0].length;
  const rowsSmaller = r <= c;
  const small = rowsSmaller ? r : c;
  const big = rowsSmaller ? c : r;
  let best = Infinity;
  const used = new Array(big).fill(false);
  const rec = (i: number, acc: number): void => {
    if (i === small) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < big; j++) {
      if (used[j]) continue;
      used[j] = true;
      rec(i + 1, acc + (rowsSmaller ? cost[i][j] : cost[j][i]));
      used[j] = false;
    }
  };
  rec(0, 0);
  return best;
}

describe('hungarian', () => {
  it('solves a textbook 3 × 3 case', () => {
    const cost = [
      [4, 1, 3],
      [2, 0, 5],
      [3, 2, 2],
    ];
    // Optimum: row0→col1 (1), row1→col0 (2), row2→col2 (2) = 5
    const a = hungarian(cost);
    expect(a.rowToCol).toEqual([1, 0, 2]);
    expect(a.colToRow).toEqual([1, 0, 2]);
    expect(a.cost).toBe(5);
  });

  it('beats greedy where greedy fails', () => {
    // Greedy takes the cheapest cell (0,0)=1 and is then forced into (1,1)=100 → 101; the optimum is 2 + 2 = 4.
    const a = hungarian([
      [1, 2],
      [2, 100],
    ]);
    expect(a.rowToCol).toEqual([1, 0]);
    expect(a.cost).toBe(4);
  });

  it.each([
    [4, 4],
    [3, 6],
    [6, 3],
    [5, 5],
  ])('equals the brute-force optimum on random %i × %i matrices', (r, c) => {
    const rng = createRandom(r * 10 + c);
    for (let t = 0; t < 25; t++) {
      const cost = Array.from({ length: r }, () => Array.from({ length: c }, () => Math.round(rng.next() * 20) - 5));
      const a = hungarian(cost);
      expect(a.cost).toBe(bruteForce(cost));
      const assigned = a.rowToCol.filter((j) => j >= 0);
      expect(assigned).toHaveLength(Math.min(r, c));
      expect(new Set(assigned).size).toBe(assigned.length);
    }
  });

  it('rejects non-finite costs', () => {
    expect(() => hungarian([[1, Infinity]])).toThrow('cost[0][1] is Infinity');
  });
});

describe('matchCentroids', () => {
  it('keeps identities by minimum total distance where greedy nearest-pair matching fails', () => {
    // Old segments at 0 ("A") and 3 ("B"); new centroids at 1.9 and 5.
    // Greedy pairs the closest pair first (1.9↔B, 1.1) and leaves 5↔A (5): total 6.1.
    // Optimal: 1.9↔A (1.9) + 5↔B (2) = 3.9.
    expect(matchCentroids([[0], [3]], [[1.9], [5]], { ids: ['A', 'B'] })).toEqual(['A', 'B']);
  });

  it('leaves new centroids unmatched when k grew or they moved too far', () => {
    const old = [
      [0, 0],
      [10, 10],
    ];
    const next = [
      [10, 9],
      [50, 50],
      [0, 1],
    ];
    expect(matchCentroids(old, next, { ids: [7, 8] })).toEqual([8, null, 7]);
    expect(matchCentroids(old, [[0, 0.5], [30, 30]], { maxDistance: 5 })).toEqual([0, null]);
    expect(matchCentroids([], [[1, 2]])).toEqual([null]);
    expect(() => matchCentroids([[0, 0]], [[1, 2, 3]])).toThrow('oldCentroids[0] has 2 columns, expected 3');
  });
});
