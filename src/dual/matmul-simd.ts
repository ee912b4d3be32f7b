// Matrix products through a small WebAssembly SIMD kernel, with the plain kernels as fallback.
//
// One kernel computes C = A' · B'ᵀ in 4×4 tiles held in eight f64x2 accumulators. A' is read
// from A with any row and column stride (so Aᵀ needs no transposed copy), and B' is packed
// into panels of four columns, which makes every load of B' a contiguous v128 load. Each call
// copies A, the packed B' and C through the module's memory. Every entry sums its products in
// the same order as the JavaScript kernels of matmul.ts, without fused multiply-add, so both
// give the same bits. The module is built byte by byte below. Where WebAssembly or its SIMD
// extension is missing, `gemmKernels` falls back to the JavaScript kernels.

import { gemmAB, gemmABt, gemmAtB } from "./matmul.js";
import {
  I32,
  memoryLimits,
  name,
  op,
  section,
  unsignedLeb,
  V128,
  vector,
  type WasmApi,
  type WasmMemory,
} from "./wasm-emit.js";

/** Three matrix products with the signatures of matmul.ts. */
export interface GemmKernels {
  /** "wasm-simd" or "js": which implementation runs. */
  readonly name: string;
  /** C (+)= A · Bᵀ with A [m, k], B [n, k], C [m, n]. */
  readonly ABt: typeof gemmABt;
  /** C (+)= Aᵀ · B with A [m, k], B [m, n], C [k, n]. */
  readonly AtB: typeof gemmAtB;
  /** C (+)= A · B with A [m, k], B [k, n], C [m, n]. */
  readonly AB: typeof gemmAB;
}

/** The JavaScript kernels, always available. */
export const jsGemmKernels: GemmKernels = { name: "js", ABt: gemmABt, AtB: gemmAtB, AB: gemmAB };

// Parameters (all i32, offsets and strides in bytes): a, b, c, m, k, n, the strides of A'[r, i]
// per r and per i, then the stride between groups of four columns of B' and the stride per i.
// Within a group the four columns must be adjacent numbers, so that B'[o .. o + 3, i] is one
// pair of v128 loads: true for packed panels and for B' = Bᵀ with B row-major [k, n].
// m and n must be multiples of 4. C' has row stride 8n. When the last parameter is not zero,
// the tile sums start from the values in C' instead of zero. A long sum over i can then run as
// several calls over blocks of i, in the same order and so with the same bits.
const P = {
  a: 0,
  b: 1,
  c: 2,
  m: 3,
  k: 4,
  n: 5,
  aRow: 6,
  aColumn: 7,
  bGroup: 8,
  bColumn: 9,
  carry: 10,
};
// Locals: the i32 counters r, o, i, the row pointers p0..p3, the panel pointer pb and the
// output pointer pc. Then the v128 accumulators acc0..acc7, where row q of the tile uses acc 2q
// for columns 0-1 and acc 2q + 1 for columns 2-3. Last come the two halves of a B' row and the
// splatted element of A'.
const L = { r: 11, o: 12, i: 13, p: 14, pb: 18, pc: 19, acc: 20, low: 28, high: 29, x: 30 };

