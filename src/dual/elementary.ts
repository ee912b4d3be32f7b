// Smooth elementary functions on Scalars: each value rule sits beside its derivative rules.

import { add, div, mul, neg, sub } from "./arith.js";
import { sqrt, sqrtSeriesRegular } from "./pow.js";
import { liftRule, type UnaryRule } from "./rule.js";
import { primal, type Scalar } from "./scalar.js";
import { cauchy, integrateProduct, integrateQuotient } from "./series.js";

// Conventions shared by every function in this file:
// - A NaN value fills every component with NaN (outside the domain, or a NaN input).
// - ±Infinity follows IEEE arithmetic through the rule, e.g. exp(-Infinity) = 0 with
//   derivative 0, tanh(±Infinity) = ±1 with derivative 0, sin(±Infinity) = NaN.
// - A rule multiplies f'(x) by the tangent even when the tangent is 0, so an infinite f'(x)
//   times a stored or computed zero tangent is NaN (IEEE 0 * Infinity). The helpers in
//   derivative.ts store no tangent for an input they do not differentiate, so a singular term
//   in another input leaves that partial exact.

const EXP: UnaryRule = {
  name: "exp",
  apply: exp,
  // d exp(x) = exp(x) dx
  first: (_x, y) => y,
  second: (_x, y) => y,
  // w' = w u'
  taylor: (u) => {
    const w: Scalar[] = [exp(u[0])];
    for (let k = 1; k < u.length; k++) {
      w.push(integrateProduct(u, w, k));
    }
    return w;
  },
};

/** Returns e^x. Domain: every real x; exp(-Infinity) = 0 with derivative 0. */
export function exp(x: Scalar): Scalar {
  return typeof x === "number" ? Math.exp(x) : liftRule(EXP, x);
}

const LOG: UnaryRule = {
  name: "log",
  apply: log,
  // d log(x) = dx / x
  first: (x) => div(1, x),
  second: (_x, _y, y1) => neg(mul(y1, y1)),
  // u w' = u'
  taylor: (u) => {
    const w: Scalar[] = [log(u[0])];
    for (let k = 1; k < u.length; k++) {
      w.push(integrateQuotient(u, u, w, k));
    }
    return w;
  },
  singular: (x) => x === 0,
  // log^(k)(x)/k! = (-1)^(k+1) / (k x^k), infinite at x = 0
  series: (x0, order) => {
    const c: Scalar[] = [log(x0)];
    let power: Scalar = 1;
    for (let k = 1; k <= order; k++) {
      power = mul(power, x0);
      c.push(div((k % 2 === 1 ? 1 : -1) / k, power));
    }
    return c;
  },
};

/**
 * Returns the natural logarithm. Domain: x > 0. At x = 0 the value is -Infinity with
 * derivative +Infinity. Higher derivatives are NaN from a HyperDual or Taylor seed, whose
 * stored zeros meet infinite factors, and the limit -Infinity from `hessian`. x < 0 gives NaN
 * in every component.
 */
export function log(x: Scalar): Scalar {
  return typeof x === "number" ? Math.log(x) : liftRule(LOG, x);
}

/** Returns the coefficients of sin(u) and cos(u) together: s' = c u', c' = -s u'. */
function sinCosSeries(u: readonly Scalar[]): [Scalar[], Scalar[]] {
  const s: Scalar[] = [sin(u[0])];
  const c: Scalar[] = [cos(u[0])];
  for (let k = 1; k < u.length; k++) {
    s.push(integrateProduct(u, c, k));
    c.push(neg(integrateProduct(u, s, k)));
  }
  return [s, c];
}

const SIN: UnaryRule = {
  name: "sin",
  apply: sin,
  // d sin(x) = cos(x) dx, calling cos directly: a phase shift such as sin(pi/2 - x) loses
  // every digit once pi/2 is below ulp(x).
  first: (x) => cos(x),
  second: (_x, y) => neg(y),
  taylor: (u) => sinCosSeries(u)[0],
};

/** Returns sin(x). Domain: every finite x; sin(±Infinity) = NaN. */
export function sin(x: Scalar): Scalar {
  return typeof x === "number" ? Math.sin(x) : liftRule(SIN, x);
}

const COS: UnaryRule = {
  name: "cos",
  apply: cos,
  // d cos(x) = -sin(x) dx
  first: (x) => neg(sin(x)),
  second: (_x, y) => neg(y),
  taylor: (u) => sinCosSeries(u)[1],
};

/** Returns cos(x). Domain: every finite x; cos(±Infinity) = NaN. */
export function cos(x: Scalar): Scalar {
  return typeof x === "number" ? Math.cos(x) : liftRule(COS, x);
}

