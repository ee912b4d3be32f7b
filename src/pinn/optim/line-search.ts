// A strong-Wolfe line search: bracketing, then zoom with safeguarded cubic interpolation.

import { dot, firstNonFiniteIndex, type Objective } from "./objective.js";

/** Constants of the strong Wolfe conditions, 0 < c1 < c2 < 1. */
export interface LineSearchOptions {
  /** Sufficient decrease: f(x + a p) <= f(x) + c1 a ∇f(x)·p (default 1e-4). */
  c1?: number;
  /** Curvature: |∇f(x + a p)·p| <= c2 |∇f(x)·p| (default 0.9, the usual quasi-Newton choice). */
  c2?: number;
  /** Objective evaluations allowed in one search (default 25). */
  maxEvaluations?: number;
}

/**
 * The outcome of a line search:
 * - `wolfe`: the step satisfies both strong Wolfe conditions.
 * - `sufficient-decrease`: the evaluations ran out, so the step satisfies sufficient decrease
 *   only (its curvature pair may fail the L-BFGS curvature test).
 * - `failed`: no trial step decreased the loss, so the step is 0.
 */
export type LineSearchStatus = "wolfe" | "sufficient-decrease" | "failed";

/** Outcome of a search. For a step > 0 the point and its gradient are in `bestTheta` and `bestGrad` of the buffers. */
export interface LineSearchResult {
  step: number;
  loss: number;
  status: LineSearchStatus;
  evaluations: number;
  /** True when a trial point returned a non-finite loss or gradient. */
  sawNonFinite: boolean;
}

/** Work buffers of the parameter length, reused across searches. */
export interface LineSearchBuffers {
  trialTheta: Float64Array;
  trialGrad: Float64Array;
  bestTheta: Float64Array;
  bestGrad: Float64Array;
}

/** Creates the work buffers for parameter vectors of length `size`. */
export function createLineSearchBuffers(size: number): LineSearchBuffers {
  return {
    trialTheta: new Float64Array(size),
    trialGrad: new Float64Array(size),
    bestTheta: new Float64Array(size),
    bestGrad: new Float64Array(size),
  };
}

/** A trial step a with φ(a) = f(x + a p) and φ'(a) = ∇f(x + a p)·p; NaN when non-finite. */
export interface LineSearchPoint {
  step: number;
  loss: number;
  slope: number;
}

// The zoom interval is treated as collapsed below this relative width: about 5 ulps of the step.
const RELATIVE_INTERVAL_FLOOR = 1e-15;

// Cubic trial points are kept at least this fraction of the interval away from either end, so
// each zoom step removes at least 10% of the interval.
const INTERPOLATION_MARGIN = 0.1;

// Extrapolation grows the step by at least 1 and at most 8 times the last increment.
const MIN_GROWTH = 1;
const MAX_GROWTH = 8;

/**
 * Searches along the descent direction `direction` from `theta` (loss `loss`, gradient `grad`)
 * for a step satisfying the strong Wolfe conditions (Nocedal & Wright, Numerical Optimization,
 * 2nd ed., chapter 3). Every accepted step satisfies sufficient decrease, so the
 * loss never increases. A trial point with a non-finite loss or gradient is treated as a step
 * that is too long: the search shrinks towards the last finite point.
 */
