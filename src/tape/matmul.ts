// Matrix product kernels for the tape: a·b and a·bᵀ with their vector-Jacobian products.

import { gemmKernels } from "../dual/matmul-simd.js";

// The WebAssembly SIMD kernels where the engine has them, else the JavaScript ones: both sum in
// the same order without fused multiply-add, so they return the same bits.
const { AB: gemmAB, ABt: gemmABt, AtB: gemmAtB } = gemmKernels;

// The products use the register-tiled kernels of src/dual. Those multiply every cotangent
// entry, so 0 · Infinity would give NaN; where the factor a cotangent meets contains a
// non-finite value, the vjp falls back to a loop that skips zero cotangents. The finiteness
// scan reads one operand, which costs 1/m of the product itself.

/** Sizes of a matrix product: `a` is n×k and the result n×m. */
export interface MatmulSizes {
  readonly n: number;
  readonly k: number;
  readonly m: number;
}

/** Writes out = a·b for a (n×k) and b (k×m), row-major. */
export function matmulForward(
  s: MatmulSizes,
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
): void {
  gemmAB(out, a, b, s.n, s.k, s.m);
}

/**
 * Adds the cotangents of out = a·b: ctA += ct·bᵀ and ctB += aᵀ·ct. A zero entry of
 * `ct` adds nothing, even against an infinite entry of `a` or `b`.
 */
export function matmulVjp(
  s: MatmulSizes,
  ct: Float64Array,
  a: Float64Array,
  b: Float64Array,
  ctA: Float64Array | null,
  ctB: Float64Array | null,
): void {
  const { n, k, m } = s;
  if (ctA !== null) {
    if (allFinite(b)) gemmABt(ctA, ct, b, n, m, k, true);
    else matmulVjpSkippingZeros(s, ct, a, b, ctA, null);
  }
  if (ctB !== null) {
    if (allFinite(a)) gemmAtB(ctB, a, ct, n, k, m, true);
    else matmulVjpSkippingZeros(s, ct, a, b, null, ctB);
  }
}

/** Writes out = a·bᵀ for a (n×k) and b (m×k), row-major: out[i, j] is the dot product of rows. */
export function matmulTransposeBForward(
  s: MatmulSizes,
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
): void {
  gemmABt(out, a, b, s.n, s.k, s.m);
}

/**
 * Adds the cotangents of out = a·bᵀ: ctA += ct·b and ctB += ctᵀ·a. A zero entry of
 * `ct` adds nothing, even against an infinite entry of `a` or `b`.
 */
export function matmulTransposeBVjp(
  s: MatmulSizes,
  ct: Float64Array,
  a: Float64Array,
  b: Float64Array,
  ctA: Float64Array | null,
  ctB: Float64Array | null,
): void {
  const { n, k, m } = s;
  if (ctA !== null) {
    if (allFinite(b)) gemmAB(ctA, ct, b, n, m, k, true);
    else matmulTransposeBVjpSkippingZeros(s, ct, a, b, ctA, null);
  }
  if (ctB !== null) {
    if (allFinite(a)) gemmAtB(ctB, ct, a, n, m, k, true);
    else matmulTransposeBVjpSkippingZeros(s, ct, a, b, null, ctB);
  }
}

function matmulVjpSkippingZeros(
  s: MatmulSizes,
  ct: Float64Array,
  a: Float64Array,
  b: Float64Array,
  ctA: Float64Array | null,
  ctB: Float64Array | null,
): void {
  const { n, k, m } = s;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const g = ct[i * m + j];
      if (g === 0) continue;
      if (ctA !== null) {
        for (let p = 0; p < k; p++) ctA[i * k + p] += g * b[p * m + j];
      }
      if (ctB !== null) {
        for (let p = 0; p < k; p++) ctB[p * m + j] += g * a[i * k + p];
      }
    }
  }
}

function matmulTransposeBVjpSkippingZeros(
  s: MatmulSizes,
  ct: Float64Array,
  a: Float64Array,
  b: Float64Array,
  ctA: Float64Array | null,
  ctB: Float64Array | null,
): void {
  const { n, k, m } = s;
  for (let i = 0; i < n; i++) {
    const rowA = i * k;
    for (let j = 0; j < m; j++) {
      const g = ct[i * m + j];
      if (g === 0) continue;
      const rowB = j * k;
      if (ctA !== null) {
        for (let p = 0; p < k; p++) ctA[rowA + p] += g * b[rowB + p];
      }
      if (ctB !== null) {
        for (let p = 0; p < k; p++) ctB[rowB + p] += g * a[rowA + p];
      }
    }
  }
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    // x - x is 0 for finite x and NaN for NaN or ±Infinity.
    if (values[i] - values[i] !== 0) return false;
  }
  return true;
}