const TAN: UnaryRule = {
  name: "tan",
  apply: tan,
  // d tan(x) = (1 + tan²(x)) dx
  first: (_x, y) => add(1, mul(y, y)),
  second: (_x, y, y1) => mul(mul(2, y), y1),
  // w' = (1 + w²) u'
  taylor: (u) => {
    const w: Scalar[] = [tan(u[0])];
    const z: Scalar[] = [add(1, mul(w[0], w[0]))];
    for (let k = 1; k < u.length; k++) {
      w.push(integrateProduct(u, z, k));
      z.push(cauchy(w, w, k));
    }
    return w;
  },
};

/** Returns tan(x). Domain: every finite x (no double is an odd multiple of pi/2). */
export function tan(x: Scalar): Scalar {
  return typeof x === "number" ? Math.tan(x) : liftRule(TAN, x);
}

/** Returns sech²(x) = 1 / cosh²(x), accurate where 1 - tanh²(x) would cancel. */
function sechSquared(x: Scalar): Scalar {
  const c = cosh(x);
  return div(1, mul(c, c));
}

const TANH: UnaryRule = {
  name: "tanh",
  apply: tanh,
  // d tanh(x) = sech²(x) dx
  first: (x) => sechSquared(x),
  second: (_x, y, y1) => mul(mul(-2, y), y1),
  // w' = (1 - w²) u'
  taylor: (u) => {
    const w: Scalar[] = [tanh(u[0])];
    const z: Scalar[] = [sechSquared(u[0])];
    for (let k = 1; k < u.length; k++) {
      w.push(integrateProduct(u, z, k));
      z.push(neg(cauchy(w, w, k)));
    }
    return w;
  },
};

/** Returns tanh(x). Domain: every real x; tanh(±Infinity) = ±1 with derivative 0. */
export function tanh(x: Scalar): Scalar {
  return typeof x === "number" ? Math.tanh(x) : liftRule(TANH, x);
}

const SIGMOID: UnaryRule = {
  name: "sigmoid",
  apply: sigmoid,
  // d s(x) = s(x) s(-x) dx, and s'' = s' (1 - 2 s) = -s' tanh(x/2) without cancellation
  first: (x, y) => mul(y, sigmoid(neg(x))),
  second: (x, _y, y1) => neg(mul(y1, tanh(div(x, 2)))),
  // w' = w (1 - w) u'
  taylor: (u) => {
    const w: Scalar[] = [sigmoid(u[0])];
    const z: Scalar[] = [mul(w[0], sigmoid(neg(u[0])))];
    const oneMinusTwoW0 = neg(tanh(div(u[0], 2)));
    for (let k = 1; k < u.length; k++) {
      w.push(integrateProduct(u, z, k));
      // z_k = w_k - sum_{i=0}^{k} w_i w_{k-i} = w_k (1 - 2 w_0) - sum_{i=1}^{k-1} w_i w_{k-i}
      z.push(sub(mul(w[k], oneMinusTwoW0), cauchy(w, w, k, 1, k - 1)));
    }
    return w;
  },
};

/**
 * Returns the logistic sigmoid 1 / (1 + e^-x), computed without overflow for large |x|.
 * Domain: every real x; sigmoid(±Infinity) = 1 or 0 with derivative 0.
 */
export function sigmoid(x: Scalar): Scalar {
  if (typeof x === "number") {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    const e = Math.exp(x);
    return e / (1 + e);
  }
  return liftRule(SIGMOID, x);
}

/** Returns the coefficients of sinh(u) and cosh(u) together: s' = c u', c' = s u'. */
function sinhCoshSeries(u: readonly Scalar[]): [Scalar[], Scalar[]] {
  const s: Scalar[] = [sinh(u[0])];
  const c: Scalar[] = [cosh(u[0])];
  for (let k = 1; k < u.length; k++) {
    s.push(integrateProduct(u, c, k));
    c.push(integrateProduct(u, s, k));
  }
  return [s, c];
}

const SINH: UnaryRule = {
  name: "sinh",
  apply: sinh,
  // d sinh(x) = cosh(x) dx
  first: (x) => cosh(x),
  second: (_x, y) => y,
  taylor: (u) => sinhCoshSeries(u)[0],
};

/** Returns sinh(x). Domain: every real x; overflows to ±Infinity beyond |x| ≈ 710. */
export function sinh(x: Scalar): Scalar {
  return typeof x === "number" ? Math.sinh(x) : liftRule(SINH, x);
}

