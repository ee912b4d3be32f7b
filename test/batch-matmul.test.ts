// Tests of the register-tiled matrix kernels against plain triple loops.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemmAB, gemmABt, gemmAtB } from "../src/dual/matmul.js";

// A sum of k products computed in another order differs by at most k·eps·Σ|a||b| (the
// standard bound for recursive summation); the kernels keep the order, so this is generous.
const EPS = Number.EPSILON;

const shapes = fc.record({
  m: fc.integer({ min: 1, max: 13 }),
  k: fc.integer({ min: 1, max: 13 }),
  n: fc.integer({ min: 1, max: 13 }),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  accumulate: fc.boolean(),
});

function randomArray(length: number, seed: number): Float64Array {
  // A small linear congruential generator keeps the values reproducible from the seed.
  let state = seed >>> 0;
  return Float64Array.from({ length }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** Checks `c` against Σ_i left(i)·right(i) per entry with the k·eps·Σ|a||b| bound. */
function expectWithinBound(
  c: Float64Array,
  start: Float64Array,
  rows: number,
  cols: number,
  k: number,
  term: (r: number, q: number, i: number) => [number, number],
): void {
  for (let r = 0; r < rows; r++) {
    for (let q = 0; q < cols; q++) {
      let exact = start[r * cols + q];
      let magnitude = Math.abs(exact);
      for (let i = 0; i < k; i++) {
        const [x, y] = term(r, q, i);
        exact += x * y;
        magnitude += Math.abs(x * y);
      }
      const bound = (k + 1) * EPS * magnitude;
      expect(Math.abs(c[r * cols + q] - exact)).toBeLessThanOrEqual(bound);
    }
  }
}

describe("matrix kernels", () => {
  it("propagate NaN and Infinity", () => {
    const a = Float64Array.of(Number.NaN, 1, 2, 3);
    const b = Float64Array.of(1, 1, Number.POSITIVE_INFINITY, 1);
    const c = new Float64Array(4);
    gemmABt(c, a, b, 2, 2, 2);
    expect(Number.isNaN(c[0])).toBe(true);
    expect(c[3]).toBe(Number.POSITIVE_INFINITY);
  });

  it("reject buffers shorter than the shapes", () => {
    const short = new Float64Array(3);
    expect(() => gemmABt(short, short, short, 2, 2, 2)).toThrow(/gemmABt: buffers too short/);
    expect(() => gemmAtB(short, short, short, 2, 2, 2)).toThrow(RangeError);
    expect(() => gemmAB(short, short, short, 2, 2, 2)).toThrow(RangeError);
  });

  it("gemmABt matches the triple loop", () => {
    fc.assert(
      fc.property(shapes, ({ m, k, n, seed, accumulate }) => {
        const a = randomArray(m * k, seed);
        const b = randomArray(n * k, seed + 1);
        const start = accumulate ? randomArray(m * n, seed + 2) : new Float64Array(m * n);
        const c = start.slice();
        gemmABt(c, a, b, m, k, n, accumulate);
        expectWithinBound(c, start, m, n, k, (r, o, i) => [a[r * k + i], b[o * k + i]]);
      }),
      { numRuns: 200 },
    );
  });

  it("gemmAtB matches the triple loop", () => {
    fc.assert(
      fc.property(shapes, ({ m, k, n, seed, accumulate }) => {
        const a = randomArray(m * k, seed);
        const b = randomArray(m * n, seed + 1);
        const start = accumulate ? randomArray(k * n, seed + 2) : new Float64Array(k * n);
        const c = start.slice();
        gemmAtB(c, a, b, m, k, n, accumulate);
        expectWithinBound(c, start, k, n, m, (p, q, r) => [a[r * k + p], b[r * n + q]]);
      }),
      { numRuns: 200 },
    );
  });

  it("gemmAB matches the triple loop", () => {
    fc.assert(
      fc.property(shapes, ({ m, k, n, seed, accumulate }) => {
        const a = randomArray(m * k, seed);
        const b = randomArray(k * n, seed + 1);
        const start = accumulate ? randomArray(m * n, seed + 2) : new Float64Array(m * n);
        const c = start.slice();
        gemmAB(c, a, b, m, k, n, accumulate);
        expectWithinBound(c, start, m, n, k, (r, j, o) => [a[r * k + o], b[o * n + j]]);
      }),
      { numRuns: 200 },
    );
  });

  it("overwrites stale output without accumulate", () => {
    const a = Float64Array.from({ length: 20 }, (_, i) => i);
    const b = Float64Array.from({ length: 20 }, (_, i) => 1 - i);
    const fresh = new Float64Array(16);
    const stale = new Float64Array(16).fill(99);
    gemmABt(fresh, a, b, 4, 5, 4);
    gemmABt(stale, a, b, 4, 5, 4);
    expect(stale).toEqual(fresh);
  });
});
