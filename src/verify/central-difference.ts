// Central differences of orders 1 to 6 with Richardson extrapolation and an error budget.

import { type Tolerance, UNIT_ROUNDOFF } from "./tolerance.js";

/**
 * A symmetric stencil for the k-th derivative: D(h) = Σ_j w_j f(x + j·h) / h^k.
 * Its expansion is even in h, D(h) = f^(k) + C·h²·f^(k+2) + O(h⁴), with
 * C = Σ_j w_j j^(k+2) / (k+2)!, so one Richardson step removes the h² term.
 */
export interface Stencil {
  readonly order: number;
  readonly offsets: readonly number[];
  readonly weights: readonly number[];
  /** C in D(h) − f^(k) = C·h²·f^(k+2) + O(h⁴). */
  readonly truncationConstant: number;
  /** Σ_j |w_j|, the factor by which the stencil amplifies rounding in f. */
  readonly absoluteWeightSum: number;
}

// Second-order central stencils: δ^k f for even k, the averaged μδ^k f for odd k.
const STENCIL_WEIGHTS: readonly (readonly number[])[] = [
  [-1 / 2, 0, 1 / 2],
  [1, -2, 1],
  [-1 / 2, 1, 0, -1, 1 / 2],
  [1, -4, 6, -4, 1],
  [-1 / 2, 2, -5 / 2, 0, 5 / 2, -2, 1 / 2],
  [1, -6, 15, -20, 15, -6, 1],
];

/** Highest derivative order the central differences support. */
export const MAX_DIFFERENCE_ORDER = STENCIL_WEIGHTS.length;

/**
 * Default relative error of one evaluation of f, in units of the unit roundoff: a short
 * expression rounds a few times, and a modest condition number multiplies that. Raise it
 * (`evaluationRoundings`) for long computations such as a network loss.
 */
export const DEFAULT_EVALUATION_ROUNDINGS = 16;

/**
 * Safety factor on the estimated truncation error of the Richardson value. The estimate
 * |R(h) − R(h/2)|/15 is exact to leading order in h; the factor covers the next terms of
 * the expansion when h is not yet small enough for the leading term to dominate.
 */
export const TRUNCATION_SAFETY = 8;

/** Returns the stencil of the given derivative order (1 to MAX_DIFFERENCE_ORDER). */
export function stencil(order: number): Stencil {
  if (!Number.isInteger(order) || order < 1 || order > MAX_DIFFERENCE_ORDER) {
    throw new RangeError(
      `stencil: order must be an integer in [1, ${MAX_DIFFERENCE_ORDER}], received ${String(order)}`,
    );
  }

  const weights = STENCIL_WEIGHTS[order - 1];
  const half = (weights.length - 1) / 2;
  const offsets = weights.map((_, i) => i - half);
  let moment = 0;
  for (let i = 0; i < weights.length; i++) moment += weights[i] * offsets[i] ** (order + 2);

  return {
    order,
    offsets,
    weights,
    truncationConstant: moment / factorial(order + 2),
    absoluteWeightSum: weights.reduce((sum, w) => sum + Math.abs(w), 0),
  };
}

/** Options of `centralDifference`. */
export interface CentralDifferenceOptions {
  /** Base step h; the estimate uses h, h/2 and h/4. Default: see `defaultStep`. */
  step?: number;
  /** Relative error of one evaluation of f, in units of u = 2^-53. Default 16. */
  evaluationRoundings?: number;
  /** Interval where f is defined; the step shrinks so that every sample stays inside. */
  domain?: readonly [number, number];
  /**
   * Absolute error of one evaluation of f on top of the relative one, e.g. from rounding
   * the perturbed arguments. Default 0.
   */
  absoluteEvaluationError?: number;
  /**
   * Largest magnitude of the arguments that f rounds when it adds the offset to them:
   * |x| for f itself (the default), max_k |x_k| for a line t ↦ g(x + t·v). Rounding them
   * perturbs f by up to u·(argumentScale + p·h)·|f'| per evaluation.
   */
  argumentScale?: number;
}

/** A Richardson-extrapolated central difference and the terms of its error budget. */
export interface CentralDifference {
  readonly order: number;
  /** R(h/2) = (4·D(h/4) − D(h/2))/3, the reported estimate of f^(k)(x). */
  readonly estimate: number;
  /** Base step h after any shrinking to fit the domain. */
  readonly step: number;
  /** D(h), D(h/2), D(h/4). */
  readonly differences: readonly [number, number, number];
  /** R(h) and R(h/2), the two Richardson values. */
  readonly richardson: readonly [number, number];
  /** |R(h) − R(h/2)|/15, the leading h⁴ error of R(h/2). */
  readonly truncationEstimate: number;
  /**
   * Bound on the rounding in R(h/2): (4·S(h/4) + S(h/2))/3 with
   * S(s) = Σ_j |w_j|·(δ·|f(x+js)| + e)/s^k, e the absolute evaluation error plus one
   * subnormal per rounding for gradual underflow.
   */
  readonly roundingBound: number;
  /** Number of evaluations of f. */
  readonly evaluations: number;
}

/**
 * Returns the default base step for a k-th derivative: the power of two nearest to
 * 4·δ^(1/(k+4)). The smallest step used, h/4, then balances the h⁴ truncation of the
 * Richardson value against the δ/h^k rounding, for a function that varies on a unit
 * length scale. Pass `step` for a function that varies faster or slower.
 */