const COSH: UnaryRule = {
  name: "cosh",
  apply: cosh,
  // d cosh(x) = sinh(x) dx
  first: (x) => sinh(x),
  second: (_x, y) => y,
  taylor: (u) => sinhCoshSeries(u)[1],
};

/** Returns cosh(x). Domain: every real x; overflows to +Infinity beyond |x| ≈ 710. */
export function cosh(x: Scalar): Scalar {
  return typeof x === "number" ? Math.cosh(x) : liftRule(COSH, x);
}

const ATAN: UnaryRule = {
  name: "atan",
  apply: atan,
  // d atan(x) = dx / (1 + x²)
  first: (x) => div(1, add(1, mul(x, x))),
  second: (x, _y, y1) => mul(mul(-2, x), mul(y1, y1)),
  // (1 + u²) w' = u'
  taylor: (u) => {
    const q: Scalar[] = u.map((_, k) => cauchy(u, u, k));
    q[0] = add(1, q[0]);
    const w: Scalar[] = [atan(u[0])];
    for (let k = 1; k < u.length; k++) {
      w.push(integrateQuotient(u, q, w, k));
    }
    return w;
  },
};

/** Returns atan(x). Domain: every real x; atan(±Infinity) = ±pi/2 with derivative 0. */
export function atan(x: Scalar): Scalar {
  return typeof x === "number" ? Math.atan(x) : liftRule(ATAN, x);
}

/** Returns 1 / sqrt(1 - x²), with 1 - x² formed as (1 - x)(1 + x) to keep digits near ±1. */
function inverseCosine(x: Scalar): Scalar {
  return div(1, sqrt(mul(sub(1, x), add(1, x))));
}

/** Returns the coefficients of asin(u) - asin(u_0): sqrt(1 - u²) w' = u'. */
function asinIncrements(u: readonly Scalar[]): Scalar[] {
  const v: Scalar[] = u.map((_, k) => neg(cauchy(u, u, k)));
  v[0] = mul(sub(1, u[0]), add(1, u[0]));
  const q = sqrtSeriesRegular(v);
  const w: Scalar[] = [0];
  for (let k = 1; k < u.length; k++) {
    w.push(integrateQuotient(u, q, w, k));
  }
  return w;
}

/**
 * Returns the series of asin (sign +1) or acos (sign -1) at x0 = ±1, where every derivative
 * is infinite: asin^(k) tends to +Infinity at 1 and to (-1)^(k+1) Infinity at -1.
 */
function arcSineEdgeSeries(x0: Scalar, order: number, sign: number, value: Scalar): Scalar[] {
  const c: Scalar[] = [value];
  const atMinusOne = primal(x0) < 0;
  for (let k = 1; k <= order; k++) {
    const edgeSign = atMinusOne && k % 2 === 0 ? -1 : 1;
    c.push(sign * edgeSign * Number.POSITIVE_INFINITY);
  }
  return c;
}

const ASIN: UnaryRule = {
  name: "asin",
  apply: asin,
  // d asin(x) = dx / sqrt(1 - x²)
  first: (x) => inverseCosine(x),
  second: (x, _y, y1) => mul(x, mul(y1, mul(y1, y1))),
  taylor: (u) => {
    const w = asinIncrements(u);
    w[0] = asin(u[0]);
    return w;
  },
  singular: (x) => Math.abs(x) === 1,
  series: (x0, order) => arcSineEdgeSeries(x0, order, 1, asin(x0)),
};

/**
 * Returns asin(x). Domain: -1 <= x <= 1. At ±1 the derivative is +Infinity; |x| > 1 gives
 * NaN in every component.
 */
export function asin(x: Scalar): Scalar {
  return typeof x === "number" ? Math.asin(x) : liftRule(ASIN, x);
}

const ACOS: UnaryRule = {
  name: "acos",
  apply: acos,
  // d acos(x) = -dx / sqrt(1 - x²)
  first: (x) => neg(inverseCosine(x)),
  second: (x, _y, y1) => mul(x, mul(y1, mul(y1, y1))),
  taylor: (u) => {
    const w = asinIncrements(u).map(neg);
    w[0] = acos(u[0]);
    return w;
  },
  singular: (x) => Math.abs(x) === 1,
  series: (x0, order) => arcSineEdgeSeries(x0, order, -1, acos(x0)),
};

/**
 * Returns acos(x). Domain: -1 <= x <= 1. At ±1 the derivative is -Infinity; |x| > 1 gives
 * NaN in every component.
 */
export function acos(x: Scalar): Scalar {
  return typeof x === "number" ? Math.acos(x) : liftRule(ACOS, x);
}
