import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Adam } from "../src/pinn/optim/adam.js";
import { type LearningRateSchedule, scheduledLearningRate } from "../src/pinn/optim/schedule.js";

// A first Adam step has m̂ = g and v̂ = g², so Δθ = −η g / (|g| + ε) exactly in real arithmetic.
// The float64 result goes through about six roundings, each at most half an ulp.
const FIRST_STEP_TOLERANCE = 8 * Number.EPSILON;

// Schedule formulas evaluated twice in float64 (once in the library, once here) may differ by a
// few roundings of pow and cos: a few ulps of the rate.
const SCHEDULE_TOLERANCE = 4 * Number.EPSILON;

describe("Adam with non-finite gradients", () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`rejects ${bad} and leaves theta untouched`, () => {
      const adam = new Adam(3, { learningRate: 0.1 });
      const theta = new Float64Array([1, 2, 3]);
      adam.step(theta, new Float64Array([0.5, -0.5, 1]));
      const before = Float64Array.from(theta);

      expect(() => adam.step(theta, new Float64Array([1, bad, 1]))).toThrow(RangeError);
      expect(() => adam.step(theta, new Float64Array([1, bad, 1]))).toThrow(
        new RegExp(`grad\\[1\\] is ${bad}`),
      );
      expect(theta).toEqual(before);
      expect(adam.stepCount).toBe(1);
    });
  }

  it("rejects non-finite parameters", () => {
    const adam = new Adam(2);
    const theta = new Float64Array([1, Number.NaN]);
    expect(() => adam.step(theta, new Float64Array([1, 1]))).toThrow(/theta\[1\] is NaN/);
    expect(adam.stepCount).toBe(0);
  });

  it("rejects an update that overflows", () => {
    // The first step moves θ by −η g / (|g| + ε) ≈ −1e308, and −1.7e308 − 1e308 overflows.
    const adam = new Adam(1, { learningRate: 1e308 });
    const theta = new Float64Array([-1.7e308]);
    expect(() => adam.step(theta, new Float64Array([1]))).toThrow(/would set theta\[0\]/);
    expect(theta[0]).toBe(-1.7e308);
  });

  it("keeps its moments after a rejected step", () => {
    const reference = new Adam(2, { learningRate: 0.1 });
    const tested = new Adam(2, { learningRate: 0.1 });
    const a = new Float64Array([1, 1]);
    const b = new Float64Array([1, 1]);
    const grad = new Float64Array([0.3, -2]);

    reference.step(a, grad);
    tested.step(b, grad);
    expect(() => tested.step(b, new Float64Array([Number.NaN, 0]))).toThrow(RangeError);
    reference.step(a, grad);
    tested.step(b, grad);

    expect(b).toEqual(a);
  });
});

// Gradients scaled by 2^k give the same steps when ε is negligible, because Adam divides m̂ by
// sqrt(v̂). The scaled run squares through the overflow-free branch, which rounds √β2, √(1 − β2),
// a ratio, a square and a square root more than the direct branch: under 16 ulps of η per step.
const SCALED_STEP_TOLERANCE = 16 * Number.EPSILON;

