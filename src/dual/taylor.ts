// Univariate Taylor jets of any order, stored as normalised coefficients u_k = u^(k)/k!.

import { add, div, sub } from "./arith.js";
import { log } from "./elementary.js";
import { describeValue } from "./errors.js";
import { exponentialRule, pow, powerRule } from "./pow.js";
import type { UnaryRule } from "./rule.js";
import { AdValue, newTag, primal, type Scalar } from "./scalar.js";
import { cauchy, compose, integrateProduct, overFactorial, timesFactorial } from "./series.js";
import { checkComponentTags } from "./tag-check.js";

/**
 * A truncated Taylor series u(t) = sum_k u_k t^k of order K in the perturbation `tag`.
 * `coefficients[k]` is the normalised coefficient u^(k)(0)/k!, not the derivative itself; use
 * `derivative(k)` or `Taylor.fromDerivatives` to convert at the edge. Seeding x with
 * [x, 1, 0, ..., 0] and applying f gives f(x), f'(x), ..., f^(K)(x) after the conversion.
 */
export class Taylor extends AdValue {
  /** Normalised coefficients u_0..u_K (u_k = u^(k)/k!). */
  readonly coefficients: readonly Scalar[];

  /** Builds a jet from normalised coefficients; without a tag the jet gets a fresh one. */
  constructor(coefficients: readonly Scalar[], tag: number = newTag()) {
    super(tag);
    if (!Array.isArray(coefficients) || coefficients.length === 0) {
      throw new TypeError(
        "Taylor: coefficients must be a non-empty array of Scalars (u_0, u_1, ...), " +
          `received ${describeValue(coefficients)}`,
      );
    }
    checkComponentTags("Taylor", tag, coefficients);
    this.coefficients = coefficients;
  }

  /**
   * Builds a jet from derivatives [u, u', u'', ...], dividing the k-th entry by k!.
   */
  static fromDerivatives(derivatives: readonly Scalar[], tag: number = newTag()): Taylor {
    return new Taylor(
      derivatives.map((d, k) => overFactorial(d, k)),
      tag,
    );
  }

  /** The truncation order K (the number of coefficients minus one). */
  get order(): number {
    return this.coefficients.length - 1;
  }

  /** Returns the k-th derivative u^(k) = k! u_k. */
  derivative(k: number): Scalar {
    if (!Number.isInteger(k) || k < 0 || k > this.order) {
      throw new RangeError(
        `Taylor.derivative: k must be an integer in [0, ${this.order}], received ${describeValue(k)}`,
      );
    }
    return timesFactorial(this.coefficients[k], k);
  }

  /** Returns [u, u', ..., u^(K)]. */
  derivatives(): Scalar[] {
    return this.coefficients.map((c, k) => timesFactorial(c, k));
  }

  kindName(): string {
    return `Taylor of order ${this.order}`;
  }

  valuePart(): Scalar {
    return this.coefficients[0];
  }

  withValue(value: Scalar): Taylor {
    const coefficients = this.coefficients.slice();
    coefficients[0] = value;
    return new Taylor(coefficients, this.tag);
  }

  map(fn: (component: Scalar) => Scalar): Taylor {
    return new Taylor(this.coefficients.map(fn), this.tag);
  }

  liftConstant(s: Scalar): Taylor {
    const coefficients: Scalar[] = [s];
    for (let k = 1; k <= this.order; k++) {
      coefficients.push(0);
    }
    return new Taylor(coefficients, this.tag);
  }

  addSameTag(other: AdValue): Taylor {
    const v = this.matching("add", other);
    return new Taylor(
      this.coefficients.map((u, k) => add(u, v[k])),
      this.tag,
    );
  }

  subSameTag(other: AdValue): Taylor {
    const v = this.matching("sub", other);
    return new Taylor(
      this.coefficients.map((u, k) => sub(u, v[k])),
      this.tag,
    );
  }

  mulSameTag(other: AdValue): Taylor {
    const v = this.matching("mul", other);
    // (uv)_k = sum_{j=0}^{k} u_j v_{k-j}
    const u = this.coefficients;
    return new Taylor(
      u.map((_, k) => cauchy(u, v, k)),
      this.tag,
    );
  }

  divSameTag(other: AdValue): Taylor {
    const v = this.matching("div", other);
    // w = u / v solves u = w v: w_k = (u_k - sum_{j=0}^{k-1} w_j v_{k-j}) / v_0
    const u = this.coefficients;
    const w: Scalar[] = [];
    for (let k = 0; k <= this.order; k++) {
      w.push(div(sub(u[k], cauchy(w, v, k, 0, k - 1)), v[0]));
    }
    return new Taylor(w, this.tag);
  }

  powSameTag(exponent: AdValue): Scalar {
    const b = this.matching("pow", exponent);
    if (b.every((bk, k) => k === 0 || bk === 0)) {
      return this.applyRule(powerRule(b[0]));
    }
    const a = this.coefficients;
    if (a.every((ak, k) => k === 0 || ak === 0)) {
      return (exponent as Taylor).applyRule(exponentialRule(a[0]));
    }

    // w = a^b = exp(b ln a), so w' = (b ln a)' w. NOTE: at a_0 = 0 the series of ln a is
    // infinite and every coefficient past w_0 is NaN or infinite, while the Dual and HyperDual
    // kinds apply the convention a^b ln a = 0 there.
    const logA = (log(this) as Taylor).coefficients;
    const exponentTimesLog = a.map((_, k) => cauchy(b, logA, k));
    const w: Scalar[] = [pow(a[0], b[0])];
    for (let k = 1; k <= this.order; k++) {
      w.push(integrateProduct(exponentTimesLog, w, k));
    }
    return new Taylor(w, this.tag);
  }

  applyRule(rule: UnaryRule): Taylor {
    const u = this.coefficients;
    if (rule.singular?.(primal(u[0])) && rule.series) {
      return new Taylor(compose(rule.series(u[0], this.order), u), this.tag);
    }
    return new Taylor(rule.taylor(u), this.tag);
  }

  /** Returns the other jet's coefficients, or throws when the orders differ. */
  private matching(name: string, other: AdValue): readonly Scalar[] {
    const v = (other as Taylor).coefficients;
    if (v.length !== this.coefficients.length) {
      throw new RangeError(
        `${name}: Taylor jets with tag ${this.tag} have orders ${this.order} and ${v.length - 1}, ` +
          "expected equal orders; seed every jet of one perturbation with the same order",
      );
    }
    return v;
  }

  /** Returns a readable form such as `Taylor#5[1, 2, 0.5]` (normalised coefficients). */
  override toString(): string {
    return `Taylor#${this.tag}[${this.coefficients.map(String).join(", ")}]`;
  }
}
