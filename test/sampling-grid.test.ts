import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gridPoints } from "../src/pinn/sampling/grid.js";

describe("gridPoints input checks", () => {
  it("rejects non-finite bounds", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => gridPoints([[0, bad]], 3)).toThrow(RangeError);
      expect(() => gridPoints([[0, bad]], 3)).toThrow(/box\[0\] must be an interval/);
    }
  });

  it("rejects lo >= hi", () => {
    expect(() => gridPoints([[1, 1]], 3)).toThrow(/box\[0\] must have lo < hi, received \[1, 1\]/);
    expect(() =>
      gridPoints(
        [
          [0, 1],
          [2, -2],
        ],
        3,
      ),
    ).toThrow(/box\[1\]/);
  });

  it("rejects bad counts and empty boxes", () => {
    expect(() => gridPoints([[0, 1]], 1)).toThrow(/counts\[0\] must be an integer >= 2/);
    expect(() => gridPoints([[0, 1]], 2.5)).toThrow(/counts\[0\]/);
    expect(() =>
      gridPoints(
        [
          [0, 1],
          [0, 1],
        ],
        [3],
      ),
    ).toThrow(/one entry per coordinate \(2\)/);
    expect(() => gridPoints([], 3)).toThrow(/non-empty array/);
  });
});

describe("gridPoints layout", () => {
  it("orders points with the last coordinate fastest", () => {
    const points = gridPoints(
      [
        [0, 1],
        [10, 30],
      ],
      [2, 3],
    );
    expect(Array.from(points)).toEqual([0, 10, 0, 20, 0, 30, 1, 10, 1, 20, 1, 30]);
  });

  it("hits both endpoints exactly", () => {
    // Computed as lo + (hi − lo)·6/6 the last value would be 4.453536909923062, one ulp off.
    const lo = -0.8885719688082077;
    const hi = 4.453536909923061;
    const points = gridPoints([[lo, hi]], 7);
    expect(lo + ((hi - lo) * 6) / 6).not.toBe(hi);
    expect(points[0]).toBe(lo);
    expect(points[6]).toBe(hi);
    expect(Object.is(gridPoints([[-0, 1]], 2)[0], -0)).toBe(true);
  });

  it("spaces points evenly inside random boxes", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.integer({ min: 2, max: 50 }),
        (lo, width, n) => {
          const hi = lo + width;
          fc.pre(lo < hi);
          const points = gridPoints([[lo, hi]], n);

          expect(points).toHaveLength(n);
          expect(points[0]).toBe(lo);
          expect(points[n - 1]).toBe(hi);
          for (let j = 1; j < n; j++) {
            // Each value is lo + (hi − lo) j / (n − 1) with a few roundings: 4 ulps of max(|lo|, |hi|).
            const expected = lo + ((hi - lo) * j) / (n - 1);
            const ulps = 4 * Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi));
            expect(Math.abs(points[j] - expected)).toBeLessThanOrEqual(ulps);
            expect(points[j]).toBeGreaterThan(points[j - 1]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("covers a 3-d box with per-coordinate counts", () => {
    const points = gridPoints(
      [
        [0, 1],
        [-1, 1],
        [0, 2],
      ],
      [3, 2, 4],
    );
    expect(points).toHaveLength(3 * 2 * 4 * 3);
    const distinct = new Set<string>();
    for (let p = 0; p < 24; p++) {
      distinct.add(Array.from(points.subarray(3 * p, 3 * p + 3)).join(","));
    }
    expect(distinct.size).toBe(24);
    expect(Array.from(points.subarray(69, 72))).toEqual([1, 1, 2]);
  });
});
