// Products with perturbation parts that keep an exactly zero part at zero (structural zeros).

import { div, mul } from "./arith.js";
import { isZero, type Scalar, tagOf, zeroLike } from "./scalar.js";

// A perturbation part is any component of an AD value other than its value: the Dual tangent,
// the b, c and d of a HyperDual, the Taylor coefficients u_1..u_K. A part that is exactly 0
// means the value does not move along that perturbation, so every term it multiplies is 0,
// even where the other factor is ±Infinity or NaN (IEEE would give 0 * Infinity = NaN).
// ForwardDiff.jl has this rule as its "NaN-safe mode", off by default. Here it is the only mode.
// Only parts are treated this way. A value of 0 times an infinite part is still NaN: in
// x sqrt(x) at 0 the term x * sqrt'(0) dx is 0 * Infinity.

/**
 * Returns a zero with the kind and tag that x * y would have, so that code reading the parts
 * of a product finds the same kind of value whether or not a factor was zero.
 */
export function zeroProduct(x: Scalar, y: Scalar): Scalar {
  return tagOf(x) >= tagOf(y) ? zeroLike(x) : zeroLike(y);
}

/** Returns factor * part, or a zero when `part` is exactly zero, whatever `factor` is. */
export function scalePart(factor: Scalar, part: Scalar): Scalar {
  return isZero(part) ? zeroProduct(factor, part) : mul(factor, part);
}

/** Returns p * q for two perturbation parts, or a zero when either is exactly zero. */
export function mulParts(p: Scalar, q: Scalar): Scalar {
  return isZero(p) || isZero(q) ? zeroProduct(p, q) : mul(p, q);
}

/** Returns part / divisor, or a zero when `part` is exactly zero, even for a zero divisor. */
export function divPart(part: Scalar, divisor: Scalar): Scalar {
  return isZero(part) ? zeroProduct(part, divisor) : div(part, divisor);
}
