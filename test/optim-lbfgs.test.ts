import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Adam } from "../src/pinn/optim/adam.js";
import { lbfgs } from "../src/pinn/optim/lbfgs.js";
import { CURVATURE_FLOOR, LbfgsHistory } from "../src/pinn/optim/lbfgs-history.js";
import {
  createLineSearchBuffers,
  cubicMinimizer,
  strongWolfeLineSearch,
} from "../src/pinn/optim/line-search.js";
import type { Objective } from "../src/pinn/optim/objective.js";

interface RosenbrockCase {
  inputs: { x0_5d: number[]; x0_2d: number[] };
  expected: Record<string, number | number[]>;
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/lbfgs-cases.json", import.meta.url), "utf8"),
) as { cases: RosenbrockCase[] };
const rosenbrockCase = fixture.cases[0];

// The Rosenbrock sums at the fixture points have terms up to about 2e3. Each entry takes a
// dozen roundings of at most half an ulp of the largest term: 32 ulps of 2e3 covers it.
const ROSENBROCK_VALUE_TOLERANCE = 32 * Number.EPSILON * 2e3;

// Near the minimiser f ≈ ½ δᵀHδ >= ½ λ_min |δ|². For 5-D Rosenbrock at the all-ones point
// λ_min ≈ 0.497, so f < 1e-12 gives |δ| <= sqrt(2e-12 / 0.497) ≈ 2e-6. We allow 1e-5.
const ROSENBROCK_ARGMIN_TOLERANCE = 1e-5;

/** Rosenbrock f = Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)² with its gradient written by hand. */
const rosenbrock: Objective = (x, grad) => {
  grad.fill(0);
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const valley = x[i + 1] - x[i] * x[i];
    const offset = 1 - x[i];
    f += 100 * valley * valley + offset * offset;
    // ∂/∂x_i = −400 x_i (x_{i+1} − x_i²) − 2 (1 − x_i), ∂/∂x_{i+1} = 200 (x_{i+1} − x_i²).
    grad[i] += -400 * x[i] * valley - 2 * offset;
    grad[i + 1] += 200 * valley;
  }
  return f;
};

function isNonIncreasing(values: number[]): boolean {
  return values.every((value, i) => i === 0 || value <= values[i - 1]);
}

function allFinite(values: ArrayLike<number>): boolean {
  return Array.from(values).every(Number.isFinite);
}

