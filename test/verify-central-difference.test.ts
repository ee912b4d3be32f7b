// Tests of the Richardson central differences and their error budget against closed forms.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  centralDifference,
  defaultStep,
  MAX_DIFFERENCE_ORDER,
  stencil,
} from "../src/verify/central-difference.js";
import {
  agrees,
  applyOverride,
  closedFormTolerance,
  relativeError,
} from "../src/verify/tolerance.js";

// d^k/dx^k sin(x) = sin(x + kπ/2).
const sinDerivative = (x: number, k: number): number => Math.sin(x + (k * Math.PI) / 2);

describe("agrees with non-finite values", () => {
  it("never passes NaN or an infinity", () => {
    expect(agrees(Number.NaN, 0, 1)).toBe(false);
    expect(agrees(0, Number.NaN, 1)).toBe(false);
    expect(agrees(1, 1, Number.NaN)).toBe(false);
    expect(agrees(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 1)).toBe(false);
    expect(agrees(0, 0, Number.POSITIVE_INFINITY)).toBe(false);
  });

  it("relative error of a non-finite value is NaN", () => {
    expect(relativeError(Number.NaN, 1)).toBeNaN();
    expect(relativeError(1, Number.NEGATIVE_INFINITY)).toBeNaN();
  });

  it("rejects a non-finite x", () => {
    expect(() => centralDifference(Math.sin, Number.NaN, 1)).toThrow(RangeError);
    expect(() => centralDifference(Math.sin, Number.POSITIVE_INFINITY, 1)).toThrow(/finite/);
  });
});

describe("stencil", () => {
  it("has the textbook truncation constants", () => {
    // D(h) − f^(k) = C h² f^(k+2): 1/6 for f', 1/12 for f'', 1/4 for f''', 1/6 for f''''.
    expect(stencil(1).truncationConstant).toBeCloseTo(1 / 6, 15);
    expect(stencil(2).truncationConstant).toBeCloseTo(1 / 12, 15);
    expect(stencil(3).truncationConstant).toBeCloseTo(1 / 4, 15);
    expect(stencil(4).truncationConstant).toBeCloseTo(1 / 6, 15);
  });

  it("differentiates x^k exactly and x^j (j < k) to zero", () => {
    // Σ_j w_j j^m = m! for m = k and 0 for m < k: the stencil is exact on polynomials of degree k.
    for (let k = 1; k <= MAX_DIFFERENCE_ORDER; k++) {
      const rule = stencil(k);
      for (let m = 0; m <= k; m++) {
        const moment = rule.weights.reduce((sum, w, i) => sum + w * rule.offsets[i] ** m, 0);
        const factorial = Array.from({ length: m }, (_, i) => i + 1).reduce((p, v) => p * v, 1);
        expect(moment).toBeCloseTo(m === k ? factorial : 0, 12);
      }
    }
  });

  it("rejects orders outside 1..6", () => {
    expect(() => stencil(0)).toThrow(RangeError);
    expect(() => stencil(7)).toThrow(/\[1, 6\]/);
    expect(() => stencil(1.5)).toThrow(RangeError);
  });
});

describe("centralDifference", () => {
  it("error of sin derivatives stays within the budget", () => {
    // The budget is truncation estimate + rounding bound; the actual error must not exceed it.
    fc.assert(
      fc.property(
        fc.double({ min: -4, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: MAX_DIFFERENCE_ORDER }),
        (x, k) => {
          const difference = centralDifference(Math.sin, x, k);
          const budget = 8 * difference.truncationEstimate + difference.roundingBound;
          expect(Math.abs(difference.estimate - sinDerivative(x, k))).toBeLessThanOrEqual(budget);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("error of exp(3x)·sin(5x) stays within the budget", () => {
    // A function that varies faster than the unit scale the default step assumes.
    const f = (x: number): number => Math.exp(3 * x) * Math.sin(5 * x);
    // f' = e^{3x}(3 sin 5x + 5 cos 5x), f'' = e^{3x}(−16 sin 5x + 30 cos 5x).
    const exact = [
      (x: number) => Math.exp(3 * x) * (3 * Math.sin(5 * x) + 5 * Math.cos(5 * x)),
      (x: number) => Math.exp(3 * x) * (-16 * Math.sin(5 * x) + 30 * Math.cos(5 * x)),
    ];
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 2 }),
        (x, k) => {
          const difference = centralDifference(f, x, k);
          const budget = 8 * difference.truncationEstimate + difference.roundingBound;
          expect(Math.abs(difference.estimate - exact[k - 1](x))).toBeLessThanOrEqual(budget);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("default steps are powers of two", () => {
    for (let k = 1; k <= MAX_DIFFERENCE_ORDER; k++) {
      const h = defaultStep(k);
      expect(Math.log2(h)).toBe(Math.round(Math.log2(h)));
    }
  });

  it("shrinks the step to stay inside the domain", () => {
    // log is defined on (0, ∞); at x = 0.01 the default stencil would sample x < 0.
    let lowest = Number.POSITIVE_INFINITY;
    const logged = (x: number): number => {
      lowest = Math.min(lowest, x);
      return Math.log(x);
    };
    const difference = centralDifference(logged, 0.01, 2, {
      domain: [0, Number.POSITIVE_INFINITY],
    });
    expect(lowest).toBeGreaterThan(0);
    expect(Math.abs(difference.estimate + 1 / 0.01 ** 2)).toBeLessThanOrEqual(
      8 * difference.truncationEstimate + difference.roundingBound,
    );
  });

  it("rejects x on the domain boundary", () => {
    expect(() => centralDifference(Math.log, 0, 1, { domain: [0, 1] })).toThrow(/open domain/);
  });
});

describe("tolerance overrides", () => {
  it("records the derived value in the formula", () => {
    const derived = closedFormTolerance(2, 256);
    const fixed = applyOverride(derived, 1e-3);
    expect(fixed.value).toBe(1e-3);
    expect(fixed.formula).toMatch(/^override \(derived: nAD·\(u·scale \+ η\) = /);
    expect(applyOverride(derived, (d) => 10 * d.value).value).toBe(10 * derived.value);
  });

  it("rejects a negative override", () => {
    expect(() => applyOverride(closedFormTolerance(1, 1), -1)).toThrow(RangeError);
  });
});
