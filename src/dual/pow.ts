// Powers and roots on Scalars: integer powers by repeated squaring, real powers by rule.

import { add, div, mul, sub } from "./arith.js";
import { log } from "./elementary.js";
import { liftRule, type UnaryRule } from "./rule.js";
import { type AdValue, nanLike, primal, type Scalar, tagOf } from "./scalar.js";
import { binomial, cauchy, integrateProduct } from "./series.js";

/** Returns the coefficients of sqrt(v) for v_0 > 0, from w² = v. */
export function sqrtSeriesRegular(v: readonly Scalar[]): Scalar[] {
  const w: Scalar[] = [sqrt(v[0])];
  for (let k = 1; k < v.length; k++) {
    // w_k = (v_k - sum_{j=1}^{k-1} w_j w_{k-j}) / (2 w_0)
    w.push(div(sub(v[k], cauchy(w, w, k, 1, k - 1)), mul(2, w[0])));
  }
  return w;
}

/** Returns f^(k)(x0)/k! = binom(p, k) x0^(p-k) for f(x) = x^p, k = 0..order. */
function powerSeries(x0: Scalar, p: Scalar, order: number): Scalar[] {
  const c: Scalar[] = [];
  for (let k = 0; k <= order; k++) {
    c.push(mul(binomial(p, k), pow(x0, sub(p, k))));
  }
  return c;
}

const SQRT: UnaryRule = {
  name: "sqrt",
  apply: sqrt,
  // d sqrt(x) = dx / (2 sqrt(x))
  first: (_x, y) => div(0.5, y),
  // sqrt''(x) = -1 / (4 x^(3/2)) = -sqrt'(x) / (2x)
  second: (x, _y, y1) => div(mul(-0.5, y1), x),
  taylor: (u) => sqrtSeriesRegular(u),
  singular: (x) => x === 0,
  series: (x0, order) => {
    const c = powerSeries(x0, 0.5, order);
    c[0] = sqrt(x0);
    return c;
  },
};

/**
 * Returns sqrt(x). Domain: x >= 0. At 0 the value is 0 and the derivative +Infinity, so
 * sqrt(x²) at x = 0 has derivative 0 * Infinity = NaN. x < 0 gives NaN in every component.
 */
export function sqrt(x: Scalar): Scalar {
  return typeof x === "number" ? Math.sqrt(x) : liftRule(SQRT, x);
}

/** Returns the rule of x^p for an exponent p that does not vary with x (a lower tag or a number). */
export function powerRule(p: Scalar): UnaryRule {
  return {
    name: "pow",
    apply: (x) => pow(x, p),
    // d x^p = p x^(p-1) dx
    first: (x) => mul(p, pow(x, sub(p, 1))),
    second: (x) => mul(mul(p, sub(p, 1)), pow(x, sub(p, 2))),
    // u w' = p u' w, so k u_0 w_k = sum_{j=1}^{k} (p j - (k - j)) u_j w_{k-j}
    taylor: (u) => {
      const w: Scalar[] = [pow(u[0], p)];
      for (let k = 1; k < u.length; k++) {
        let sum: Scalar = 0;
        for (let j = 1; j <= k; j++) {
          sum = add(sum, mul(mul(sub(mul(p, j), k - j), u[j]), w[k - j]));
        }
        w.push(div(sum, mul(k, u[0])));
      }
      return w;
    },
    singular: (x) => x === 0,
    series: (x0, order) => powerSeries(x0, p, order),
  };
}

/** Returns ln(a) for the derivative of a^x, or 0 where y = a^x is 0 (the a^x ln a -> 0 limit). */
function logFactor(a: Scalar, y: Scalar): Scalar {
  return primal(y) === 0 ? 0 : log(a);
}

