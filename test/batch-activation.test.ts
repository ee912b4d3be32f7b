// Relative accuracy of tanh and sigmoid derivatives on the batched, Taylor, tape and fused paths.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchUnary, seedBatchJet } from "../src/dual/batch-jet.js";
import type { JetSpec } from "../src/dual/batch-spec.js";
import { batchTaylorUnary, seedBatchTaylor } from "../src/dual/batch-taylor.js";
import { FusedLayerWorkspace, fusedLayerForward } from "../src/siren/fused.js";
import { jetTanh, seedJet, TapeJet } from "../src/tape/jet.js";
import { sum, tanh } from "../src/tape/ops.js";
import { Tape } from "../src/tape/tape.js";

const EPS = Number.EPSILON;

// Reference and path both have small relative error, with no cancellation in either. The
// reference 1/cosh², −2 tanh/cosh², 1/(4 cosh²(z/2)) and −tanh(z/2)/(4 cosh²(z/2)) takes at most
// two libm calls (each under 1 ulp in V8's fdlibm port) and 4 roundings: <= 6 eps. A path takes
// one exp or expm1 (under 1 ulp) and at most 8 roundings: <= 9 eps. 16 eps bounds the sum.
const RELATIVE_TOLERANCE = 16 * EPS;

// tanh''' = −2 sech² (1 − 3 tanh²) adds the rounding of 1 − 3 tanh², which is amplified by
// (1 + 3t²)/|1 − 3t²| <= 4/0.74 < 6 for |z| >= 1 (where 3t² >= 1.74). 6 · 16 eps < 128 eps.
const THIRD_DERIVATIVE_TOLERANCE = 128 * EPS;

const SPEC_1D: JetSpec = { dim: 1, first: [0], second: [[0, 0]], laplacian: false };

/** sech² z, tanh'' z, σ' z and σ'' z from cosh and tanh, an oracle independent of the paths. */
function reference(z: number): {
  tanh1: number;
  tanh2: number;
  sigmoid1: number;
  sigmoid2: number;
} {
  const c = Math.cosh(z);
  const half = Math.cosh(z / 2);
  const sigmoid1 = 1 / (4 * half * half);
  return {
    tanh1: 1 / (c * c),
    tanh2: (-2 * Math.tanh(z)) / (c * c),
    sigmoid1,
    sigmoid2: -Math.tanh(z / 2) * sigmoid1,
  };
}

function expectRelative(actual: number, expected: number, tolerance: number, what: string): void {
  const error = Math.abs(actual - expected);
  const bound = tolerance * Math.abs(expected);
  if (!(error <= bound)) {
    throw new Error(
      `${what}: got ${actual}, expected ${expected}, relative error ${error / Math.abs(expected)}`,
    );
  }
}

// |z| up to 30, where sech² ≈ 4e−26 and 1 − tanh² is 0, and tiny |z| (normal numbers only, since
// halving a subnormal z rounds in the reference itself), where 1 − 2σ would cancel.
const MIN_NORMAL = 2 ** -1022;
const preActivation = fc.oneof(
  fc.double({ min: -30, max: 30, noNaN: true }).filter((z) => z === 0 || Math.abs(z) >= MIN_NORMAL),
  fc
    .tuple(fc.double({ min: 1e-300, max: 1e-4, noNaN: true }), fc.boolean())
    .map(([magnitude, negative]) => (negative ? -magnitude : magnitude)),
);

// The values the tester found: relative errors of 1e-8, 4e-2 and 8e-8 before the fix.
const REGRESSION_POINTS = [10, 18, -18, 25, 30, -30, 1e-9, -1e-12, 0.5, 2];

function checkAt(check: (z: number) => void): void {
  for (const z of REGRESSION_POINTS) check(z);
  fc.assert(fc.property(preActivation, check), { numRuns: 300 });
}