function kernelBody(): number[] {
  const body: number[] = [];
  const emit = (...parts: number[][]) => {
    for (const part of parts) body.push(...part);
  };

  // for (r = 0; r < m; r += 4)
  emit(op.i32(0), op.set(L.r), op.block, op.loop);
  emit(op.get(L.r), op.get(P.m), op.geU, op.brIf(1));

  // for (o = 0; o < n; o += 4)
  emit(op.i32(0), op.set(L.o), op.block, op.loop);
  emit(op.get(L.o), op.get(P.n), op.geU, op.brIf(1));
  emit(op.get(P.carry), op.if);
  for (let q = 0; q < 4; q++) {
    emitRowPointer(emit, q);
    emit(op.get(L.pc), op.v128Load(0), op.set(L.acc + 2 * q));
    emit(op.get(L.pc), op.v128Load(16), op.set(L.acc + 2 * q + 1));
  }
  emit(op.else);
  for (let q = 0; q < 8; q++) emit(op.v128Zero, op.set(L.acc + q));
  emit(op.end);
  // p_q = a + (r + q)·aRow; pb = b + (o / 4)·bGroup.
  for (let q = 0; q < 4; q++) {
    emit(op.get(P.a), op.get(L.r), op.i32(q), op.add, op.get(P.aRow), op.mul, op.add);
    emit(op.set(L.p + q));
  }
  emit(op.get(P.b), op.get(L.o), op.i32(2), op.shrU, op.get(P.bGroup), op.mul, op.add);
  emit(op.set(L.pb));

  // for (i = 0; i < k; i++): acc += splat(A'[r + q, i]) · B'[o .. o + 3, i]
  emit(op.i32(0), op.set(L.i), op.block, op.loop);
  emit(op.get(L.i), op.get(P.k), op.geU, op.brIf(1));
  emit(op.get(L.pb), op.v128Load(0), op.set(L.low), op.get(L.pb), op.v128Load(16), op.set(L.high));
  for (let q = 0; q < 4; q++) {
    emit(op.get(L.p + q), op.load64Splat, op.set(L.x));
    for (const half of [0, 1]) {
      const acc = L.acc + 2 * q + half;
      const b = half === 0 ? L.low : L.high;
      emit(op.get(acc), op.get(L.x), op.get(b), op.f64x2Mul, op.f64x2Add, op.set(acc));
    }
    emit(op.get(L.p + q), op.get(P.aColumn), op.add, op.set(L.p + q));
  }
  emit(op.get(L.pb), op.get(P.bColumn), op.add, op.set(L.pb));
  emit(op.get(L.i), op.i32(1), op.add, op.set(L.i), op.br(0), op.end, op.end);

  // Store the tile: row r + q of C' starts at c + ((r + q)·n + o)·8.
  for (let q = 0; q < 4; q++) {
    emitRowPointer(emit, q);
    emit(op.get(L.pc), op.get(L.acc + 2 * q), op.v128Store(0));
    emit(op.get(L.pc), op.get(L.acc + 2 * q + 1), op.v128Store(16));
  }
  emit(op.get(L.o), op.i32(4), op.add, op.set(L.o), op.br(0), op.end, op.end);

  emit(op.get(L.r), op.i32(4), op.add, op.set(L.r), op.br(0), op.end, op.end);
  emit(op.end);
  return body;
}

/** Sets pc to the start of row r + q of the tile in C': c + ((r + q)·n + o)·8. */
function emitRowPointer(emit: (...parts: number[][]) => void, q: number): void {
  emit(op.get(P.c), op.get(L.r), op.i32(q), op.add, op.get(P.n), op.mul, op.get(L.o), op.add);
  emit(op.i32(3), op.shl, op.add, op.set(L.pc));
}

function moduleBytes(shared: boolean): Uint8Array {
  const locals = vector([
    [...unsignedLeb(9), I32],
    [...unsignedLeb(11), V128],
  ]);
  const code = [...locals, ...kernelBody()];
  const params = vector(new Array<number[]>(11).fill([I32]));
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...params, 0x00]])),
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, ...memoryLimits(shared)]])),
    ...section(3, vector([[0x00]])),
    ...section(7, vector([[...name("gemm"), 0x00, 0x00]])),
    ...section(10, vector([[...unsignedLeb(code.length), ...code]])),
  ]);
}

// --- Driver: copies operands into the module's memory, packs B', runs, copies C out. ---

type KernelFunction = (
  a: number,
  b: number,
  c: number,
  m: number,
  k: number,
  n: number,
  aRow: number,
  aColumn: number,
  bGroup: number,
  bColumn: number,
  carry: number,
) => void;

/** The raw kernel of a module instance: C' (+)= A'·B'ᵀ on byte offsets into its memory. */
export type GemmKernelFunction = KernelFunction;

/** The compiled kernel modules (private and shared memory), built once per process. */
const compiled: ({ wasm: WasmApi; module: object } | null | undefined)[] = [undefined, undefined];

function compiledModule(shared: boolean): { wasm: WasmApi; module: object } | null {
  const slot = shared ? 1 : 0;
  const cached = compiled[slot];
  if (cached !== undefined) return cached;
  compiled[slot] = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    compiled[slot] = { wasm, module: new wasm.Module(moduleBytes(shared)) };
  } catch {
    // A CompileError here means the engine lacks the SIMD extension (or, for the shared
    // variant, WebAssembly threads): the JS kernels serve.
  }
  return compiled[slot];
}

