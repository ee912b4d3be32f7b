// Matrix product kernels for the tape: a·b and a·bᵀ with their vector-Jacobian products.

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
  const { n, k, m } = s;
  out.fill(0, 0, n * m);
  // i-p-j order keeps the inner loop on contiguous rows of b and out.
  for (let i = 0; i < n; i++) {
    const rowOut = i * m;
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      const rowB = p * m;
      for (let j = 0; j < m; j++) out[rowOut + j] += aip * b[rowB + j];
    }
  }
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

/** Writes out = a·bᵀ for a (n×k) and b (m×k), row-major: out[i, j] is the dot product of rows. */
export function matmulTransposeBForward(
  s: MatmulSizes,
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
): void {
  const { n, k, m } = s;
  for (let i = 0; i < n; i++) {
    const rowA = i * k;
    for (let j = 0; j < m; j++) {
      const rowB = j * k;
      let dot = 0;
      for (let p = 0; p < k; p++) dot += a[rowA + p] * b[rowB + p];
      out[i * m + j] = dot;
    }
  }
}

/**
 * Adds the cotangents of out = a·bᵀ: ctA += ct·b and ctB += ctᵀ·a. A zero entry of
 * `ct` adds nothing.
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