describe("Adam with gradients beyond 1e154", () => {
  it("moves theta when g² overflows", () => {
    const adam = new Adam(2, { learningRate: 0.1 });
    const theta = new Float64Array([1, 1]);
    adam.step(theta, new Float64Array([1e200, -Number.MAX_VALUE]));
    // First step: Δθ = −η g / |g| = ∓η.
    expect(Math.abs(theta[0] - 0.9)).toBeLessThanOrEqual(FIRST_STEP_TOLERANCE);
    expect(Math.abs(theta[1] - 1.1)).toBeLessThanOrEqual(FIRST_STEP_TOLERANCE);
  });

  it("keeps moving after a huge gradient", () => {
    const adam = new Adam(1, { learningRate: 0.1 });
    const theta = new Float64Array([1]);
    adam.step(theta, new Float64Array([1e300]));
    const afterHuge = theta[0];
    adam.step(theta, new Float64Array([1]));
    expect(theta[0]).toBeLessThan(afterHuge);
  });

  it("huge gradients match scaled small ones", () => {
    const gradient = fc
      .double({ min: 0.5, max: 10, noNaN: true })
      .chain((magnitude) => fc.boolean().map((negative) => (negative ? -magnitude : magnitude)));
    fc.assert(
      fc.property(
        fc.array(gradient, { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 520, max: 1000 }),
        (gradients, exponent) => {
          const factor = 2 ** exponent;
          const options = { learningRate: 0.01, epsilon: 1e-300 };
          const small = new Adam(1, options);
          const huge = new Adam(1, options);
          const thetaSmall = new Float64Array([0]);
          const thetaHuge = new Float64Array([0]);
          for (const g of gradients) {
            small.step(thetaSmall, new Float64Array([g]));
            huge.step(thetaHuge, new Float64Array([g * factor]));
          }
          const tolerance = SCALED_STEP_TOLERANCE * 0.01 * gradients.length;
          expect(Math.abs(thetaHuge[0] - thetaSmall[0])).toBeLessThanOrEqual(tolerance);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("Adam input checks", () => {
  it("rejects a length mismatch", () => {
    const adam = new Adam(2);
    expect(() => adam.step(new Float64Array(3), new Float64Array(3))).toThrow(/length 2/);
  });

  it("rejects invalid hyperparameters", () => {
    expect(() => new Adam(2, { beta1: 1 })).toThrow(/beta1/);
    expect(() => new Adam(2, { beta2: -0.1 })).toThrow(/beta2/);
    expect(() => new Adam(2, { learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new Adam(2, { epsilon: Number.NaN })).toThrow(/epsilon/);
    expect(() => new Adam(-1)).toThrow(/size/);
    expect(() => new Adam(2, { schedule: { kind: "step", stepSize: 0, factor: 0.5 } })).toThrow(
      /stepSize/,
    );
  });
});

describe("Adam update rule", () => {
  it("first step is -lr g / (|g| + eps)", () => {
    const finite = fc.double({ min: -1e6, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 8 }), (values) => {
        const learningRate = 0.01;
        const epsilon = 1e-8;
        const adam = new Adam(values.length, { learningRate, epsilon });
        const theta = new Float64Array(values.length);
        adam.step(theta, Float64Array.from(values));

        values.forEach((g, i) => {
          const expected = (-learningRate * g) / (Math.abs(g) + epsilon);
          expect(Math.abs(theta[i] - expected)).toBeLessThanOrEqual(
            FIRST_STEP_TOLERANCE * learningRate,
          );
        });
      }),
      { numRuns: 200 },
    );
  });

  it("matches a hand-computed second step", () => {
    // g1 = 2, g2 = -1, η = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8:
    // m2 = 0.9·0.2 + 0.1·(−1) = 0.08, v2 = 0.999·0.004 + 0.001·1 = 0.004996,
    // m̂ = 0.08 / 0.19, v̂ = 0.004996 / 0.001999.
    const adam = new Adam(1, { learningRate: 0.1 });
    const theta = new Float64Array([0]);
    adam.step(theta, new Float64Array([2]));
    const afterFirst = theta[0];
    adam.step(theta, new Float64Array([-1]));

    const mHat = 0.08 / (1 - 0.9 ** 2);
    const vHat = 0.004996 / (1 - 0.999 ** 2);
    const expected = afterFirst - (0.1 * mHat) / (Math.sqrt(vHat) + 1e-8);
    expect(Math.abs(theta[0] - expected)).toBeLessThanOrEqual(1e-15);
  });

  it("minimises a convex quadratic", () => {
    // f(θ) = Σ c_i (θ_i − t_i)², ∇f = 2 c_i (θ_i − t_i).
    const c = [1, 10, 0.1];
    const target = [1, -2, 0.5];
    const adam = new Adam(3, {
      learningRate: 0.05,
      schedule: { kind: "exponential", decayRate: 0.1, decaySteps: 2000 },
    });
    const theta = new Float64Array(3);
    const grad = new Float64Array(3);
    for (let k = 0; k < 4000; k++) {
      for (let i = 0; i < 3; i++) {
        grad[i] = 2 * c[i] * (theta[i] - target[i]);
      }
      adam.step(theta, grad);
    }

    // Adam settles within about one step size (η_final = 5e-4) of the minimiser.
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(theta[i] - target[i])).toBeLessThan(1e-3);
    }
    expect(adam.stepCount).toBe(4000);
  });

  it("restarts from zero moments after reset", () => {
    const adam = new Adam(1, { learningRate: 0.1 });
    const theta = new Float64Array([0]);
    adam.step(theta, new Float64Array([5]));
    adam.reset();
    const restarted = new Float64Array([0]);
    adam.step(restarted, new Float64Array([-3]));

    // A fresh first step: Δθ = −η g / (|g| + ε) with g = −3.
    const expected = (0.1 * 3) / (3 + 1e-8);
    expect(adam.stepCount).toBe(1);
    expect(Math.abs(restarted[0] - expected)).toBeLessThanOrEqual(FIRST_STEP_TOLERANCE * 0.1);
  });
});

describe("learning-rate schedules", () => {
  const base = 0.01;
  const cases: { schedule: LearningRateSchedule; step: number; expected: number }[] = [
    { schedule: { kind: "constant" }, step: 12345, expected: 0.01 },
    { schedule: { kind: "exponential", decayRate: 0.5, decaySteps: 100 }, step: 0, expected: 0.01 },
    {
      schedule: { kind: "exponential", decayRate: 0.5, decaySteps: 100 },
      step: 100,
      expected: 0.005,
    },
    {
      schedule: { kind: "exponential", decayRate: 0.5, decaySteps: 100 },
      step: 50,
      expected: 0.01 * Math.SQRT1_2,
    },
    { schedule: { kind: "cosine", totalSteps: 1000 }, step: 0, expected: 0.01 },
    { schedule: { kind: "cosine", totalSteps: 1000 }, step: 500, expected: 0.005 },
    { schedule: { kind: "cosine", totalSteps: 1000 }, step: 1000, expected: 0 },
    { schedule: { kind: "cosine", totalSteps: 1000 }, step: 5000, expected: 0 },
    {
      schedule: { kind: "cosine", totalSteps: 1000, minLearningRate: 0.001 },
      step: 500,
      expected: 0.0055,
    },
    {
      schedule: { kind: "cosine", totalSteps: 1000 },
      step: 250,
      expected: 0.005 * (1 + Math.SQRT1_2),
    },
    { schedule: { kind: "step", stepSize: 100, factor: 0.1 }, step: 99, expected: 0.01 },
    { schedule: { kind: "step", stepSize: 100, factor: 0.1 }, step: 100, expected: 0.001 },
    { schedule: { kind: "step", stepSize: 100, factor: 0.1 }, step: 250, expected: 0.0001 },
  ];

  for (const { schedule, step, expected } of cases) {
    it(`${schedule.kind} at step ${step}`, () => {
      const rate = scheduledLearningRate(base, schedule, step);
      expect(Math.abs(rate - expected)).toBeLessThanOrEqual(SCHEDULE_TOLERANCE * base);
    });
  }

  it("drives Adam through learningRateAt", () => {
    const adam = new Adam(1, {
      learningRate: base,
      schedule: { kind: "step", stepSize: 2, factor: 0.5 },
    });
    expect(adam.learningRateAt(0)).toBe(0.01);
    expect(adam.learningRateAt(2)).toBe(0.005);

    // The first update uses k = 0; the third uses k = 2, so its move is half as large.
    const theta = new Float64Array([0]);
    const moves: number[] = [];
    for (let k = 0; k < 3; k++) {
      const before = theta[0];
      adam.step(theta, new Float64Array([1]));
      moves.push(before - theta[0]);
    }
    expect(moves[0]).toBeCloseTo(0.01, 9);
    expect(moves[2]).toBeCloseTo(0.005, 9);
  });
});
