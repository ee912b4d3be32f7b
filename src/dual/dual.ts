// Dual numbers v + t ε with ε² = 0: a value and one directional derivative (the tangent).

import { add, div, mul, sub } from "./arith.js";
import { bivariatePowPartials } from "./pow-partials.js";
import type { UnaryRule } from "./rule.js";
import { AdValue, newTag, type Scalar, tagOf } from "./scalar.js";
import { checkComponentTags } from "./tag-check.js";

/**
 * A dual number `value + tangent ε` with ε² = 0 for the perturbation `tag`. Applying a smooth f
 * gives f(value) + f'(value) tangent ε. The components may be AD values of lower tags.
 */
export class Dual extends AdValue {
  /** The value (primal) component. */
  readonly value: Scalar;
  /** The coefficient of ε: the directional derivative. */
  readonly tangent: Scalar;

  /** Builds `value + tangent ε`; without a tag the dual gets a fresh one. */
  constructor(value: Scalar, tangent: Scalar, tag: number = newTag()) {
    super(tag);
    checkComponentTags("Dual", tag, [value, tangent]);
    this.value = value;
    this.tangent = tangent;
  }

  kindName(): string {
    return "Dual";
  }

  valuePart(): Scalar {
    return this.value;
  }

  withValue(value: Scalar): Dual {
    return new Dual(value, this.tangent, this.tag);
  }

  map(fn: (component: Scalar) => Scalar): Dual {
    return new Dual(fn(this.value), fn(this.tangent), this.tag);
  }

  liftConstant(s: Scalar): Dual {
    return new Dual(s, 0, this.tag);
  }

  addSameTag(other: AdValue): Dual {
    const o = other as Dual;
    return new Dual(add(this.value, o.value), add(this.tangent, o.tangent), this.tag);
  }

  subSameTag(other: AdValue): Dual {
    const o = other as Dual;
    return new Dual(sub(this.value, o.value), sub(this.tangent, o.tangent), this.tag);
  }

  mulSameTag(other: AdValue): Dual {
    const o = other as Dual;
    // d(xy) = x dy + y dx
    const tangent = add(mul(this.value, o.tangent), mul(this.tangent, o.value));
    return new Dual(mul(this.value, o.value), tangent, this.tag);
  }

  divSameTag(other: AdValue): Dual {
    const o = other as Dual;
    // d(x/y) = (dx - (x/y) dy) / y
    const quotient = div(this.value, o.value);
    const tangent = div(sub(this.tangent, mul(quotient, o.tangent)), o.value);
    return new Dual(quotient, tangent, this.tag);
  }

  powSameTag(exponent: AdValue): Dual {
    const e = exponent as Dual;
    const p = bivariatePowPartials(this.value, e.value, false);
    // d(a^b) = b a^(b-1) da + a^b ln(a) db
    const tangent = add(mul(p.da, this.tangent), mul(p.db, e.tangent));
    return new Dual(p.value, tangent, this.tag);
  }

  applyRule(rule: UnaryRule): Dual {
    const y = rule.apply(this.value);
    const y1 = rule.first(this.value, y);
    // f(v + t ε) = f(v) + f'(v) t ε
    return new Dual(y, mul(y1, this.tangent), this.tag);
  }

  /** Returns a readable form such as `Dual#3(1.5 + 2ε)`. */
  override toString(): string {
    return `Dual#${this.tag}(${String(this.value)} + ${String(this.tangent)}ε)`;
  }
}

/** Returns true when x is a Dual with the given tag. */
export function isDualWithTag(x: Scalar, tag: number): x is Dual {
  return x instanceof Dual && tagOf(x) === tag;
}