/**
 * Instantiates the kernel on a memory of `bytes` bytes (rounded up to whole 64 KiB pages) that
 * never grows, or on `existing`, a shared memory made here before. With `shared` the memory is
 * a shared WebAssembly memory, which worker threads can attach to. Returns null where
 * WebAssembly SIMD (or shared memory) is missing.
 */
export function instantiateGemm(
  bytes: number,
  shared = false,
  existing?: WasmMemory,
): { memory: WasmMemory; kernel: GemmKernelFunction } | null {
  const built = compiledModule(shared);
  if (built === null) return null;
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory =
    existing ??
    new built.wasm.Memory(shared ? { initial: pages, maximum: pages, shared } : { initial: pages });
  const instance = new built.wasm.Instance(built.module, { env: { memory } });
  return { memory, kernel: instance.exports.gemm as GemmKernelFunction };
}

/**
 * Runs C' (+)= A'·B'ᵀ with the sum over i in blocks of I_BLOCK, each block carrying the tile
 * sums of the one before, so the order of the sums (and so the bits) does not depend on the
 * blocking. Offsets are in bytes; strides are in bytes as the kernel takes them.
 */
export function runBlocked(
  kernel: GemmKernelFunction,
  a: number,
  b: number,
  c: number,
  m4: number,
  k: number,
  n4: number,
  aRow: number,
  aColumn: number,
  bGroup: number,
  bColumn: number,
  carry: boolean,
): void {
  // The blocks keep the rows of A and B that every tile reads in cache. For dW with 3075 rows
  // of width 64, one pass ran at 7.4 GFLOP/s, blocks at 15.
  for (let i0 = 0; i0 < k; i0 += I_BLOCK) {
    kernel(
      a + i0 * aColumn,
      b + i0 * bColumn,
      c,
      m4,
      Math.min(I_BLOCK, k - i0),
      n4,
      aRow,
      aColumn,
      bGroup,
      bColumn,
      carry || i0 > 0 ? 1 : 0,
    );
  }
}

class SimdGemm {
  private readonly memory: WasmMemory;
  private readonly kernel: KernelFunction;
  private view: Float64Array;

  constructor() {
    const instance = instantiateGemm(16 * 65536);
    if (instance === null) throw new Error("WebAssembly SIMD is not available");
    this.memory = instance.memory;
    this.kernel = instance.kernel;
    this.view = new Float64Array(this.memory.buffer);
  }

  /** Grows the memory to hold `doubles` numbers; growing detaches the old view. */
  private reserve(doubles: number): Float64Array {
    const bytes = doubles * 8;
    const current = this.memory.buffer.byteLength;
    if (bytes > current) {
      this.memory.grow(Math.ceil((bytes - current) / 65536));
      this.view = new Float64Array(this.memory.buffer);
    }
    return this.view;
  }

  /**
   * Computes C (+)= A' · B'ᵀ, where A'[r, i] = a[r·aRow + i·aColumn] is [m, k] (strides in
   * numbers). B' [n, k] is Bᵀ for a row-major B [k, n] when `bTransposed`, and otherwise
   * B'[o, i] = b[o·k + i], which is packed into panels of four columns first.
   */
  run(
    c: Float64Array,
    a: Float64Array,
    b: Float64Array,
    m: number,
    k: number,
    n: number,
    aRow: number,
    aColumn: number,
    bTransposed: boolean,
    accumulate: boolean,
  ): void {
    const m4 = roundUp4(m);
    const n4 = roundUp4(n);
    // The tile loops read up to 3 rows past A' and 3 columns past B'. They only feed entries of
    // C' that are dropped, but they must lie inside memory, so A and B get slack behind them.
    // Offsets are multiples of 8 numbers so that packed v128 loads are aligned.
    const aOffset = 0;
    const bOffset = roundUp8(a.length + 4 * (aRow + aColumn) + 8);
    const cOffset = roundUp8(bOffset + (bTransposed ? b.length + 8 : n4 * k));
    const view = this.reserve(cOffset + m4 * n4);

    view.set(a, aOffset);
    if (bTransposed) {
      view.set(b, bOffset);
    } else {
      packPanels(view, bOffset, b, n, n4, k);
    }
    // Packed: group g of four columns starts at 4k·g numbers and steps 4 numbers per i.
    // Transposed: B'[o, i] = b[i·n + o], so group g starts at 4g and steps n numbers per i.
    const bGroup = bTransposed ? 32 : 32 * k;
    const bColumn = bTransposed ? 8 * n : 32;
    runBlocked(
      this.kernel,
      aOffset * 8,
      bOffset * 8,
      cOffset * 8,
      m4,
      k,
      n4,
      aRow * 8,
      aColumn * 8,
      bGroup,
      bColumn,
      false,
    );

    if (!accumulate && n4 === n) {
      c.set(view.subarray(cOffset, cOffset + m * n));
      return;
    }
    for (let r = 0; r < m; r++) {
      const from = cOffset + r * n4;
      const to = r * n;
      if (accumulate) {
        for (let o = 0; o < n; o++) c[to + o] += view[from + o];
      } else {
        for (let o = 0; o < n; o++) c[to + o] = view[from + o];
      }
    }
  }
}

