// Tests of the in-place matrix products of GemmArena against the copying kernels, bit for bit.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GemmArena } from "../src/dual/gemm-arena.js";
import { jsGemmKernels, packPanels } from "../src/dual/matmul-simd.js";

const available = GemmArena.create(8) !== null;

/** Fills `view` with reproducible values of mixed sign and magnitude from `seed`. */
function fill(view: Float64Array, seed: number): Float64Array {
  for (let i = 0; i < view.length; i++) view[i] = Math.sin(seed + 1.7 * i) * 10 ** ((i % 5) - 2);
  return view;
}

function sameBits(actual: Float64Array, expected: Float64Array): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      throw new Error(`entry ${i}: ${actual[i]} differs from ${expected[i]}`);
    }
  }
}

const shapes = fc.record({
  m: fc.integer({ min: 1, max: 23 }),
  k: fc.integer({ min: 1, max: 13 }),
  n: fc.integer({ min: 1, max: 4 }).map((q) => 4 * q),
  seed: fc.integer({ min: 0, max: 1000 }),
});

// The tiles and the JavaScript kernels sum every entry in the same order without fused
// multiply-add, so in-place products must equal the JS kernels exactly, whatever m mod 4 is.
describe.skipIf(!available)("GemmArena products", () => {
  it("ABt, AB and AtB in place equal the JavaScript kernels bit for bit", () => {
    fc.assert(
      fc.property(shapes, ({ m, k, n, seed }) => {
        const arena = GemmArena.create(8 * (m * k + n * k + m * n) + 256)!;
        const a = fill(arena.plain(m * k), seed);
        const b = fill(new Float64Array(n * k), seed + 1);
        const panels = arena.plain(n * k);
        packPanels(panels, 0, b, n, n, k);
        const c = arena.plain(m * n);

        arena.ABt(c, a, b, panels, m, k, n);
        const expected = new Float64Array(m * n);
        jsGemmKernels.ABt(expected, a, b, m, k, n);
        sameBits(c, expected);

        // AB: A [m, k'] with k' = n here, B [n, k'']: reuse shapes so that n stays a multiple of 4.
        const left = fill(arena.plain(m * k), seed + 2);
        const right = fill(arena.plain(k * n), seed + 3);
        const product = arena.plain(m * n);
        arena.AB(product, left, right, m, k, n);
        jsGemmKernels.AB(expected, left, right, m, k, n);
        sameBits(product, expected);
      }),
      { numRuns: 60 },
    );
  });

  it("AtB over rows split into calls with carry equals one call", () => {
    fc.assert(
      fc.property(shapes, fc.integer({ min: 0, max: 23 }), ({ m, n, seed }, cut) => {
        const split = Math.min(cut, m);
        const k = 8;
        const arena = GemmArena.create(8 * (m * k + m * n + 2 * k * n) + 256)!;
        const a = fill(arena.plain(m * k), seed);
        const b = fill(arena.plain(m * n), seed + 1);
        const whole = arena.plain(k * n);
        const parts = arena.plain(k * n);

        arena.AtB(whole, a, b, m, k, n, false);
        arena.AtB(parts, a.subarray(0, split * k), b.subarray(0, split * n), split, k, n, false);
        const rest = m - split;
        arena.AtB(parts, a.subarray(split * k), b.subarray(split * n), rest, k, n, true);
        sameBits(parts, whole);

        const expected = new Float64Array(k * n);
        jsGemmKernels.AtB(expected, a, b, m, k, n);
        sameBits(whole, expected);
      }),
      { numRuns: 60 },
    );
  });

  it("rejects widths that are not multiples of 4 and buffers from elsewhere", () => {
    const arena = GemmArena.create(1024)!;
    const a = arena.plain(12);
    const c = arena.plain(12);
    const b = arena.plain(12);
    expect(() => arena.AB(c, a, b, 4, 3, 3)).toThrow(/multiple of 4, received 3/);
    expect(() => arena.AB(c, new Float64Array(12), b, 3, 4, 4)).toThrow(/carved from this arena/);
  });

  it("refuses to carve past its memory and names the shortfall", () => {
    const arena = GemmArena.create(8)!;
    const room = arena.free;
    expect(() => arena.plain(room + 1)).toThrow(/asked for \d+ numbers with \d+ left/);
  });

  it("attaches to a shared memory and hands out the same buffers", () => {
    const shared = GemmArena.create(64, true);
    if (shared === null) return;
    const first = shared.plain(10);
    first.set([1, 2, 3]);
    const attached = GemmArena.attach(shared.memory)!;
    const again = attached.plain(10);
    expect(again.byteOffset).toBe(first.byteOffset);
    expect(Array.from(again.subarray(0, 3))).toEqual([1, 2, 3]);
  });
});
