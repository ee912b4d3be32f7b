// The Scalar type of forward mode, the base class of AD values and their tags.

import { add, div, mul, neg, sub } from "./arith.js";
import type { Dual } from "./dual.js";
import { describeValue } from "./errors.js";
import type { HyperDual } from "./hyperdual.js";
import type { UnaryRule } from "./rule.js";
import type { Taylor } from "./taylor.js";

/**
 * A number or a forward-mode AD value. AD values nest: the components of an AD value with
 * tag t are Scalars whose tags are all lower than t.
 */
export type Scalar = number | Dual | HyperDual | Taylor;

let lastTag = 0;

/**
 * Returns a fresh perturbation tag. Tags only grow, so a perturbation created later (an inner
 * derivative) always has a higher tag than the perturbations around it.
 */
export function newTag(): number {
  lastTag += 1;
  return lastTag;
}

/** Returns the tag of a Scalar: 0 for a plain number. */
export function tagOf(x: Scalar): number {
  return typeof x === "number" ? 0 : x.tag;
}

/**
 * The base class of Dual, HyperDual and Taylor. The abstract methods are the per-kind
 * arithmetic that the generic functions (add, mul, sin, ...) dispatch to; callers use the
 * generic functions, not these methods.
 */
export abstract class AdValue {
  /** The perturbation this value carries; components have lower tags. */
  readonly tag: number;

  constructor(tag: number) {
    if (!Number.isSafeInteger(tag) || tag <= 0) {
      throw new RangeError(
        `AD value: tag must be a positive safe integer (use newTag()), received ${String(tag)}`,
      );
    }
    this.tag = tag;
  }

  /** Returns the kind name used in messages ("Dual", "HyperDual", "Taylor"). */
  abstract kindName(): string;

  /** Returns the value component (the part without this tag's perturbation). */
  abstract valuePart(): Scalar;

  /** Returns a copy with the value component replaced and every perturbation part kept. */
  abstract withValue(value: Scalar): Scalar;

  /** Returns a copy with `fn` applied to every component, value included. */
  abstract map(fn: (component: Scalar) => Scalar): Scalar;

  /** Returns a value of this kind, tag and size whose value is `s` and whose other parts are 0. */
  abstract liftConstant(s: Scalar): Scalar;

  /** Adds `other`, which has this tag and kind. */
  abstract addSameTag(other: AdValue): Scalar;

  /** Subtracts `other`, which has this tag and kind. */
  abstract subSameTag(other: AdValue): Scalar;

  /** Multiplies by `other`, which has this tag and kind. */
  abstract mulSameTag(other: AdValue): Scalar;

  /** Divides by `other`, which has this tag and kind. */
  abstract divSameTag(other: AdValue): Scalar;

  /** Raises this value to `exponent`, which has this tag and kind. */
  abstract powSameTag(exponent: AdValue): Scalar;

  /** Applies a smooth elementary function through its rule. */
  abstract applyRule(rule: UnaryRule): Scalar;

  // Method forms of the generic arithmetic, for chaining: x.mul(y).add(1). An operation with
  // an AD operand always returns an AD value (of the higher tag), hence the narrower type.
  // The arith module only uses this class inside functions, so the import cycle is harmless.

  /** Returns this + y. */
  add(y: Scalar): AdScalar {
    return add(this as unknown as AdScalar, y) as AdScalar;
  }

  /** Returns this - y. */
  sub(y: Scalar): AdScalar {
    return sub(this as unknown as AdScalar, y) as AdScalar;
  }

  /** Returns this * y. */
  mul(y: Scalar): AdScalar {
    return mul(this as unknown as AdScalar, y) as AdScalar;
  }

  /** Returns this / y. */
  div(y: Scalar): AdScalar {
    return div(this as unknown as AdScalar, y) as AdScalar;
  }

  /** Returns -this. */
  neg(): AdScalar {
    return neg(this as unknown as AdScalar) as AdScalar;
  }
}

/** A Scalar that is an AD value (Dual, HyperDual or Taylor), not a plain number. */
export type AdScalar = Exclude<Scalar, number>;

/** Returns true for a number or an AD value. */
export function isScalar(x: unknown): x is Scalar {
  return typeof x === "number" || x instanceof AdValue;
}

/** Returns the number at the bottom of any AD value: its value with every perturbation dropped. */
export function primal(x: Scalar): number {
  let current: Scalar = x;
  while (typeof current !== "number") {
    if (!(current instanceof AdValue)) {
      throw new TypeError(
        `primal: x must be a number or an AD value (Dual, HyperDual, Taylor), received ${describeValue(current)}`,
      );
    }
    current = current.valuePart();
  }
  return current;
}

/** Returns x with every component replaced by NaN, keeping its kind and tag. */
export function nanLike(x: Scalar): Scalar {
  return typeof x === "number" ? Number.NaN : x.map(() => Number.NaN);
}

/** Returns x with every component replaced by 0, keeping its kind and tag. */
export function zeroLike(x: Scalar): Scalar {
  return typeof x === "number" ? 0 : x.map(() => 0);
}
