// Partial derivatives of a^b in both arguments, with the conventions at base 0.

import { add, mul, sub } from "./arith.js";
import { log } from "./elementary.js";
import { pow } from "./pow.js";
import { primal, type Scalar } from "./scalar.js";

/** The value of a^b and its partial derivatives (second partials only when requested). */
export interface PowPartials {
  value: Scalar;
  da: Scalar;
  db: Scalar;
  daa: Scalar;
  dab: Scalar;
  dbb: Scalar;
}

/**
 * Returns c p, or 0 when c is exactly 0 and p is infinite. A zero coefficient such as b in
 * b a^(b-1) at b = 0 means the term is absent (a^0 is the constant 1), not 0 times a pole.
 */
export function timesUnlessZero(c: Scalar, p: Scalar): Scalar {
  if (primal(c) === 0 && !Number.isFinite(primal(p))) {
    return 0;
  }
  return mul(c, p);
}

/**
 * Returns p ln(a), taken as 0 when p == 0: the a^b ln(a) terms vanish where a^b underflows or
 * a = 0 with b > 0, which matches the limit a^b ln(a) -> 0 as a -> 0+.
 */
export function timesLogUnlessZero(p: Scalar, a: Scalar): Scalar {
  return primal(p) === 0 ? 0 : mul(p, log(a));
}

/**
 * Returns a^b and its partials:
 * d/da = b a^(b-1), d/db = a^b ln a, d2/da2 = b (b-1) a^(b-2),
 * d2/da db = a^(b-1) (1 + b ln a), d2/db2 = a^b (ln a)^2.
 */
export function bivariatePowPartials(a: Scalar, b: Scalar, withSecond: boolean): PowPartials {
  const value = pow(a, b);
  const lowered = pow(a, sub(b, 1));
  const da = timesUnlessZero(b, lowered);
  const db = timesLogUnlessZero(value, a);
  if (!withSecond) {
    return { value, da, db, daa: 0, dab: 0, dbb: 0 };
  }

  const daa = timesUnlessZero(mul(b, sub(b, 1)), pow(a, sub(b, 2)));
  const dab = add(lowered, mul(b, timesLogUnlessZero(lowered, a)));
  const dbb = primal(value) === 0 ? 0 : mul(db, log(a));
  return { value, da, db, daa, dab, dbb };
}
