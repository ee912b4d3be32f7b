// Matrix products on buffers that already live in the kernel's WebAssembly memory.
//
// The kernels of matmul-simd.ts copy A, B and C into the module's memory on every call. A
// training step of a 64-wide SIREN spent about 15% of its time in those copies. An arena is one
// WebAssembly memory, sized once, from which a caller carves its work buffers. Products whose
// operands are all views of the arena run in place. The memory never grows after it is made,
// because growing would detach every view carved from it.
//
// In place, the kernel's 4×4 tiles need n (the columns of C) to be a multiple of 4, so that C's
// row stride is the kernel's. Rows are not padded: when m is not a multiple of 4, one more
// tile covers the last four rows and recomputes up to three rows. Those get the same bits,
// because every entry sums its products in the same order wherever its tile starts. Products
// of fewer than four rows run in the JavaScript kernels of matmul.ts, which also sum in that
// order. So an entry's bits do not depend on which kernel computed it, nor on how the rows are
// split between calls (or threads), and no call writes outside its own rows.
//
// The memory may be shared (WebAssembly threads): then views of it are SharedArrayBuffer views
// and another thread can attach to it and run the same products on other rows.

import { instantiateJetKernels, type JetKernels } from "./jet-simd.js";
import { gemmAB, gemmABt } from "./matmul.js";
import { type GemmKernelFunction, instantiateGemm, roundUp8, runBlocked } from "./matmul-simd.js";
import type { WasmMemory } from "./wasm-emit.js";

/** One WebAssembly memory of fixed size, carved into buffers, with in-place matrix products. */
export class GemmArena {
  /** Every double of the memory; the buffers the arena hands out are subarrays of it. */
  readonly data: Float64Array;
  /** The memory, which a worker thread attaches to when it is shared. */
  readonly memory: WasmMemory;
  /** The elementwise jet passes on this memory (jet-simd.ts), or null where they do not compile. */
  readonly jet: JetKernels | null;
  private readonly kernel: GemmKernelFunction;
  private next = 0;

  private constructor(memory: WasmMemory, kernel: GemmKernelFunction) {
    this.memory = memory;
    this.kernel = kernel;
    this.data = new Float64Array(memory.buffer);
    this.jet = instantiateJetKernels(memory);
  }

  /**
   * Makes an arena of at least `doubles` numbers. Returns null where WebAssembly SIMD (or, with
   * `shared`, shared WebAssembly memory) is not available. It also returns null where the
   * engine cannot make a memory that large (over 4 GiB, or more than it can reserve).
   */
  static create(doubles: number, shared = false): GemmArena | null {
    // A 32-bit WebAssembly memory has at most 65536 pages of 64 KiB (4 GiB).
    if (!(doubles * 8 <= 65536 * 65536)) return null;
    try {
      const instance = instantiateGemm(doubles * 8, shared);
      return instance === null ? null : new GemmArena(instance.memory, instance.kernel);
    } catch (error) {
      // The engine could not reserve the memory: the caller falls back to plain arrays.
      if (error instanceof RangeError) return null;
      throw error;
    }
  }

  /**
   * An arena over an existing shared memory, as made by `create(…, true)` in another thread.
   * Carving the same sizes in the same order hands out the same buffers.
   */
  static attach(memory: WasmMemory): GemmArena | null {
    const instance = instantiateGemm(0, true, memory);
    return instance === null ? null : new GemmArena(instance.memory, instance.kernel);
  }

  /** Numbers an arena needs for a buffer of `length` numbers (8-aligned). */
  static size(length: number): number {
    return roundUp8(length);
  }

  /** Numbers left to carve. */
  get free(): number {
    return this.data.length - this.next;
  }

  /** Carves a zeroed buffer of `length` numbers. Throws when the arena is too small. */
  plain(length: number): Float64Array {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(
        `GemmArena.plain: length must be a non-negative integer, received ${String(length)}`,
      );
    }
    const size = GemmArena.size(length);
    if (size > this.free) {
      throw new RangeError(
        `GemmArena: asked for ${size} numbers with ${this.free} left; size the arena with GemmArena.size for every buffer`,
      );
    }
    const start = this.next;
    this.next += size;
    return this.data.subarray(start, start + length);
  }

  /** True when `view` lies in this arena's memory. */
  holds(view: Float64Array): boolean {
    return view.buffer === this.memory.buffer;
  }

  /**
   * C = A·Bᵀ with A [m, k] and C [m, n] arena buffers, and B [n, k] given both as is (any
   * memory; the last rows use it) and as `panels`, an arena buffer from `packPanels`.
   */
  ABt(
    c: Float64Array,
    a: Float64Array,
    b: Float64Array,
    panels: Float64Array,
    m: number,
    k: number,
    n: number,
  ): void {
    this.check("ABt", n, [c, a, panels]);
    const run = (r0: number, rows: number) => {
      const args = [
        a.byteOffset + 8 * r0 * k,
        panels.byteOffset,
        c.byteOffset + 8 * r0 * n,
      ] as const;
      runBlocked(this.kernel, ...args, rows, k, n, 8 * k, 8, 32 * k, 32, false);
    };
    if (m < 4) {
      gemmABt(c, a, b, m, k, n);
      return;
    }
    const tiled = m - (m % 4);
    run(0, tiled);
    if (tiled < m) run(m - 4, 4);
  }

  /**
   * C (+)= Aᵀ·B with A [m, k], B [m, n] and C [k, n], all arena buffers; k and n multiples of
   * 4. With `carry` the sums continue from C's values, so a sum over rows split into several
   * calls adds its terms in the same order as one call.
   */
  AtB(
    c: Float64Array,
    a: Float64Array,
    b: Float64Array,
    m: number,
    k: number,
    n: number,
    carry: boolean,
  ): void {
    this.check("AtB", n, [c, a, b]);
    this.check("AtB", k, []);
    const args = [a.byteOffset, b.byteOffset, c.byteOffset, k, m, n] as const;
    runBlocked(this.kernel, ...args, 8, 8 * k, 32, 8 * n, carry);
  }

  /** C = A·B with A [m, k], B [k, n] and C [m, n], all arena buffers; n a multiple of 4. */
  AB(c: Float64Array, a: Float64Array, b: Float64Array, m: number, k: number, n: number): void {
    this.check("AB", n, [c, a, b]);
    if (m < 4) {
      gemmAB(c, a, b, m, k, n);
      return;
    }
    const run = (r0: number, rows: number) => {
      const args = [a.byteOffset + 8 * r0 * k, b.byteOffset, c.byteOffset + 8 * r0 * n] as const;
      runBlocked(this.kernel, ...args, rows, k, n, 8 * k, 8, 32, 8 * n, false);
    };
    const tiled = m - (m % 4);
    run(0, tiled);
    if (tiled < m) run(m - 4, 4);
  }

  /** Throws unless n is a multiple of 4 and every view lies in this arena. */
  private check(name: string, n: number, views: Float64Array[]): void {
    if (n % 4 !== 0) {
      throw new RangeError(
        `GemmArena.${name}: the width must be a multiple of 4, received ${n}; use gemmKernels for other widths`,
      );
    }
    if (views.some((view) => !this.holds(view))) {
      throw new RangeError(
        `GemmArena.${name}: every operand must be carved from this arena, and one is not; use gemmKernels for other buffers`,
      );
    }
  }
}
