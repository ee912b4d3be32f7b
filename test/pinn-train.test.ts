// The training loop: non-finite stop, seeded determinism, loss decrease and progress reports.

import { describe, expect, it } from "vitest";
import { NonFiniteLossError } from "../src/pinn/errors.js";
import { definePde } from "../src/pinn/problem.js";
import { harmonic } from "../src/pinn/problems/index.js";
import { type TrainOptions, train } from "../src/pinn/train.js";
import { mul } from "../src/tape/index.js";

/** A tiny budget: enough steps to see the loss move, small enough to run in well under a second. */
const TINY: TrainOptions = {
  lrDecay: 1,
  hidden: [8, 8],
  points: 16,
  steps: 6,
  lbfgs: 0,
  path: "generic",
  testPointsPerAxis: 11,
};

/** Relative loss difference allowed between the fused and generic paths over a few steps. */
const PATH_AGREEMENT = 1e-9;

/** harmonic, except that the residual is multiplied by Infinity from its `finiteCalls`-th call on. */
function explodingProblem(finiteCalls: number) {
  let calls = 0;
  const base = harmonic();
  return definePde({
    ...base,
    name: "exploding",
    residual: (fields) => {
      calls++;
      const residual = base.residual(fields);
      return calls > finiteCalls ? mul(residual, Number.POSITIVE_INFINITY) : residual;
    },
  });
}

describe("non-finite loss", () => {
  it("stops with the step and the term", () => {
    let caught: unknown;
    try {
      train(explodingProblem(3), TINY);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonFiniteLossError);
    const error = caught as NonFiniteLossError;
    expect(error.step).toBe(3);
    expect(error.term).toBe("residual");
    expect(error.phase).toBe("adam");
    expect(error.message).toMatch(/residual term became .* at step 3/);
  });

  it("keeps the last finite parameters", () => {
    // Evaluations 0, 1 and 2 were finite; evaluation 3 was not. The kept parameters are the ones
    // evaluation 2 saw, which a run of two updates ends with.
    const reference = train(harmonic(), { ...TINY, steps: 2, lbfgs: 0 });
    let caught: NonFiniteLossError | undefined;
    try {
      train(explodingProblem(3), TINY);
    } catch (error) {
      caught = error as NonFiniteLossError;
    }
    const params = (caught as NonFiniteLossError).model.params;
    expect(params.every(Number.isFinite)).toBe(true);
    expect(Array.from(params)).toEqual(Array.from(reference.model.params));
    expect((caught as NonFiniteLossError).history).toHaveLength(3);
  });

  it("names a condition term", () => {
    const base = harmonic();
    const problem = definePde({
      ...base,
      name: "bad-condition",
      // A constant NaN is rejected by definePde, so the NaN comes from a function value.
      conditions: [{ kind: "initial", value: () => Number.NaN }],
    });
    expect(() => train(problem, TINY)).toThrow(/initial x=0 term became NaN at step 0/);
  });
});

describe("seeded determinism", () => {
  it("same seed gives the same loss bits", () => {
    const first = train(harmonic(), { ...TINY, seed: 7, lbfgs: 2 });
    const second = train(harmonic(), { ...TINY, seed: 7, lbfgs: 2 });
    expect(first.history.map((entry) => entry.loss)).toEqual(
      second.history.map((entry) => entry.loss),
    );
    expect(Array.from(first.model.params)).toEqual(Array.from(second.model.params));
  });

  it("another seed gives other weights", () => {
    const first = train(harmonic(), { ...TINY, seed: 7 });
    const second = train(harmonic(), { ...TINY, seed: 8 });
    expect(first.history[0].loss).not.toBe(second.history[0].loss);
  });
});

describe("training loop", () => {
  it("reduces the loss and reports progress", () => {
    const seen: number[] = [];
    const result = train(harmonic(), {
      ...TINY,
      steps: 40,
      onProgress: (progress) => seen.push(progress.step),
    });
    expect(result.history[result.history.length - 1].loss).toBeLessThan(result.history[0].loss);
    expect(seen.slice(0, 3)).toEqual([0, 1, 2]);
    expect(result.metrics.relativeL2).not.toBeNull();
    expect(Object.keys(result.history[0].terms)).toEqual([
      "residual",
      "initial x=0",
      "initial-slope x=0",
    ]);
  });

  it("fused and generic paths agree", () => {
    const generic = train(harmonic(), { ...TINY, path: "generic" });
    const fused = train(harmonic(), { ...TINY, path: "fused" });
    // Both paths compute the same jets. Their rounding differs by a few ulps per layer, so
    // after a few Adam steps the losses agree far below any training effect.
    for (let step = 0; step < generic.history.length; step++) {
      const relative =
        Math.abs(fused.history[step].loss - generic.history[step].loss) /
        generic.history[step].loss;
      expect(relative).toBeLessThan(PATH_AGREEMENT);
    }
  });

  it("rejects bad options", () => {
    expect(() => train(harmonic(), { ...TINY, steps: -1 })).toThrow(
      /steps must be an integer >= 0/,
    );
    expect(() => train(harmonic(), { ...TINY, lr: 0 })).toThrow(/lr must be a finite number > 0/);
  });
});
