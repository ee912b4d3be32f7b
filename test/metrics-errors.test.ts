import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  errorMetrics,
  l2Norm,
  maxAbsoluteError,
  relativeL2Error,
  rmsError,
} from "../src/pinn/metrics.js";

// The scaled norm divides, squares, sums and multiplies: for n <= 20 entries about n + 4
// roundings of half an ulp each, so 16 ulps relative covers every case below.
const NORM_TOLERANCE = 16 * Number.EPSILON;

describe("metrics with non-finite values", () => {
  it("propagate NaN", () => {
    const predicted = [1, Number.NaN, 3];
    const reference = [1, 2, 3];
    expect(relativeL2Error(predicted, reference).value).toBeNaN();
    expect(maxAbsoluteError(predicted, reference)).toBeNaN();
    expect(rmsError(predicted, reference)).toBeNaN();
    expect(l2Norm([Number.NaN, 1])).toBeNaN();
    // Regression: a NaN followed by a larger finite value was once overwritten by that value.
    expect(l2Norm([Number.NaN, 5, 1])).toBeNaN();
    expect(maxAbsoluteError([Number.NaN, 5], [0, 0])).toBeNaN();
  });

  it("propagate an infinite error", () => {
    const predicted = [1, Number.POSITIVE_INFINITY];
    const reference = [1, 2];
    expect(relativeL2Error(predicted, reference).value).toBe(Number.POSITIVE_INFINITY);
    expect(maxAbsoluteError(predicted, reference)).toBe(Number.POSITIVE_INFINITY);
    expect(rmsError([Number.NEGATIVE_INFINITY], [0])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("metrics input checks", () => {
  it("rejects a length mismatch", () => {
    expect(() => relativeL2Error([1, 2], [1])).toThrow(/same length, received 2 and 1/);
    expect(() => errorMetrics([1], [1, 2])).toThrow(RangeError);
  });

  it("rejects empty inputs", () => {
    expect(() => rmsError([], [])).toThrow(/are empty/);
    expect(() => maxAbsoluteError(new Float64Array(0), new Float64Array(0))).toThrow(/are empty/);
  });
});

describe("metrics against hand values", () => {
  it("computes a small case", () => {
    // u − u* = (0, 0, −1), ||u*|| = sqrt(1 + 4 + 16) = sqrt(21).
    const metrics = errorMetrics([1, 2, 3], new Float64Array([1, 2, 4]));
    expect(metrics.relativeL2).toBeCloseTo(1 / Math.sqrt(21), 15);
    expect(metrics.relativeL2IsAbsolute).toBe(false);
    expect(metrics.maxAbsolute).toBe(1);
    expect(metrics.rms).toBeCloseTo(1 / Math.sqrt(3), 15);
    expect(metrics.count).toBe(3);
  });

  it("falls back to absolute L2 for a zero reference", () => {
    const result = relativeL2Error([3, -4], [0, 0]);
    expect(result).toEqual({ value: 5, absolute: true });
    expect(errorMetrics([0, 0], [0, 0])).toEqual({
      relativeL2: 0,
      relativeL2IsAbsolute: true,
      maxAbsolute: 0,
      rms: 0,
      count: 2,
    });
  });

  it("avoids overflow and underflow", () => {
    // Squaring 1e200 overflows and squaring 1e-200 underflows, but the scaled norm does neither.
    expect(relativeL2Error([1e200, 1e200], [0, 2e200]).value).toBeCloseTo(Math.SQRT1_2, 15);
    expect(l2Norm([3e-200, 4e-200]) / 5e-200).toBeCloseTo(1, 15);
    expect(rmsError([1e300, 1e300], [-1e300, -1e300])).toBe(2e300);
  });

  it("keeps a tiny difference the plain formula loses", () => {
    const expected = 1e-200 / Math.SQRT2;
    expect(Math.abs(rmsError([1e-200, 1], [0, 1]) - expected)).toBeLessThanOrEqual(
      NORM_TOLERANCE * expected,
    );
    expect(relativeL2Error([1e-200, 1], [0, 1]).value).toBe(1e-200);
  });

  it("matches the plain formula on moderate values", () => {
    const value = fc.double({ min: -1e3, max: 1e3, noNaN: true });
    fc.assert(
      fc.property(fc.array(fc.tuple(value, value), { minLength: 1, maxLength: 20 }), (pairs) => {
        const predicted = pairs.map(([p]) => p);
        const reference = pairs.map(([, r]) => r);
        const squares = pairs.reduce((sum, [p, r]) => sum + (p - r) ** 2, 0);
        const referenceSquares = reference.reduce((sum, r) => sum + r * r, 0);
        fc.pre(referenceSquares > 1e-12);
        // The plain formula squares without scaling: a difference below 1e-154 squares to a
        // subnormal or 0, where the library's scaled norm keeps it (an rms of 7e-201 for one
        // difference of 1e-200, against 0 from the formula). Such cases leave this oracle's range.
        fc.pre(pairs.every(([p, r]) => p === r || Math.abs(p - r) > 1e-154));

        const expectedRelative = Math.sqrt(squares) / Math.sqrt(referenceSquares);
        const expectedRms = Math.sqrt(squares / pairs.length);
        const relative = relativeL2Error(predicted, reference);
        expect(relative.absolute).toBe(false);
        expect(Math.abs(relative.value - expectedRelative)).toBeLessThanOrEqual(
          NORM_TOLERANCE * expectedRelative,
        );
        expect(Math.abs(rmsError(predicted, reference) - expectedRms)).toBeLessThanOrEqual(
          NORM_TOLERANCE * expectedRms,
        );
        expect(maxAbsoluteError(predicted, reference)).toBe(
          Math.max(...pairs.map(([p, r]) => Math.abs(p - r))),
        );
      }),
      { numRuns: 200 },
    );
  });
});