/** Length of the blocks of the inner sum: 256 rows of two 64-wide operands take 256 KiB. */
const I_BLOCK = 256;

export function roundUp8(value: number): number {
  return (value + 7) & ~7;
}

export function roundUp4(value: number): number {
  return (value + 3) & ~3;
}

/**
 * Writes B' [n, k], B'[o, i] = source[o·k + i], as panels of four columns: B'[o, i] goes to
 * offset + (o / 4)·4k + 4i + (o mod 4). Columns n .. n4 − 1 are zero.
 */
export function packPanels(
  view: Float64Array,
  offset: number,
  source: Float64Array,
  n: number,
  n4: number,
  k: number,
): void {
  for (let o = 0; o < n4; o++) {
    const panel = offset + (o >> 2) * 4 * k + (o & 3);
    if (o >= n) {
      for (let i = 0; i < k; i++) view[panel + 4 * i] = 0;
      continue;
    }
    const base = o * k;
    for (let i = 0; i < k; i++) view[panel + 4 * i] = source[base + i];
  }
}

function checkSizes(
  name: string,
  c: Float64Array,
  a: Float64Array,
  b: Float64Array,
  cSize: number,
  aSize: number,
  bSize: number,
): void {
  if (a.length < aSize || b.length < bSize || c.length < cSize) {
    throw new RangeError(
      `${name}: buffers too short for the given shapes: need A ${aSize}, B ${bSize}, C ${cSize} elements, received ${a.length}, ${b.length}, ${c.length}; check m, k and n`,
    );
  }
}

/** Returns the first `size` numbers of `x`, without a new view when that is all of it. */
function leading(x: Float64Array, size: number): Float64Array {
  return x.length === size ? x : x.subarray(0, size);
}

function simdKernels(gemm: SimdGemm): GemmKernels {
  return {
    name: "wasm-simd",
    ABt(c, a, b, m, k, n, accumulate = false) {
      checkSizes("gemmKernels.ABt", c, a, b, m * n, m * k, n * k);
      // A' = A [m, k]; B' = B [n, k], packed.
      gemm.run(c, leading(a, m * k), leading(b, n * k), m, k, n, k, 1, false, accumulate);
    },
    AtB(c, a, b, m, k, n, accumulate = false) {
      checkSizes("gemmKernels.AtB", c, a, b, k * n, m * k, m * n);
      // A'[p, r] = A[r·k + p] is Aᵀ [k, m]; B' = Bᵀ read in place.
      gemm.run(c, leading(a, m * k), leading(b, m * n), k, m, n, 1, k, true, accumulate);
    },
    AB(c, a, b, m, k, n, accumulate = false) {
      checkSizes("gemmKernels.AB", c, a, b, m * n, m * k, k * n);
      // A' = A [m, k]; B' = Bᵀ read in place.
      gemm.run(c, leading(a, m * k), leading(b, k * n), m, k, n, k, 1, true, accumulate);
    },
  };
}

/** Builds the SIMD kernels, or returns null where WebAssembly SIMD is not available. */
function createSimdKernels(): GemmKernels | null {
  return compiledModule(false) === null ? null : simdKernels(new SimdGemm());
}

/** The WebAssembly SIMD kernels, or null where the engine does not support them. */
export const simdGemmKernels: GemmKernels | null = createSimdKernels();

/** The fastest kernels available: WebAssembly SIMD where supported, else JavaScript. */
export const gemmKernels: GemmKernels = simdGemmKernels ?? jsGemmKernels;