export function defaultStep(
  order: number,
  evaluationRoundings = DEFAULT_EVALUATION_ROUNDINGS,
): number {
  const delta = evaluationRoundings * UNIT_ROUNDOFF;
  return 2 ** Math.round(Math.log2(4 * delta ** (1 / (order + 4))));
}

/**
 * Estimates f^(k)(x) by central differences at steps h, h/2, h/4 and one Richardson step.
 * The error budget has two parts: the estimated truncation |R(h) − R(h/2)|/15 and a bound
 * on the rounding of f: δ relative per evaluation, plus the rounding of the arguments.
 */
export function centralDifference(
  f: (x: number) => number,
  x: number,
  order: number,
  options: CentralDifferenceOptions = {},
): CentralDifference {
  const rule = stencil(order);
  if (!Number.isFinite(x)) {
    throw new RangeError(`centralDifference: x must be finite, received ${String(x)}`);
  }
  const roundings = options.evaluationRoundings ?? DEFAULT_EVALUATION_ROUNDINGS;
  const delta = roundings * UNIT_ROUNDOFF;
  const step = fitStep(x, rule, options.step ?? defaultStep(order, roundings), options.domain);

  const levels = [step, step / 2, step / 4].map((h) => applyStencil(f, x, h, rule));

  // Gradual underflow adds up to one subnormal ulp per rounding whatever the magnitude of f.
  // Rounding the argument x + j·h (exact unless it crosses a power of two) moves f by up to
  // u·|x + j·h|·|f'|, with |f'| estimated from the samples at ±h, doubled for its variation.
  const slope = 2 * Math.max(...levels.map((level) => level.slope));
  const reach = rule.offsets[rule.offsets.length - 1] * step;
  const argumentError = UNIT_ROUNDOFF * ((options.argumentScale ?? Math.abs(x)) + reach) * slope;
  const absolute =
    (options.absoluteEvaluationError ?? 0) + roundings * Number.MIN_VALUE + argumentError;
  const rounding = (level: { magnitude: number; weightSum: number }): number =>
    delta * level.magnitude + absolute * level.weightSum;
  const differences = [levels[0].value, levels[1].value, levels[2].value] as const;
  const coarse = (4 * differences[1] - differences[0]) / 3;
  const fine = (4 * differences[2] - differences[1]) / 3;

  return {
    order,
    estimate: fine,
    step,
    differences,
    richardson: [coarse, fine],
    truncationEstimate: Math.abs(coarse - fine) / 15,
    roundingBound: (4 * rounding(levels[2]) + rounding(levels[1])) / 3,
    evaluations: 3 * rule.offsets.length,
  };
}

/**
 * Returns the tolerance for comparing a forward-mode derivative with a central difference:
 * s·|R(h) − R(h/2)|/15 + (4·S(h/4) + S(h/2))/3 + nAD·(u·scale + η), where η is the smallest
 * subnormal, the absolute rounding of gradual underflow.
 */
export function differenceTolerance(
  difference: CentralDifference,
  scale: number,
  adRoundings: number,
): Tolerance {
  const truncation = TRUNCATION_SAFETY * difference.truncationEstimate;
  const ad = adRoundings * (UNIT_ROUNDOFF * scale + Number.MIN_VALUE);
  return {
    value: truncation + difference.roundingBound + ad,
    formula: "s·|R(h)−R(h/2)|/15 + (4·S(h/4)+S(h/2))/3 + nAD·(u·scale + η)",
    terms: {
      s: TRUNCATION_SAFETY,
      h: difference.step,
      truncation,
      rounding: difference.roundingBound,
      nAD: adRoundings,
      scale,
    },
  };
}

function applyStencil(
  f: (x: number) => number,
  x: number,
  h: number,
  rule: Stencil,
): { value: number; magnitude: number; weightSum: number; slope: number } {
  let sum = 0;
  let magnitude = 0;
  let below = 0;
  let above = 0;
  for (let i = 0; i < rule.offsets.length; i++) {
    const w = rule.weights[i];
    if (w === 0) continue;
    const y = f(x + rule.offsets[i] * h);
    sum += w * y;
    magnitude += Math.abs(w * y);
    if (rule.offsets[i] === -1) below = y;
    if (rule.offsets[i] === 1) above = y;
  }
  // Every stencil samples ±h with a nonzero weight, so the slope estimate is always available.
  const slope = Math.abs(above - below) / (2 * h);
  const scale = h ** rule.order;
  return {
    value: sum / scale,
    magnitude: magnitude / scale,
    weightSum: rule.absoluteWeightSum / scale,
    slope,
  };
}

// Halves the step until the widest sample x ± (p·h) lies inside the domain.
function fitStep(
  x: number,
  rule: Stencil,
  step: number,
  domain: readonly [number, number] | undefined,
): number {
  if (!(step > 0) || !Number.isFinite(step)) {
    throw new RangeError(
      `centralDifference: step must be a finite number > 0, received ${String(step)}`,
    );
  }
  if (domain === undefined) return step;

  const [lower, upper] = domain;
  if (!(x > lower && x < upper)) {
    throw new RangeError(
      `centralDifference: x = ${x} must lie inside the open domain (${lower}, ${upper}), because the stencil samples both sides of x`,
    );
  }
  const reach = rule.offsets[rule.offsets.length - 1];
  const room = Math.min(x - lower, upper - x);
  let h = step;
  while (reach * h >= room) h /= 2;
  return h;
}

function factorial(n: number): number {
  let result = 1;
  for (let i = 2; i <= n; i++) result *= i;
  return result;
}
