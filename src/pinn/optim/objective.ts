// The objective type that every optimiser takes: a loss and its gradient on a flat vector.

/**
 * A scalar loss on a flat parameter vector. It writes ∇f(theta) into `grad` (same length as
 * `theta`) and returns f(theta). It must not keep `theta` or `grad`, because optimisers reuse
 * both buffers.
 */
export type Objective = (theta: Float64Array, grad: Float64Array) => number;

/** Returns the index of the first non-finite entry of `values`, or -1 when all are finite. */
export function firstNonFiniteIndex(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      return i;
    }
  }
  return -1;
}

/** Returns the dot product of two vectors of equal length. */
export function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    sum += a[i] * b[i];
  }
  return sum;
}

/** Returns the infinity norm max |a_i| (0 for an empty vector). */
export function maxAbs(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const value = Math.abs(a[i]);
    if (value > max || Number.isNaN(value)) {
      max = value;
    }
  }
  return max;
}