/** Returns the rule of a^x for a base a that does not vary with x (a lower tag or a number). */
export function exponentialRule(a: Scalar): UnaryRule {
  return {
    name: "pow",
    apply: (x) => pow(a, x),
    // d a^x = a^x ln(a) dx, with a^x ln(a) taken as 0 where a^x == 0
    first: (_x, y) => mul(logFactor(a, y), y),
    second: (_x, y) => {
      const l = logFactor(a, y);
      return mul(mul(l, l), y);
    },
    // w' = ln(a) w u'
    taylor: (u) => {
      const w: Scalar[] = [pow(a, u[0])];
      const l = logFactor(a, w[0]);
      const z: Scalar[] = [mul(l, w[0])];
      for (let k = 1; k < u.length; k++) {
        w.push(integrateProduct(u, z, k));
        z.push(mul(l, w[k]));
      }
      return w;
    },
  };
}

/**
 * Returns x^n for an integer n by repeated squaring. Only products are formed, so every
 * derivative is exact at x = 0: x^0 is the constant 1, and the k-th derivative of x^n at 0 is
 * n! when k == n and 0 otherwise. A negative n divides 1 by x^|n|.
 */
function integerPower(x: Exclude<Scalar, number>, n: number): Scalar {
  if (n === 0) {
    return x.liftConstant(1);
  }
  let remaining = Math.abs(n);
  let square: Scalar = x;
  let result: Scalar | null = null;
  while (remaining > 0) {
    if (remaining % 2 === 1) {
      result = result === null ? square : mul(result, square);
    }
    remaining = Math.floor(remaining / 2);
    if (remaining > 0) {
      square = mul(square, square);
    }
  }
  const power = result as Scalar;
  return n > 0 ? power : div(1, power);
}

/**
 * Returns base^exponent. Base and exponent may both be AD values.
 * - Integer number exponent: repeated squaring, exact at base 0 in every kind (d/dx x^2 = 0
 *   and d/dx x^0 = 0 at x = 0). On plain numbers the value is `**`. On AD values it is a
 *   product of squares, which can differ from `**` by a few ulps for large n.
 * - Negative integer n at base 0: the value is 1 / 0 = +Infinity (±Infinity at -0). For
 *   n <= -2 every derivative is NaN, because the tangents of x^|n| at 0 are computed zeros
 *   and the quotient rule divides 0 * Infinity by 0. For n = -1 the first derivative is
 *   -Infinity, `hessian` gives +Infinity (limits from the right) and a Taylor jet gives NaN
 *   from order 2. No derivative is ever finite there.
 * - Real exponent p: d x^p = p x^(p-1) dx. At base 0: d/dx x^1.875 = 0 and d/dx x^0.5 = +Infinity.
 *   A negative base gives NaN in every component.
 * - AD exponent: d a^b = b a^(b-1) da + a^b ln(a) db, where a^b ln(a) is taken as 0 when
 *   a^b == 0 (so d/db a^b at a = 0, b > 0 is 0; at (2, 1) it is 2 ln 2). A negative base
 *   gives NaN derivatives.
 */
export function pow(base: Scalar, exponent: Scalar): Scalar {
  if (typeof exponent === "number") {
    if (typeof base === "number") {
      return base ** exponent;
    }
    if (Number.isInteger(exponent)) {
      return integerPower(base, exponent);
    }
    return liftRule(powerRule(exponent), base);
  }

  const baseTag = tagOf(base);
  const exponentTag = tagOf(exponent);
  if (baseTag > exponentTag) {
    return liftRule(powerRule(exponent), base as AdValue);
  }
  if (exponentTag > baseTag) {
    return liftRule(exponentialRule(base), exponent);
  }
  const a = base as AdValue;
  if (a.constructor !== exponent.constructor) {
    throw new TypeError(
      `pow: base and exponent share tag ${a.tag} but are a ${a.kindName()} and a ` +
        `${exponent.kindName()}; give each perturbation its own tag with newTag()`,
    );
  }
  const y = a.powSameTag(exponent);
  return Number.isNaN(primal(y)) ? nanLike(y) : y;
}
