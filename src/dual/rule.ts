// The derivative rule of a smooth unary function, shared by the Dual, HyperDual and Taylor kinds.

import { describeValue } from "./errors.js";
import { AdValue, nanLike, primal, type Scalar } from "./scalar.js";

/**
 * The value rule and derivative rules of one smooth function f. Every method works on Scalars
 * of lower tags, so that the rules themselves can be differentiated again (nested forward mode).
 */
export interface UnaryRule {
  /** Function name for messages. */
  readonly name: string;

  /** Returns f(x), dispatching on the kind of x (the exported generic function itself). */
  apply(x: Scalar): Scalar;

  /** Returns f'(x) given x and y = f(x). */
  first(x: Scalar, y: Scalar): Scalar;

  /** Returns f''(x) given x, y = f(x) and y1 = f'(x). */
  second(x: Scalar, y: Scalar, y1: Scalar): Scalar;

  /**
   * Returns the normalised Taylor coefficients w_k = w^(k)/k! of w = f(u) for k = 0..K, given
   * the normalised coefficients of u (length K + 1). Used where `singular` is false.
   */
  taylor(u: readonly Scalar[]): Scalar[];

  /**
   * Returns true where the recurrence in `taylor` divides by zero (sqrt and log at 0, asin at
   * ±1). There the Taylor kind composes `series` with u instead.
   */
  singular?(x: number): boolean;

  /** Returns f^(k)(x0)/k! for k = 0..order, used at singular points. */
  series?(x0: Scalar, order: number): Scalar[];
}

/**
 * Applies a rule to an AD value. A NaN value fills every component with NaN, so that a point
 * outside the domain never carries a finite derivative.
 */
export function liftRule(rule: UnaryRule, x: AdValue): Scalar {
  if (!(x instanceof AdValue)) {
    throw new TypeError(
      `${rule.name}: x must be a number or an AD value (Dual, HyperDual, Taylor), ` +
        `received ${describeValue(x)}`,
    );
  }
  const y = x.applyRule(rule);
  return Number.isNaN(primal(y)) ? nanLike(y) : y;
}
