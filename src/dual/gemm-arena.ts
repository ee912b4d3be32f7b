// Matrix products on buffers that already live in the kernel's WebAssembly memory.
//
// The kernels of matmul-simd.ts copy A, B and C into the module's memory on every call. A
// training step of a 64-wide SIREN spent about 15% of its time in those copies. An arena is one
// WebAssembly memory, sized once, from which a caller carves its work buffers; products whose
// operands are all views of the arena run in place. The memory never grows after it is made,
// because growing would detach every view carved from it.
//
// In place, the kernel's 4×4 tiles need: n (the columns of C) a multiple of 4, so that C's row
// stride is the kernel's; and 4-row slack behind every [rows, width] buffer the tiles read or
// write, which `rows` carves. The tile sums run in the order of the copying kernels, so both
// give the same bits.

import {
  type GemmKernelFunction,
  instantiateGemm,
  packPanels,
  roundUp4,
  roundUp8,
  runBlocked,
} from "./matmul-simd.js";
import type { WasmMemory } from "./wasm-emit.js";

/** One WebAssembly memory of fixed size, carved into buffers, with in-place matrix products. */
export class GemmArena {
  /** Every double of the memory; the buffers the arena hands out are subarrays of it. */
  readonly data: Float64Array;
  private readonly memory: WasmMemory;
  private readonly kernel: GemmKernelFunction;
  /** The buffers carved by `rows`, which have the slack the tiles need. */
  private readonly padded = new WeakSet<Float64Array>();
  private next = 0;

  private constructor(memory: WasmMemory, kernel: GemmKernelFunction) {
    this.memory = memory;
    this.kernel = kernel;
    this.data = new Float64Array(memory.buffer);
  }

  /** An arena of at least `doubles` numbers, or null where WebAssembly SIMD is not available. */
  static create(doubles: number): GemmArena | null {
    const instance = instantiateGemm(doubles * 8);
    return instance === null ? null : new GemmArena(instance.memory, instance.kernel);
  }

  /** Numbers an arena needs for a [rows, width] buffer from `rows`: 4-row slack, 8-aligned. */
  static rowsSize(rowCount: number, width: number): number {
    return roundUp8(roundUp4(rowCount) * width);
  }

  /** Numbers an arena needs for a buffer from `plain`. */
  static plainSize(length: number): number {
    return roundUp8(length);
  }

  /** Numbers left to carve. */
  get free(): number {
    return this.data.length - this.next;
  }

  /**
   * A zeroed [rows, width] buffer with the tiles' slack behind it; the view has rows·width
   * numbers. Throws when the arena is too small (its size was computed wrong).
   */
  rows(rowCount: number, width: number): Float64Array {
    const start = this.carve(GemmArena.rowsSize(rowCount, width));
    const view = this.data.subarray(start, start + rowCount * width);
    this.padded.add(view);
    return view;
  }

  /** A zeroed buffer of `length` numbers. */
  plain(length: number): Float64Array {
    const start = this.carve(GemmArena.plainSize(length));
    return this.data.subarray(start, start + length);
  }

  /** True when `view` lies in this arena's memory. */
  holds(view: Float64Array): boolean {
    return view.buffer === this.memory.buffer;
  }

  /** True when `view` was carved by `rows`, so the tiles may read and write past its end. */
  padded4(view: Float64Array): boolean {
    return this.padded.has(view);
  }

  /**
   * C = A·Bᵀ with A [m, k] and C [m, n] carved by `rows`, and B [n, k] anywhere; B is packed
   * into `panels` (an arena buffer of n·k numbers) first. n must be a multiple of 4.
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
    this.check("ABt", n, [c, a], [panels]);
    packPanels(panels, 0, b, n, n, k);
    runBlocked(
      this.kernel,
      a.byteOffset,
      panels.byteOffset,
      c.byteOffset,
      roundUp4(m),
      k,
      n,
      8 * k,
      8,
      32 * k,
      32,
      false,
    );
  }

  /** C = Aᵀ·B with A [m, k], B [m, n] and C [k, n], all arena buffers; k and n multiples of 4. */
  AtB(c: Float64Array, a: Float64Array, b: Float64Array, m: number, k: number, n: number): void {
    this.check("AtB", n, [], [c, a, b]);
    this.check("AtB", k, [], []);
    runBlocked(
      this.kernel,
      a.byteOffset,
      b.byteOffset,
      c.byteOffset,
      k,
      m,
      n,
      8,
      8 * k,
      32,
      8 * n,
      false,
    );
  }

  /**
   * C (+)= A·B with A [m, k] and C [m, n] carved by `rows`, and B [k, n] an arena buffer. n must
   * be a multiple of 4. With `accumulate` the products are added to C's values.
   */
  AB(
    c: Float64Array,
    a: Float64Array,
    b: Float64Array,
    m: number,
    k: number,
    n: number,
    accumulate: boolean,
  ): void {
    this.check("AB", n, [c, a], [b]);
    runBlocked(
      this.kernel,
      a.byteOffset,
      b.byteOffset,
      c.byteOffset,
      roundUp4(m),
      k,
      n,
      8 * k,
      8,
      32,
      8 * n,
      accumulate,
    );
  }

  private carve(size: number): number {
    if (size > this.free) {
      throw new RangeError(
        `GemmArena: asked for ${size} numbers with ${this.free} left; size the arena with GemmArena.rowsSize and plainSize for every buffer`,
      );
    }
    const start = this.next;
    this.next += size;
    return start;
  }

  /** Throws unless n is a multiple of 4, `padded` were carved by `rows` and `held` lie here. */
  private check(name: string, n: number, padded: Float64Array[], held: Float64Array[]): void {
    if (
      n % 4 !== 0 ||
      padded.some((view) => !this.padded4(view)) ||
      held.some((view) => !this.holds(view))
    ) {
      throw new RangeError(
        `GemmArena.${name}: needs a width that is a multiple of 4 (received ${n}) and operands carved from this arena (row buffers by rows()); use gemmKernels otherwise`,
      );
    }
  }
}
