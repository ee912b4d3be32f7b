// Piecewise functions (relu, abs, max, min): each picks a branch by the primal value.

import { add, neg } from "./arith.js";
import { nanLike, primal, type Scalar, zeroLike } from "./scalar.js";

// These functions select a branch by the primal instead of applying a derivative rule. So the
// convention is the same in every kind (Dual, HyperDual, Taylor) and at every nesting depth:
// each derivative is that of the selected branch, including at the kink itself.

/**
 * Returns max(x, 0). relu'(0) = 0 (the x <= 0 branch) and relu'' = 0 everywhere, including 0.
 * NaN gives NaN in every component; relu(+Infinity) = +Infinity with derivative 1.
 */
export function relu(x: Scalar): Scalar {
  const p = primal(x);
  if (Number.isNaN(p)) {
    return nanLike(x);
  }
  return p > 0 ? x : zeroLike(x);
}

/**
 * Returns |x|. abs'(0) = 0 = sign(0), and every higher derivative at 0 is 0, because at 0 the
 * result is the constant 0. NaN gives NaN in every component.
 */
export function abs(x: Scalar): Scalar {
  const p = primal(x);
  if (Number.isNaN(p)) {
    return nanLike(x);
  }
  if (p > 0) {
    return x;
  }
  return p < 0 ? neg(x) : zeroLike(x);
}

/**
 * Returns the larger of x and y. On a tie the second argument is returned, so max(x, 0) is
 * relu(x) with derivative 0 at x = 0 (and max(0, x) has derivative 1 there). A NaN primal in
 * either argument gives NaN in every component.
 */
export function max(x: Scalar, y: Scalar): Scalar {
  const px = primal(x);
  const py = primal(y);
  if (Number.isNaN(px) || Number.isNaN(py)) {
    return nanLike(add(x, y));
  }
  return px > py ? x : y;
}

/**
 * Returns the smaller of x and y. On a tie the second argument is returned, so min(x, 0) has
 * derivative 0 at x = 0. A NaN primal in either argument gives NaN in every component.
 */
export function min(x: Scalar, y: Scalar): Scalar {
  const px = primal(x);
  const py = primal(y);
  if (Number.isNaN(px) || Number.isNaN(py)) {
    return nanLike(add(x, y));
  }
  return px < py ? x : y;
}