describe("batched jet tanh and sigmoid", () => {
  it("non-finite values follow the limits", () => {
    const jet = seedBatchJet(Float64Array.of(0, 0, 0), SPEC_1D);
    jet.value().set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    const t = batchUnary(jet, "tanh");
    expect(t.value()[0]).toBeNaN();
    expect(t.first(0)[0]).toBeNaN();
    expect(t.second(0, 0)[0]).toBeNaN();
    expect(Array.from(t.value().subarray(1))).toEqual([1, -1]);
    expect(Array.from(t.first(0).subarray(1))).toEqual([0, 0]);

    const s = batchUnary(jet, "sigmoid");
    expect(s.second(0, 0)[0]).toBeNaN();
    expect(Array.from(s.value().subarray(1))).toEqual([1, 0]);
    expect(Array.from(s.first(0).subarray(1))).toEqual([0, 0]);
  });

  it("tanh keeps relative accuracy", () => {
    checkAt((z) => {
      const jet = batchUnary(seedBatchJet(Float64Array.of(z), SPEC_1D), "tanh");
      const expected = reference(z);
      expectRelative(jet.first(0)[0], expected.tanh1, RELATIVE_TOLERANCE, `tanh'(${z})`);
      expectRelative(jet.second(0, 0)[0], expected.tanh2, RELATIVE_TOLERANCE, `tanh''(${z})`);
    });
  });

  it("sigmoid keeps relative accuracy", () => {
    checkAt((z) => {
      const jet = batchUnary(seedBatchJet(Float64Array.of(z), SPEC_1D), "sigmoid");
      const expected = reference(z);
      expectRelative(jet.first(0)[0], expected.sigmoid1, RELATIVE_TOLERANCE, `σ'(${z})`);
      expectRelative(jet.second(0, 0)[0], expected.sigmoid2, RELATIVE_TOLERANCE, `σ''(${z})`);
    });
  });

  it("tanh value matches Math.tanh", () => {
    checkAt((z) => {
      const jet = batchUnary(seedBatchJet(Float64Array.of(z), SPEC_1D), "tanh");
      expectRelative(jet.value()[0], Math.tanh(z), RELATIVE_TOLERANCE, `tanh(${z})`);
    });
    // The seed maps −0 to 0 + shift = +0, so −0 goes into the value stream directly.
    const negativeZero = seedBatchJet(Float64Array.of(0), SPEC_1D);
    negativeZero.value()[0] = -0;
    expect(Object.is(batchUnary(negativeZero, "tanh").value()[0], -0)).toBe(true);
  });
});

describe("batched Taylor tanh and sigmoid", () => {
  // Along direction 1 with no higher input terms, y_1 = f' and y_2 = f''/2.
  it("tanh keeps relative accuracy", () => {
    checkAt((z) => {
      const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(z), 1, 0, 2), "tanh");
      const expected = reference(z);
      expectRelative(y.coefficient(1)[0], expected.tanh1, RELATIVE_TOLERANCE, `tanh'(${z})`);
      expectRelative(2 * y.coefficient(2)[0], expected.tanh2, RELATIVE_TOLERANCE, `tanh''(${z})`);
    });
  });

  it("sigmoid keeps relative accuracy", () => {
    checkAt((z) => {
      const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(z), 1, 0, 2), "sigmoid");
      const expected = reference(z);
      expectRelative(y.coefficient(1)[0], expected.sigmoid1, RELATIVE_TOLERANCE, `σ'(${z})`);
      expectRelative(2 * y.coefficient(2)[0], expected.sigmoid2, RELATIVE_TOLERANCE, `σ''(${z})`);
    });
  });
});

describe("tape tanh", () => {
  it("jetTanh keeps relative accuracy", () => {
    checkAt((z) => {
      const jet = jetTanh(seedJet(new Tape(), Float64Array.of(z), SPEC_1D));
      const expected = reference(z);
      expectRelative(jet.partial(0).data[0], expected.tanh1, RELATIVE_TOLERANCE, `tanh'(${z})`);
      expectRelative(
        jet.secondPartial(0, 0).data[0],
        expected.tanh2,
        RELATIVE_TOLERANCE,
        `tanh''(${z})`,
      );
    });
  });

  it("tanh vjp keeps relative accuracy", () => {
    checkAt((z) => {
      const tape = new Tape();
      const a = tape.param("a", Float64Array.of(z), [1]);
      const gradient = tape.backward(sum(tanh(a))).get("a")![0];
      expectRelative(gradient, reference(z).tanh1, RELATIVE_TOLERANCE, `d tanh(${z})`);
    });
  });

  it("gradient of the jet slope is tanh''", () => {
    // The slope sech² is a custom op whose vjp is tanh'' = −2 tanh sech².
    checkAt((z) => {
      const tape = new Tape();
      const a = tape.param("a", Float64Array.of(z), [1, 1]);
      const seed = seedJet(tape, Float64Array.of(0), SPEC_1D);
      const jet = jetTanh(new TapeJet(seed.spec, a, seed.first, seed.second, seed.laplacian));
      const gradient = tape.backward(sum(jet.partial(0))).get("a")![0];
      expectRelative(gradient, reference(z).tanh2, RELATIVE_TOLERANCE, `d sech²(${z})`);
    });
  });
});

describe("fused tanh layer", () => {
  it("keeps relative accuracy of f', f'' and f'''", () => {
    checkAt((z) => {
      const ws = new FusedLayerWorkspace(1, SPEC_1D, 1, 1, "tanh");
      const y = fusedLayerForward(
        ws,
        Float64Array.of(z, 1, 0),
        Float64Array.of(1),
        Float64Array.of(0),
      );
      const expected = reference(z);
      expectRelative(y[1], expected.tanh1, RELATIVE_TOLERANCE, `tanh'(${z})`);
      expectRelative(y[2], expected.tanh2, RELATIVE_TOLERANCE, `tanh''(${z})`);
      if (Math.abs(z) >= 1) {
        const t = Math.tanh(z);
        const third = -2 * expected.tanh1 * (1 - 3 * t * t);
        expectRelative(ws.d3[0], third, THIRD_DERIVATIVE_TOLERANCE, `tanh'''(${z})`);
      }
    });
  });
});
