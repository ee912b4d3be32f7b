// Hyper-dual numbers a + b e1 + c e2 + d e1e2 (e1² = e2² = 0): exact first and mixed second partials.

import { add, div, mul, sub } from "./arith.js";
import { bivariatePowPartials } from "./pow-partials.js";
import type { UnaryRule } from "./rule.js";
import { AdValue, newTag, type Scalar } from "./scalar.js";
import { checkComponentTags } from "./tag-check.js";

/**
 * A hyper-dual number a + b e1 + c e2 + d e1e2 with e1² = e2² = 0 and e1e2 ≠ 0. Seeding x_i
 * with e1 and x_j with e2 gives b = ∂f/∂x_i, c = ∂f/∂x_j and d = ∂²f/∂x_i∂x_j with no
 * truncation error. Applying a smooth f gives
 * f(a) + f'(a) b e1 + f'(a) c e2 + (f'(a) d + f''(a) b c) e1e2.
 */
export class HyperDual extends AdValue {
  /** The value (primal) component. */
  readonly a: Scalar;
  /** The e1 coefficient: the derivative along the first direction. */
  readonly b: Scalar;
  /** The e2 coefficient: the derivative along the second direction. */
  readonly c: Scalar;
  /** The e1e2 coefficient: the mixed second derivative. */
  readonly d: Scalar;

  /** Builds a + b e1 + c e2 + d e1e2; without a tag the value gets a fresh one. */
  constructor(a: Scalar, b: Scalar, c: Scalar, d: Scalar, tag: number = newTag()) {
    super(tag);
    checkComponentTags("HyperDual", tag, [a, b, c, d]);
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  kindName(): string {
    return "HyperDual";
  }

  valuePart(): Scalar {
    return this.a;
  }

  withValue(value: Scalar): HyperDual {
    return new HyperDual(value, this.b, this.c, this.d, this.tag);
  }

  map(fn: (component: Scalar) => Scalar): HyperDual {
    return new HyperDual(fn(this.a), fn(this.b), fn(this.c), fn(this.d), this.tag);
  }

  liftConstant(s: Scalar): HyperDual {
    return new HyperDual(s, 0, 0, 0, this.tag);
  }

  addSameTag(other: AdValue): HyperDual {
    const o = other as HyperDual;
    return new HyperDual(
      add(this.a, o.a),
      add(this.b, o.b),
      add(this.c, o.c),
      add(this.d, o.d),
      this.tag,
    );
  }

  subSameTag(other: AdValue): HyperDual {
    const o = other as HyperDual;
    return new HyperDual(
      sub(this.a, o.a),
      sub(this.b, o.b),
      sub(this.c, o.c),
      sub(this.d, o.d),
      this.tag,
    );
  }

  mulSameTag(other: AdValue): HyperDual {
    const o = other as HyperDual;
    // (x)(y): e1e2 collects x_a y_d + x_b y_c + x_c y_b + x_d y_a because e1² = e2² = 0.
    const d = add(add(mul(this.a, o.d), mul(this.b, o.c)), add(mul(this.c, o.b), mul(this.d, o.a)));
    return new HyperDual(
      mul(this.a, o.a),
      add(mul(this.a, o.b), mul(this.b, o.a)),
      add(mul(this.a, o.c), mul(this.c, o.a)),
      d,
      this.tag,
    );
  }

  divSameTag(other: AdValue): HyperDual {
    const o = other as HyperDual;
    // q = x / y solves x = q y component by component, lowest order first.
    const qa = div(this.a, o.a);
    const qb = div(sub(this.b, mul(qa, o.b)), o.a);
    const qc = div(sub(this.c, mul(qa, o.c)), o.a);
    const qd = div(sub(sub(this.d, mul(qa, o.d)), add(mul(qb, o.c), mul(qc, o.b))), o.a);
    return new HyperDual(qa, qb, qc, qd, this.tag);
  }

  powSameTag(exponent: AdValue): HyperDual {
    const e = exponent as HyperDual;
    const p = bivariatePowPartials(this.a, e.a, true);
    const b = add(mul(p.da, this.b), mul(p.db, e.b));
    const c = add(mul(p.da, this.c), mul(p.db, e.c));
    // e1e2: first partials times the d parts plus the Hessian of a^b between the two directions.
    const linear = add(mul(p.da, this.d), mul(p.db, e.d));
    const cross = mul(p.dab, add(mul(this.b, e.c), mul(this.c, e.b)));
    const pure = add(mul(p.daa, mul(this.b, this.c)), mul(p.dbb, mul(e.b, e.c)));
    return new HyperDual(p.value, b, c, add(linear, add(cross, pure)), this.tag);
  }

  applyRule(rule: UnaryRule): HyperDual {
    const y = rule.apply(this.a);
    const y1 = rule.first(this.a, y);
    const y2 = rule.second(this.a, y, y1);
    // f(a + b e1 + c e2 + d e1e2) = f(a) + f'(a) b e1 + f'(a) c e2 + (f'(a) d + f''(a) b c) e1e2
    const d = add(mul(y1, this.d), mul(y2, mul(this.b, this.c)));
    return new HyperDual(y, mul(y1, this.b), mul(y1, this.c), d, this.tag);
  }

  /** Returns a readable form such as `HyperDual#4(1 + 2e1 + 3e2 + 4e1e2)`. */
  override toString(): string {
    const parts = [this.a, this.b, this.c, this.d].map(String);
    return `HyperDual#${this.tag}(${parts[0]} + ${parts[1]}e1 + ${parts[2]}e2 + ${parts[3]}e1e2)`;
  }
}
