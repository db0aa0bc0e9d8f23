import { lbfgs, multiStart, nelderMead } from '../../src/churn';

/** n-dimensional Rosenbrock function and its gradient; minimum 0 at (1, …, 1). */
function rosenbrock(x: number[], grad?: Float64Array): number {
  let f = 0;
  if (grad) grad.fill(0);
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    if (grad) {
      grad[i] += -400 * x[i] * a - 2 * b;
      grad[i + 1] += 200 * a;
    }
  }
  return f;
}

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum in 2 and 4 dimensions', () => {
    for (const x0 of [
      [-1.2, 1],
      [-1, 0.5, -1, 0.5],
    ]) {
      const res = nelderMead((x) => rosenbrock(x), x0, { tolerance: 1e-14, xTolerance: 1e-9, maxIterations: 20000 });
      expect(res.converged).toBe(true);
      for (const v of res.x) expect(v).toBeCloseTo(1, 5);
      expect(res.fx).toBeLessThan(1e-10);
      expect(res.method).toBe('nelder-mead');
    }
  });

  it('reports non-convergence at the iteration cap', () => {
    const res = nelderMead((x) => rosenbrock(x), [-1.2, 1], { maxIterations: 5 });
    expect(res.converged).toBe(false);
    expect(res.iterations).toBe(5);
  });

  it('backs away from regions where the objective is not finite', () => {
    // log-barrier at x ≤ 0: NaN there.
    const f = (x: number[]) => (x[0] > 0 ? (x[0] - 2) ** 2 - Math.log(x[0]) : NaN);
    const res = nelderMead(f, [0.1], { initialStep: 5 });
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1 + Math.sqrt(1.5), 5); // root of 2(x − 2) − 1/x = 0
  });
});

describe('lbfgs', () => {
  it('finds the Rosenbrock minimum with a tight gradient', () => {
    for (const x0 of [
      [-1.2, 1],
      [-1, 0.5, -1, 0.5, 2, 2],
    ]) {
      const res = lbfgs(rosenbrock, x0, { gradientTolerance: 1e-10 });
      expect(res.converged).toBe(true);
      expect(res.gradientNorm!).toBeLessThanOrEqual(1e-7);
      for (const v of res.x) expect(v).toBeCloseTo(1, 6);
    }
  });

  it('solves an ill-conditioned quadratic exactly', () => {
    const d = [1, 10, 100, 1e4];
    const f = (x: number[], g: Float64Array) => {
      let s = 0;
      x.forEach((v, i) => {
        s += 0.5 * d[i] * (v - i) ** 2;
        g[i] = d[i] * (v - i);
      });
      return s;
    };
    const res = lbfgs(f, [5, 5, 5, 5]);
    expect(res.converged).toBe(true);
    res.x.forEach((v, i) => expect(v).toBeCloseTo(i, 8));
  });

  it('reports non-convergence at the iteration cap', () => {
    const res = lbfgs(rosenbrock, [-1.2, 1], { maxIterations: 3 });
    expect(res.converged).toBe(false);
    expect(res.iterations).toBe(3);
  });
});

describe('multiStart', () => {
  it('keeps the best of several local minima and reports every run', () => {
    // Double well: local minimum near x = 1.13, global near x = −1.30.
    const f = (x: number[], g: Float64Array) => {
      const v = x[0];
      g[0] = 4 * v ** 3 - 4 * v + 0.7;
      return v ** 4 - 2 * v ** 2 + 0.7 * v;
    };
    const res = multiStart((x0) => lbfgs(f, x0), [[2], [-2]]);
    expect(res.runs).toHaveLength(2);
    expect(res.runs[0].x[0]).toBeGreaterThan(0);
    expect(res.x[0]).toBeLessThan(0);
    expect(res.fx).toBe(Math.min(...res.runs.map((r) => r.fx)));
    expect(() => multiStart((x0) => lbfgs(f, x0), [])).toThrow('at least one starting point');
  });
});