describe("L-BFGS with non-finite values", () => {
  it("stops inside a NaN region boundary", () => {
    // f = Σ (x_i − 3)², but NaN where |x| > 2: the minimiser of the finite region is on the
    // circle |x| = 2, which the line search can only approach from inside.
    const radius = 2;
    const objective: Objective = (x, grad) => {
      let f = 0;
      let r2 = 0;
      for (let i = 0; i < x.length; i++) {
        f += (x[i] - 3) ** 2;
        grad[i] = 2 * (x[i] - 3);
        r2 += x[i] * x[i];
      }
      return r2 > radius * radius ? Number.NaN : f;
    };
    const x0 = new Float64Array([0.1, -0.2]);
    const start = objective(x0, new Float64Array(2));

    const result = lbfgs(objective, x0, { maxIterations: 200 });

    expect(allFinite(result.theta)).toBe(true);
    expect(Number.isFinite(result.loss)).toBe(true);
    expect(result.loss).toBe(objective(result.theta, new Float64Array(2)));
    expect(result.loss).toBeLessThan(start);
    expect(Math.hypot(...result.theta)).toBeLessThanOrEqual(radius);
    expect(isNonIncreasing(result.lossHistory)).toBe(true);
    expect(["non-finite", "line-search-failed", "loss-change-tolerance"]).toContain(result.reason);
  });

  it("stays at the start when all trials are NaN", () => {
    const objective: Objective = (x, grad) => {
      grad[0] = 2 * (x[0] - 1);
      return x[0] === 0.5 ? 0.25 : Number.NaN;
    };
    const result = lbfgs(objective, new Float64Array([0.5]));

    expect(result.reason).toBe("non-finite");
    expect(result.iterations).toBe(0);
    expect(result.theta[0]).toBe(0.5);
    expect(result.loss).toBe(0.25);
  });

  it("treats a NaN trial gradient as non-finite", () => {
    // f = x², but the gradient is NaN for x < 0.5, so steps must stop short of that region.
    const objective: Objective = (x, grad) => {
      grad[0] = x[0] < 0.5 ? Number.NaN : 2 * x[0];
      return x[0] * x[0];
    };
    const result = lbfgs(objective, new Float64Array([2]), { maxIterations: 50 });

    expect(allFinite(result.theta)).toBe(true);
    expect(allFinite(result.gradient)).toBe(true);
    expect(result.theta[0]).toBeGreaterThanOrEqual(0.5);
  });

  it("stops cleanly when g·g overflows", () => {
    // f = 5e307 Σ x_i² at x = (1, 1): each ∂f/∂x_i = 1e308 is finite, but g·g is Infinity, so no
    // slope along −g can be formed and lbfgs stops without producing a non-finite value.
    const objective: Objective = (x, grad) => {
      grad[0] = 1e308 * x[0];
      grad[1] = 1e308 * x[1];
      return 5e307 * (x[0] * x[0] + x[1] * x[1]);
    };
    const result = lbfgs(objective, new Float64Array([1, 1]));

    expect(result.reason).toBe("line-search-failed");
    expect(result.iterations).toBe(0);
    expect(Array.from(result.theta)).toEqual([1, 1]);
    expect(result.loss).toBe(1e308);
  });

  it("rejects a non-finite start", () => {
    const nanLoss: Objective = () => Number.NaN;
    const infGrad: Objective = (_x, grad) => {
      grad[0] = Number.POSITIVE_INFINITY;
      return 1;
    };
    expect(() => lbfgs(nanLoss, new Float64Array([1]))).toThrow(/returned NaN at theta0/);
    expect(() => lbfgs(infGrad, new Float64Array([1]))).toThrow(/grad\[0\] = Infinity/);
    expect(() => lbfgs(rosenbrock, new Float64Array([1, Number.NaN]))).toThrow(/theta0\[1\]/);
  });
});

