// Building blocks of the Taylor recurrences on normalised coefficients u_k = u^(k)/k!.

import { add, div, mul, sub } from "./arith.js";
import type { Scalar } from "./scalar.js";

/** Returns sum_{j=from}^{to} u_j v_{k-j}, one coefficient of a Cauchy product. */
export function cauchy(
  u: readonly Scalar[],
  v: readonly Scalar[],
  k: number,
  from = 0,
  to = k,
): Scalar {
  let sum: Scalar = 0;
  for (let j = from; j <= to; j++) {
    sum = add(sum, mul(u[j], v[k - j]));
  }
  return sum;
}

/**
 * Returns w_k for w' = z u', where z_0..z_{k-1} are known:
 * k w_k = sum_{j=1}^{k} j u_j z_{k-j}.
 */
export function integrateProduct(u: readonly Scalar[], z: readonly Scalar[], k: number): Scalar {
  let sum: Scalar = 0;
  for (let j = 1; j <= k; j++) {
    sum = add(sum, mul(mul(j, u[j]), z[k - j]));
  }
  return div(sum, k);
}

/**
 * Returns w_k for q w' = u', where w_1..w_{k-1} and q_0..q_{k-1} are known:
 * k q_0 w_k = k u_k - sum_{i=1}^{k-1} (k - i) q_i w_{k-i}.
 */
export function integrateQuotient(
  u: readonly Scalar[],
  q: readonly Scalar[],
  w: readonly Scalar[],
  k: number,
): Scalar {
  let sum: Scalar = mul(k, u[k]);
  for (let i = 1; i < k; i++) {
    sum = sub(sum, mul(mul(k - i, q[i]), w[k - i]));
  }
  return div(sum, mul(k, q[0]));
}

/**
 * Returns the coefficients of f(u) from c_k = f^(k)(u_0)/k! by summing c_k (u - u_0)^k.
 * Only the entries m >= k of (u - u_0)^k are used: the lower ones are structural zeros, and
 * skipping them keeps an infinite c_k (a singular point) from turning them into NaN.
 */
export function compose(c: readonly Scalar[], u: readonly Scalar[]): Scalar[] {
  const order = u.length - 1;
  const w: Scalar[] = [c[0]];
  for (let m = 1; m <= order; m++) {
    w.push(0);
  }
  const delta: Scalar[] = u.slice();
  delta[0] = 0;
  let power: Scalar[] = delta.slice();
  for (let k = 1; k <= order; k++) {
    for (let m = k; m <= order; m++) {
      w[m] = add(w[m], mul(c[k], power[m]));
    }
    power = shiftedProduct(power, delta, k + 1);
  }
  return w;
}

/** Returns the Cauchy product of a and b where entries below `lowest` are known zeros. */
function shiftedProduct(a: readonly Scalar[], b: readonly Scalar[], lowest: number): Scalar[] {
  const product: Scalar[] = [];
  for (let m = 0; m < a.length; m++) {
    product.push(m < lowest ? 0 : cauchy(a, b, m, lowest - 1, m - 1));
  }
  return product;
}

/** Returns binom(p, k) = p (p - 1) ... (p - k + 1) / k! for a Scalar p. */
export function binomial(p: Scalar, k: number): Scalar {
  let result: Scalar = 1;
  for (let i = 0; i < k; i++) {
    result = div(mul(result, sub(p, i)), i + 1);
  }
  return result;
}

const FACTORIALS: number[] = [1];
for (let k = 1; k <= 170; k++) {
  FACTORIALS.push(FACTORIALS[k - 1] * k);
}

/**
 * Returns c k!, converting a normalised coefficient to a derivative. Above k = 170, where k!
 * overflows, the factors are applied one at a time so that a small c still gives a finite result.
 */
export function timesFactorial(c: Scalar, k: number): Scalar {
  if (k <= 170) {
    return mul(c, FACTORIALS[k]);
  }
  let result = c;
  for (let i = 2; i <= k; i++) {
    result = mul(result, i);
  }
  return result;
}

/** Returns d / k!, converting a derivative to a normalised coefficient. */
export function overFactorial(d: Scalar, k: number): Scalar {
  if (k <= 170) {
    return div(d, FACTORIALS[k]);
  }
  let result = d;
  for (let i = 2; i <= k; i++) {
    result = div(result, i);
  }
  return result;
}