export function strongWolfeLineSearch(
  objective: Objective,
  theta: Float64Array,
  loss: number,
  grad: Float64Array,
  direction: Float64Array,
  initialStep: number,
  buffers: LineSearchBuffers,
  options: LineSearchOptions = {},
): LineSearchResult {
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;
  const maxEvaluations = options.maxEvaluations ?? 25;
  const slope0 = dot(grad, direction);
  if (!(slope0 < 0)) {
    throw new RangeError(
      `strongWolfeLineSearch: direction must be a descent direction (grad·direction < 0), received grad·direction = ${slope0}. Pass −H·grad for a positive definite H`,
    );
  }

  let evaluations = 0;
  let sawNonFinite = false;

  const evaluate = (step: number): LineSearchPoint => {
    const { trialTheta, trialGrad } = buffers;
    for (let i = 0; i < theta.length; i++) {
      trialTheta[i] = theta[i] + step * direction[i];
    }
    const value = objective(trialTheta, trialGrad);
    evaluations++;
    const slope = dot(trialGrad, direction);
    if (!Number.isFinite(value) || firstNonFiniteIndex(trialGrad) >= 0 || !Number.isFinite(slope)) {
      sawNonFinite = true;
      return { step, loss: Number.NaN, slope: Number.NaN };
    }
    return { step, loss: value, slope };
  };

  // Copies the current trial point into `best`; called for every point that becomes `lo`.
  const keep = (): void => {
    buffers.bestTheta.set(buffers.trialTheta);
    buffers.bestGrad.set(buffers.trialGrad);
  };

  const decreasesEnough = (trial: LineSearchPoint): boolean =>
    trial.loss <= loss + c1 * trial.step * slope0;
  const curvatureHolds = (trial: LineSearchPoint): boolean => Math.abs(trial.slope) <= -c2 * slope0;

  const finish = (point: LineSearchPoint, status: LineSearchStatus): LineSearchResult => {
    if (point.step === 0) {
      return { step: 0, loss, status: "failed", evaluations, sawNonFinite };
    }
    return { step: point.step, loss: point.loss, status, evaluations, sawNonFinite };
  };

  // Zoom on an interval that contains a strong-Wolfe step. `lo` is the lowest point so far that
  // satisfies sufficient decrease, and `hi` is its other end (possibly a non-finite point).
  const zoom = (lo: LineSearchPoint, hi: LineSearchPoint): LineSearchResult => {
    for (;;) {
      const width = Math.abs(hi.step - lo.step);
      const scale = Math.max(Math.abs(lo.step), Math.abs(hi.step));
      if (evaluations >= maxEvaluations || width <= RELATIVE_INTERVAL_FLOOR * scale) {
        return finish(lo, "sufficient-decrease");
      }

      const trial = evaluate(interpolateInside(lo, hi));
      if (Number.isNaN(trial.loss)) {
        hi = trial;
        continue;
      }
      if (!decreasesEnough(trial) || trial.loss >= lo.loss) {
        hi = trial;
        continue;
      }

      keep();
      if (curvatureHolds(trial)) {
        return finish(trial, "wolfe");
      }
      if (trial.slope * (hi.step - lo.step) >= 0) {
        hi = lo;
      }
      lo = trial;
    }
  };

  // Bracketing: grow the step until it overshoots (loss up or slope up) or satisfies Wolfe.
  let previous: LineSearchPoint = { step: 0, loss, slope: slope0 };
  let step = initialStep;
  for (;;) {
    if (evaluations >= maxEvaluations) {
      return finish(previous, "sufficient-decrease");
    }

    const trial = evaluate(step);
    if (Number.isNaN(trial.loss) || !decreasesEnough(trial) || trial.loss >= previous.loss) {
      return zoom(previous, trial);
    }

    keep();
    if (curvatureHolds(trial)) {
      return finish(trial, "wolfe");
    }
    if (trial.slope >= 0) {
      return zoom(trial, previous);
    }

    step = extrapolate(previous, trial);
    previous = trial;
  }
}

/**
 * Returns the minimiser of the cubic through (a, φ(a), φ'(a)) and (b, φ(b), φ'(b))
 * (Nocedal & Wright, chapter 3), or NaN when the cubic has no real minimiser.
 */
export function cubicMinimizer(a: LineSearchPoint, b: LineSearchPoint): number {
  const d1 = a.slope + b.slope - (3 * (a.loss - b.loss)) / (a.step - b.step);
  const radicand = d1 * d1 - a.slope * b.slope;
  if (!(radicand >= 0)) {
    return Number.NaN;
  }
  const d2 = Math.sign(b.step - a.step) * Math.sqrt(radicand);
  return b.step - ((b.step - a.step) * (b.slope + d2 - d1)) / (b.slope - a.slope + 2 * d2);
}

/** Picks a zoom trial inside (lo, hi): the cubic minimiser kept off the ends, else the midpoint. */
function interpolateInside(lo: LineSearchPoint, hi: LineSearchPoint): number {
  const left = Math.min(lo.step, hi.step);
  const right = Math.max(lo.step, hi.step);
  const margin = INTERPOLATION_MARGIN * (right - left);
  const midpoint = left + 0.5 * (right - left);
  if (Number.isNaN(hi.loss)) {
    return midpoint;
  }

  const guess = cubicMinimizer(lo, hi);
  if (!Number.isFinite(guess)) {
    return midpoint;
  }
  return Math.min(Math.max(guess, left + margin), right - margin);
}

/** Picks the next bracketing step beyond `current` from the cubic through both points. */
function extrapolate(previous: LineSearchPoint, current: LineSearchPoint): number {
  const increment = current.step - previous.step;
  const lower = current.step + MIN_GROWTH * increment;
  const upper = current.step + MAX_GROWTH * increment;
  const guess = cubicMinimizer(previous, current);
  if (!Number.isFinite(guess)) {
    return upper;
  }
  return Math.min(Math.max(guess, lower), upper);
}