describe("L-BFGS on Rosenbrock", () => {
  it("matches f(x0) and the gradient in 5-D", () => {
    const grad = new Float64Array(5);
    const f = rosenbrock(Float64Array.from(rosenbrockCase.inputs.x0_5d), grad);
    const expectedGrad = rosenbrockCase.expected["grad(x0_5d)"] as number[];

    expect(Math.abs(f - 848.22)).toBeLessThanOrEqual(ROSENBROCK_VALUE_TOLERANCE);
    expect(rosenbrockCase.expected["f(x0_5d)"]).toBe(848.22);
    expectedGrad.forEach((g, i) => {
      expect(Math.abs(grad[i] - g)).toBeLessThanOrEqual(ROSENBROCK_VALUE_TOLERANCE);
    });
  });

  it("matches f(x0) and the gradient in 2-D", () => {
    const grad = new Float64Array(2);
    const f = rosenbrock(Float64Array.from(rosenbrockCase.inputs.x0_2d), grad);

    expect(Math.abs(f - (rosenbrockCase.expected["f(x0_2d)"] as number))).toBeLessThanOrEqual(
      ROSENBROCK_VALUE_TOLERANCE,
    );
    expect(Math.abs(grad[0] - -215.6)).toBeLessThanOrEqual(ROSENBROCK_VALUE_TOLERANCE);
    expect(Math.abs(grad[1] - -88)).toBeLessThanOrEqual(ROSENBROCK_VALUE_TOLERANCE);
  });

  it("converges to all ones in 5-D", () => {
    const x0 = Float64Array.from(rosenbrockCase.inputs.x0_5d);
    const result = lbfgs(rosenbrock, x0, { maxIterations: 500 });

    expect(result.loss).toBeLessThan(1e-12);
    for (const value of result.theta) {
      expect(Math.abs(value - 1)).toBeLessThanOrEqual(ROSENBROCK_ARGMIN_TOLERANCE);
    }
    expect(isNonIncreasing(result.lossHistory)).toBe(true);
    expect(result.lossHistory).toHaveLength(result.iterations + 1);
    expect(result.lossHistory[0]).toBe(rosenbrock(x0, new Float64Array(5)));
    expect(result.reason).toBe("gradient-tolerance");
    expect(Array.from(x0)).toEqual(rosenbrockCase.inputs.x0_5d);
  });

  it("converges from (-1.2, 1) in 2-D", () => {
    const result = lbfgs(rosenbrock, Float64Array.from(rosenbrockCase.inputs.x0_2d), {
      maxIterations: 500,
    });

    expect(result.loss).toBeLessThan(1e-12);
    expect(isNonIncreasing(result.lossHistory)).toBe(true);
    expect(result.iterations).toBeLessThan(100);
  });

  it("runs exactly maxIterations accepted iterations", () => {
    for (const maxIterations of [0, 1, 3, 7]) {
      const calls: number[] = [];
      const result = lbfgs(rosenbrock, Float64Array.from(rosenbrockCase.inputs.x0_5d), {
        maxIterations,
        callback: (info) => {
          calls.push(info.iteration);
          return undefined;
        },
      });

      expect(result.iterations).toBe(maxIterations);
      expect(result.reason).toBe("max-iterations");
      expect(result.lossHistory).toHaveLength(maxIterations + 1);
      expect(calls).toEqual(Array.from({ length: maxIterations }, (_, i) => i + 1));
    }
  });

  it("stops when the callback returns true", () => {
    const result = lbfgs(rosenbrock, Float64Array.from(rosenbrockCase.inputs.x0_5d), {
      callback: (info) => info.iteration === 4,
    });

    expect(result.reason).toBe("callback");
    expect(result.iterations).toBe(4);
  });

  it("counts every evaluation and respects maxEvaluations", () => {
    let calls = 0;
    const counted: Objective = (x, grad) => {
      calls++;
      return rosenbrock(x, grad);
    };
    const result = lbfgs(counted, Float64Array.from(rosenbrockCase.inputs.x0_5d), {
      maxEvaluations: 20,
    });

    expect(result.evaluations).toBe(calls);
    expect(calls).toBeLessThanOrEqual(20);
    expect(result.reason).toBe("max-evaluations");
  });

  it("continues from an Adam warm start", () => {
    const theta = Float64Array.from(rosenbrockCase.inputs.x0_5d);
    const grad = new Float64Array(5);
    const adam = new Adam(5, { learningRate: 1e-2 });
    for (let k = 0; k < 200; k++) {
      rosenbrock(theta, grad);
      adam.step(theta, grad);
    }
    const afterAdam = rosenbrock(theta, grad);

    const result = lbfgs(rosenbrock, theta, { maxIterations: 500 });

    expect(result.lossHistory[0]).toBe(afterAdam);
    expect(result.loss).toBeLessThan(1e-12);
    expect(isNonIncreasing(result.lossHistory)).toBe(true);
  });
});

