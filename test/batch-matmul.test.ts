// Tests of the register-tiled matrix kernels against plain triple loops.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemmAB, gemmABt, gemmAtB } from "../src/dual/matmul.js";
import { type GemmKernels, jsGemmKernels, simdGemmKernels } from "../src/dual/matmul-simd.js";

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

// NOTE: on an engine without WebAssembly SIMD only the JavaScript kernels are tested here.
const kernelSets: GemmKernels[] = simdGemmKernels
  ? [jsGemmKernels, simdGemmKernels]
  : [jsGemmKernels];

for (const kernels of kernelSets) {
  describe(`${kernels.name} kernels`, () => {
    it("ABt matches the triple loop", () => {
      fc.assert(
        fc.property(shapes, ({ m, k, n, seed, accumulate }) => {
          const a = randomArray(m * k, seed);
          const b = randomArray(n * k, seed + 1);
          const start = accumulate ? randomArray(m * n, seed + 2) : new Float64Array(m * n);
          const c = start.slice();
          kernels.ABt(c, a, b, m, k, n, accumulate);
          expectWithinBound(c, start, m, n, k, (r, o, i) => [a[r * k + i], b[o * k + i]]);
        }),
        { numRuns: 200 },
      );
    });

    it("AtB matches the triple loop", () => {
      fc.assert(
        fc.property(shapes, ({ m, k, n, seed, accumulate }) => {
          const a = randomArray(m * k, seed);
          const b = randomArray(m * n, seed + 1);
          const start = accumulate ? randomArray(k * n, seed + 2) : new Float64Array(k * n);
          const c = start.slice();
          kernels.AtB(c, a, b, m, k, n, accumulate);
          expectWithinBound(c, start, k, n, m, (p, q, r) => [a[r * k + p], b[r * n + q]]);
        }),
        { numRuns: 200 },
      );
    });

    it("AB matches the triple loop", () => {
      fc.assert(
        fc.property(shapes, ({ m, k, n, seed, accumulate }) => {
          const a = randomArray(m * k, seed);
          const b = randomArray(k * n, seed + 1);
          const start = accumulate ? randomArray(m * n, seed + 2) : new Float64Array(m * n);
          const c = start.slice();
          kernels.AB(c, a, b, m, k, n, accumulate);
          expectWithinBound(c, start, m, n, k, (r, j, o) => [a[r * k + o], b[o * n + j]]);
        }),
        { numRuns: 200 },
      );
    });

    it("reject short buffers", () => {
      const short = new Float64Array(3);
      expect(() => kernels.ABt(short, short, short, 2, 2, 2)).toThrow(/buffers too short/);
      expect(() => kernels.AtB(short, short, short, 2, 2, 2)).toThrow(/buffers too short/);
      expect(() => kernels.AB(short, short, short, 2, 2, 2)).toThrow(/buffers too short/);
    });

    it("read only the leading part of longer buffers", () => {
      const a = randomArray(4 * 5 + 7, 8);
      const b = randomArray(6 * 5 + 3, 9);
      const c = new Float64Array(4 * 6);
      kernels.ABt(c, a, b, 4, 5, 6);
      const want = new Float64Array(4 * 6);
      gemmABt(want, a.slice(0, 20), b.slice(0, 30), 4, 5, 6);
      expect(c).toEqual(want);
    });

    it("survive memory growth and stale padding", () => {
      // 600·200 numbers exceed the SIMD kernel's first megabyte of memory, and the NaN call
      // leaves NaN behind A, where the next call's padded rows read.
      const big = { m: 600, k: 200, n: 6 };
      const a = randomArray(big.m * big.k, 3);
      const b = randomArray(big.n * big.k, 4);
      const c = new Float64Array(big.m * big.n);
      kernels.ABt(c, a, b, big.m, big.k, big.n);
      const reference = new Float64Array(big.m * big.n);
      gemmABt(reference, a, b, big.m, big.k, big.n);
      expect(c).toEqual(reference);

      const nan = new Float64Array(8 * 5).fill(Number.NaN);
      kernels.ABt(new Float64Array(8 * 3), nan, randomArray(15, 5), 8, 5, 3);
      const small = randomArray(5 * 5, 6);
      const weights = randomArray(3 * 5, 7);
      const out = new Float64Array(5 * 3);
      kernels.ABt(out, small, weights, 5, 5, 3);
      const want = new Float64Array(5 * 3);
      gemmABt(want, small, weights, 5, 5, 3);
      expect(out).toEqual(want);
    });
  });
}

describe("SIMD kernels on tall operands", () => {
  // The SIMD weight-gradient kernel sums rows in blocks of 256; a fused layer of N = 256
  // points with three streams has 771 rows, so these shapes run the multi-block path.
  const tallShapes = [
    { m: 771, k: 64, n: 64 },
    { m: 3075, k: 128, n: 128 },
    { m: 257, k: 5, n: 3 },
  ];

  for (const { m, k, n } of tallShapes) {
    for (const accumulate of [false, true]) {
      it.skipIf(!simdGemmKernels)(
        `AtB ${m}x${k}x${n} matches JavaScript bits (accumulate ${accumulate})`,
        () => {
          const simd = simdGemmKernels as GemmKernels;
          const a = randomArray(m * k, m + k);
          const b = randomArray(m * n, m + n + 1);
          const start = randomArray(k * n, 7);
          const fromJs = Float64Array.from(start);
          const fromSimd = Float64Array.from(start);

          jsGemmKernels.AtB(fromJs, a, b, m, k, n, accumulate);
          simd.AtB(fromSimd, a, b, m, k, n, accumulate);

          expect(fromSimd).toEqual(fromJs);
        },
      );
    }
  }
});