describe("L-BFGS on quadratics", () => {
  /** f = ½ (x − x*)ᵀ A (x − x*) with A = diag(1..n) + 0.1 / (1 + |i − j|) off the diagonal. */
  function quadratic(n: number): { objective: Objective; minimiser: number[] } {
    const a = (i: number, j: number): number => (i === j ? i + 1 : 0.1 / (1 + Math.abs(i - j)));
    const minimiser = Array.from({ length: n }, (_, i) => Math.cos(i));
    const objective: Objective = (x, grad) => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        let row = 0;
        for (let j = 0; j < n; j++) {
          row += a(i, j) * (x[j] - minimiser[j]);
        }
        grad[i] = row;
        f += 0.5 * (x[i] - minimiser[i]) * row;
      }
      return f;
    };
    return { objective, minimiser };
  }

  it("converges in about n iterations", () => {
    // With exact line searches, quasi-Newton directions on a quadratic are conjugate, so the
    // minimiser is reached in n steps. Here c2 = 0.01 makes the line search nearly exact (the
    // cubic fit is exact on a quadratic), and H0 is rescaled each step, so two extra are allowed.
    const n = 8;
    const { objective, minimiser } = quadratic(n);
    const result = lbfgs(objective, new Float64Array(n), {
      gradientTolerance: 1e-10,
      lineSearch: { c2: 0.01 },
    });

    expect(result.reason).toBe("gradient-tolerance");
    expect(result.iterations).toBeLessThanOrEqual(n + 2);
    result.theta.forEach((value, i) => {
      expect(Math.abs(value - minimiser[i])).toBeLessThan(1e-9);
    });
  });

  it("decreases the loss on random quadratics", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 6, maxLength: 6 }),
        (curvatures, start) => {
          // f = Σ c_i x_i² / 2, minimiser 0, condition number up to 1e4.
          const objective: Objective = (x, grad) => {
            let f = 0;
            for (let i = 0; i < x.length; i++) {
              grad[i] = curvatures[i] * x[i];
              f += 0.5 * curvatures[i] * x[i] * x[i];
            }
            return f;
          };
          const x0 = Float64Array.from(start.slice(0, curvatures.length));
          const result = lbfgs(objective, x0, { maxIterations: 200, gradientTolerance: 1e-8 });

          expect(isNonIncreasing(result.lossHistory)).toBe(true);
          expect(allFinite(result.theta)).toBe(true);
          expect(Math.max(...Array.from(result.gradient, Math.abs))).toBeLessThanOrEqual(1e-8);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("L-BFGS with negative curvature", () => {
  /** Double well f = x⁴/4 − x²/2 + y²/2: f'' = 3x² − 1 < 0 for |x| < 1/√3. */
  const doubleWell: Objective = (x, grad) => {
    grad[0] = x[0] ** 3 - x[0];
    grad[1] = x[1];
    return x[0] ** 4 / 4 - x[0] ** 2 / 2 + x[1] ** 2 / 2;
  };

  it("skips pairs with y·s <= 0 and stays finite", () => {
    // One evaluation per line search accepts any sufficient-decrease step, so steps that stay
    // inside the concave region give y·s < 0 and must be skipped.
    const result = lbfgs(doubleWell, new Float64Array([0.05, 0.5]), {
      maxIterations: 200,
      lineSearch: { maxEvaluations: 1 },
    });

    expect(result.skippedPairs).toBeGreaterThan(0);
    expect(allFinite(result.theta)).toBe(true);
    expect(result.lossHistory.every(Number.isFinite)).toBe(true);
    expect(isNonIncreasing(result.lossHistory)).toBe(true);
    expect(Math.abs(result.loss - -0.25)).toBeLessThan(1e-9);
  });

  it("leaves the saddle with full search", () => {
    const result = lbfgs(doubleWell, new Float64Array([0.05, 0.5]));

    expect(Math.abs(Math.abs(result.theta[0]) - 1)).toBeLessThan(1e-6);
    expect(isNonIncreasing(result.lossHistory)).toBe(true);
  });
});

describe("LbfgsHistory", () => {
  it("rejects pairs failing the curvature test", () => {
    const history = new LbfgsHistory(2, 3);
    const s = new Float64Array([1, 0]);

    expect(history.push(s, new Float64Array([-1, 0]))).toBe(false);
    expect(history.push(s, new Float64Array([0, 0]))).toBe(false);
    expect(history.push(s, new Float64Array([0, 1]))).toBe(false);
    expect(history.push(s, new Float64Array([CURVATURE_FLOOR / 2, 1]))).toBe(false);
    expect(history.push(s, new Float64Array([Number.NaN, 0]))).toBe(false);
    expect(history.push(s, new Float64Array([Number.POSITIVE_INFINITY, 0]))).toBe(false);
    expect(history.length).toBe(0);

    const direction = new Float64Array(2);
    history.direction(new Float64Array([3, -4]), direction);
    expect(Array.from(direction)).toEqual([-3, 4]);
  });

  it("recovers a diagonal inverse Hessian", () => {
    // For f = ½ xᵀ diag(2, 5) x, pairs along the axes give H = diag(1/2, 1/5) exactly.
    const history = new LbfgsHistory(2, 5);
    expect(history.push(new Float64Array([1, 0]), new Float64Array([2, 0]))).toBe(true);
    expect(history.push(new Float64Array([0, 1]), new Float64Array([0, 5]))).toBe(true);

    const direction = new Float64Array(2);
    history.direction(new Float64Array([4, 10]), direction);
    expect(direction[0]).toBeCloseTo(-2, 14);
    expect(direction[1]).toBeCloseTo(-2, 14);
  });

  it("rejects a subnormal pair whose rho would overflow", () => {
    // Regression: fast-check found s = (0, 1.5e-323, 0), y = (0, 1/6, 0), where y·s rounds to
    // the smallest subnormal and rho = 1 / (y·s) = Infinity.
    const history = new LbfgsHistory(3, 2);
    expect(history.push(new Float64Array([0, 1.5e-323, 0]), new Float64Array([0, 1 / 6, 0]))).toBe(
      false,
    );
  });

  it("gives finite descent directions for random accepted pairs", () => {
    // Entries are 0 or of magnitude in [1e-3, 1e3]. Pairs whose scales differ by 1e50 can
    // overflow the recursion or lose descent to rounding; lbfgs checks the direction it gets
    // and falls back to steepest descent (see the next test).
    const entry = fc.oneof(
      fc.constant(0),
      fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
      fc.double({ min: -1e3, max: -1e-3, noNaN: true }),
    );
    const vector = fc.array(entry, { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(fc.tuple(vector, vector), { maxLength: 8 }), vector, (pairs, g) => {
        const history = new LbfgsHistory(3, 4);
        for (const [s, y] of pairs) {
          history.push(Float64Array.from(s), Float64Array.from(y));
        }
        const grad = Float64Array.from(g);
        const direction = new Float64Array(3);
        history.direction(grad, direction);

        expect(allFinite(direction)).toBe(true);
        const slope = grad.reduce((sum, gi, i) => sum + gi * direction[i], 0);
        expect(slope).toBeLessThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });
});

describe("L-BFGS at the rounding floor", () => {
  it("retries steepest descent once, then stops", () => {
    // f = 1 + Σ (i+1) (x_i − 0.3 (i+1))²: once the quadratic part is below ulp(1) ≈ 2e-16, no
    // step can lower f in float64, so the quasi-Newton search fails, the memory is cleared,
    // the steepest-descent search fails too, and lbfgs stops.
    const objective: Objective = (x, grad) => {
      let f = 1;
      for (let i = 0; i < x.length; i++) {
        const d = x[i] - 0.3 * (i + 1);
        f += (i + 1) * d * d;
        grad[i] = 2 * (i + 1) * d;
      }
      return f;
    };
    const result = lbfgs(objective, new Float64Array([1, 2, 3]), {
      maxIterations: 1000,
      gradientTolerance: 0,
      lossChangeTolerance: 0,
      stepTolerance: 0,
    });

    expect(result.reason).toBe("line-search-failed");
    expect(result.resets).toBe(1);
    expect(result.loss).toBe(1);
    expect(isNonIncreasing(result.lossHistory)).toBe(true);
    // The quadratic part is below ulp(1), so |x_i − t_i| <= sqrt(ulp(1) / (i + 1)) < 2e-8.
    result.theta.forEach((value, i) => {
      expect(Math.abs(value - 0.3 * (i + 1))).toBeLessThan(2e-8);
    });
  });
});

describe("strong-Wolfe line search", () => {
  it("interpolates a quadratic exactly", () => {
    // φ(a) = (a − 1)² has φ(0) = 1, φ'(0) = −2, φ(3) = 4, φ'(3) = 4; the cubic fit is exact.
    const minimiser = cubicMinimizer(
      { step: 0, loss: 1, slope: -2 },
      { step: 3, loss: 4, slope: 4 },
    );
    expect(minimiser).toBeCloseTo(1, 14);
  });

  it("returns steps that satisfy both strong Wolfe conditions", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 100, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.double({ min: -5, max: 5, noNaN: true }),
        (curvature, initialStep, x) => {
          fc.pre(Math.abs(x) > 1e-3);
          // f(x) = c x² / 2 + sin(x), a 1-D objective with curvature c − sin(x).
          const objective: Objective = (theta, grad) => {
            grad[0] = curvature * theta[0] + Math.cos(theta[0]);
            return 0.5 * curvature * theta[0] ** 2 + Math.sin(theta[0]);
          };
          const theta = new Float64Array([x]);
          const grad = new Float64Array(1);
          const loss = objective(theta, grad);
          fc.pre(Math.abs(grad[0]) > 1e-6);
          const direction = new Float64Array([-grad[0]]);
          const buffers = createLineSearchBuffers(1);
          const c1 = 1e-4;
          const c2 = 0.9;

          const result = strongWolfeLineSearch(
            objective,
            theta,
            loss,
            grad,
            direction,
            initialStep,
            buffers,
            { c1, c2, maxEvaluations: 60 },
          );

          const slope0 = grad[0] * direction[0];
          expect(result.step).toBeGreaterThan(0);
          expect(result.loss).toBeLessThanOrEqual(loss + c1 * result.step * slope0);
          if (result.status === "wolfe") {
            expect(Math.abs(buffers.bestGrad[0] * direction[0])).toBeLessThanOrEqual(-c2 * slope0);
          }
          expect(buffers.bestTheta[0]).toBe(x + result.step * direction[0]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("enforces sufficient decrease where curvature already holds", () => {
    // φ(a) = (a − 1)² − 1, φ(0) = 0, φ'(0) = −2. With c1 = 0.45 and c2 = 0.5 the first trial
    // a = 1.5 meets the curvature condition (|φ'| = 1 <= 1) but not sufficient decrease
    // (−0.75 > −1.35), so the search must move on to a shorter step.
    const objective: Objective = (theta, grad) => {
      grad[0] = 2 * (theta[0] - 1);
      return (theta[0] - 1) ** 2 - 1;
    };
    const theta = new Float64Array([0]);
    const grad = new Float64Array([-2]);
    const c1 = 0.45;
    const result = strongWolfeLineSearch(
      objective,
      theta,
      0,
      grad,
      new Float64Array([1]),
      1.5,
      createLineSearchBuffers(1),
      { c1, c2: 0.5 },
    );

    expect(result.status).toBe("wolfe");
    expect(result.loss).toBeLessThanOrEqual(c1 * result.step * -2);
    expect(result.step).toBeLessThan(1.5);
  });

  it("rejects a direction that is not a descent direction", () => {
    const objective: Objective = (theta, grad) => {
      grad[0] = 2 * theta[0];
      return theta[0] ** 2;
    };
    const call = (): unknown =>
      strongWolfeLineSearch(
        objective,
        new Float64Array([1]),
        1,
        new Float64Array([2]),
        new Float64Array([1]),
        1,
        createLineSearchBuffers(1),
      );
    expect(call).toThrow(/descent direction/);
  });
});
