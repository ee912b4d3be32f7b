// L-BFGS with a strong-Wolfe line search, for a flat parameter vector (alone or after Adam).

import { rejectUnknownKeys } from "../../siren/options.js";
import { LbfgsHistory } from "./lbfgs-history.js";
import {
  createLineSearchBuffers,
  type LineSearchOptions,
  strongWolfeLineSearch,
} from "./line-search.js";
import { dot, firstNonFiniteIndex, maxAbs, type Objective } from "./objective.js";

/** The reason `lbfgs` stopped. */
export type LbfgsTermination =
  /** max |∇f| <= gradientTolerance. */
  | "gradient-tolerance"
  /** (f_prev − f) <= lossChangeTolerance · max(|f_prev|, |f|). */
  | "loss-change-tolerance"
  /** max |step| <= stepTolerance · max(1, max |theta|). */
  | "step-tolerance"
  | "max-iterations"
  | "max-evaluations"
  /**
   * No step along steepest descent decreased the loss: usually at the rounding floor, or when
   * g·g overflows (gradient entries beyond about 1e154).
   */
  | "line-search-failed"
  /** Every trial step that was tried returned a non-finite loss or gradient. */
  | "non-finite"
  /** The callback returned true. */
  | "callback";

/** The state passed to the per-iteration callback. Its arrays are live buffers, so copy them to keep them. */
export interface LbfgsIterationInfo {
  /** Accepted iterations so far (1 on the first call). */
  iteration: number;
  loss: number;
  theta: Float64Array;
  gradient: Float64Array;
  evaluations: number;
  /** Step length along the search direction. */
  step: number;
}

export interface LbfgsOptions {
  /** Curvature pairs kept, m (default 10). */
  historySize?: number;
  /** Accepted iterations allowed (default 100). The result has at most this many. */
  maxIterations?: number;
  /** Objective evaluations allowed in total, including the first (default: no limit). */
  maxEvaluations?: number;
  /** Stop when max |∇f| <= this (default 1e-10). */
  gradientTolerance?: number;
  /** Stop when the relative loss decrease of an iteration is <= this (default 1e-12). */
  lossChangeTolerance?: number;
  /** Stop when max |step| <= this · max(1, max |theta|) (default 1e-16, about half an ulp). */
  stepTolerance?: number;
  lineSearch?: LineSearchOptions;
  /** Called after each accepted iteration; returning true stops with reason "callback". */
  callback?: (info: LbfgsIterationInfo) => boolean | undefined;
}

export interface LbfgsResult {
  /** The best point found: the last accepted iterate (a new array, never the input). */
  theta: Float64Array;
  loss: number;
  gradient: Float64Array;
  iterations: number;
  evaluations: number;
  reason: LbfgsTermination;
  /** Loss at the start, then after each accepted iteration: iterations + 1 entries, non-increasing. */
  lossHistory: number[];
  /** Curvature pairs rejected by the curvature test (y·s too small or negative). */
  skippedPairs: number;
  /** Times the memory was cleared to fall back to steepest descent. */
  resets: number;
}

/**
 * Minimises `objective` from `theta0` by L-BFGS (Nocedal & Wright, Numerical Optimization,
 * 2nd ed., chapter 7) and returns the best point. `theta0` is not modified.
 *
 * Safeguards: each accepted step satisfies sufficient decrease, so the loss never increases.
 * A curvature pair with y·s <= 0 (or y·s tiny next to |y||s|) is skipped. A direction that is
 * not a descent direction, or a failed line search, clears the memory and retries along
 * steepest descent once. Trial points with non-finite values shrink the step. Throws a
 * RangeError when the loss or gradient at `theta0` is not finite.
 */
export function lbfgs(
  objective: Objective,
  theta0: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult {
  const settings = resolveOptions(options);
  checkStart(theta0);

  const size = theta0.length;
  let theta: Float64Array = Float64Array.from(theta0);
  let grad: Float64Array = new Float64Array(size);
  let loss = objective(theta, grad);
  checkStartValue(loss, grad);

  const history = new LbfgsHistory(size, settings.historySize);
  const buffers = createLineSearchBuffers(size);
  const direction = new Float64Array(size);
  const stepVector = new Float64Array(size);
  const gradChange = new Float64Array(size);
  const state = {
    iterations: 0,
    evaluations: 1,
    skippedPairs: 0,
    resets: 0,
    lossHistory: [loss],
  };
  const result = (reason: LbfgsTermination): LbfgsResult => ({
    theta,
    loss,
    gradient: grad,
    reason,
    ...state,
  });

  if (maxAbs(grad) <= settings.gradientTolerance) {
    return result("gradient-tolerance");
  }
  if (settings.maxIterations === 0) {
    return result("max-iterations");
  }

  for (;;) {
    const choice = chooseDirection(history, grad, direction);
    if (choice === "reset") {
      state.resets++;
    }
    if (choice === "no-descent") {
      // g·g underflowed to 0 or overflowed to Infinity, so the slope along −g is unusable.
      return result("line-search-failed");
    }

    const budget = settings.maxEvaluations - state.evaluations;
    if (budget <= 0) {
      return result("max-evaluations");
    }
    const search = strongWolfeLineSearch(
      objective,
      theta,
      loss,
      grad,
      direction,
      initialStep(history, grad),
      buffers,
      { ...settings.lineSearch, maxEvaluations: Math.min(settings.lineSearchEvaluations, budget) },
    );
    state.evaluations += search.evaluations;

    if (search.status === "failed") {
      if (history.length > 0) {
        // The quasi-Newton direction failed: forget the memory and try steepest descent.
        history.clear();
        state.resets++;
        continue;
      }
      if (state.evaluations >= settings.maxEvaluations) {
        return result("max-evaluations");
      }
      return result(search.sawNonFinite ? "non-finite" : "line-search-failed");
    }

    // Accept the step: record the curvature pair, then move to the new point.
    for (let i = 0; i < size; i++) {
      stepVector[i] = buffers.bestTheta[i] - theta[i];
      gradChange[i] = buffers.bestGrad[i] - grad[i];
    }
    if (!history.push(stepVector, gradChange)) {
      state.skippedPairs++;
    }
    const previousLoss = loss;
    [theta, buffers.bestTheta] = [buffers.bestTheta, theta];
    [grad, buffers.bestGrad] = [buffers.bestGrad, grad];
    loss = search.loss;
    state.iterations++;
    state.lossHistory.push(loss);

    const stop = settings.callback?.({
      iteration: state.iterations,
      loss,
      theta,
      gradient: grad,
      evaluations: state.evaluations,
      step: search.step,
    });
    const reason = stop === true ? "callback" : checkConvergence(settings, state, previousLoss);
    if (reason !== null) {
      return result(reason);
    }
  }

  function checkConvergence(
    limits: ResolvedOptions,
    counts: { iterations: number; evaluations: number },
    previousLoss: number,
  ): LbfgsTermination | null {
    if (maxAbs(grad) <= limits.gradientTolerance) {
      return "gradient-tolerance";
    }
    if (
      previousLoss - loss <=
      limits.lossChangeTolerance * Math.max(Math.abs(previousLoss), Math.abs(loss))
    ) {
      return "loss-change-tolerance";
    }
    if (maxAbs(stepVector) <= limits.stepTolerance * Math.max(1, maxAbs(theta))) {
      return "step-tolerance";
    }
    if (counts.iterations >= limits.maxIterations) {
      return "max-iterations";
    }
    if (counts.evaluations >= limits.maxEvaluations) {
      return "max-evaluations";
    }
    return null;
  }
}

/**
 * Writes the L-BFGS direction into `direction`. When that is not a finite descent direction, it
 * clears the memory, writes −grad and returns "reset", or "no-descent" if −grad fails too.
 */
function chooseDirection(
  history: LbfgsHistory,
  grad: Float64Array,
  direction: Float64Array,
): "descent" | "reset" | "no-descent" {
  history.direction(grad, direction);
  if (isDescent(grad, direction)) {
    return "descent";
  }

  const hadPairs = history.length > 0;
  history.clear();
  history.direction(grad, direction);
  if (!isDescent(grad, direction)) {
    return "no-descent";
  }
  return hadPairs ? "reset" : "descent";
}

function isDescent(grad: Float64Array, direction: Float64Array): boolean {
  const slope = dot(grad, direction);
  return slope < 0 && Number.isFinite(slope) && firstNonFiniteIndex(direction) < 0;
}

/**
 * Returns the first trial step: 1 for a quasi-Newton direction, whose scale γ already matches
 * the curvature, and min(1, 1 / |∇f|_1) for steepest descent, which has no scale of its own.
 */
function initialStep(history: LbfgsHistory, grad: Float64Array): number {
  if (history.length > 0) {
    return 1;
  }
  let norm1 = 0;
  for (let i = 0; i < grad.length; i++) {
    norm1 += Math.abs(grad[i]);
  }
  return Math.min(1, 1 / norm1);
}

interface ResolvedOptions {
  historySize: number;
  maxIterations: number;
  maxEvaluations: number;
  gradientTolerance: number;
  lossChangeTolerance: number;
  stepTolerance: number;
  lineSearch: LineSearchOptions;
  lineSearchEvaluations: number;
  callback: LbfgsOptions["callback"];
}

const LBFGS_OPTION_KEYS = [
  "historySize",
  "maxIterations",
  "maxEvaluations",
  "gradientTolerance",
  "lossChangeTolerance",
  "stepTolerance",
  "lineSearch",
  "callback",
];

function resolveOptions(options: LbfgsOptions): ResolvedOptions {
  rejectUnknownKeys("lbfgs", "option", options, LBFGS_OPTION_KEYS);
  if (options.lineSearch !== undefined) {
    rejectUnknownKeys("lbfgs", "lineSearch option", options.lineSearch, [
      "c1",
      "c2",
      "maxEvaluations",
    ]);
  }
  const settings: ResolvedOptions = {
    historySize: options.historySize ?? 10,
    maxIterations: options.maxIterations ?? 100,
    maxEvaluations: options.maxEvaluations ?? Number.POSITIVE_INFINITY,
    gradientTolerance: options.gradientTolerance ?? 1e-10,
    lossChangeTolerance: options.lossChangeTolerance ?? 1e-12,
    stepTolerance: options.stepTolerance ?? 1e-16,
    lineSearch: options.lineSearch ?? {},
    lineSearchEvaluations: options.lineSearch?.maxEvaluations ?? 25,
    callback: options.callback,
  };

  const integer = (name: string, value: number, min: number): void => {
    if (!(Number.isInteger(value) && value >= min)) {
      invalid(name, value, `an integer >= ${min}`);
    }
  };
  integer("historySize", settings.historySize, 1);
  integer("maxIterations", settings.maxIterations, 0);
  integer("lineSearch.maxEvaluations", settings.lineSearchEvaluations, 1);
  if (settings.maxEvaluations !== Number.POSITIVE_INFINITY) {
    integer("maxEvaluations", settings.maxEvaluations, 1);
  }
  for (const name of ["gradientTolerance", "lossChangeTolerance", "stepTolerance"] as const) {
    const value = settings[name];
    if (!(value >= 0 && Number.isFinite(value))) {
      invalid(name, value, "a finite number >= 0");
    }
  }

  const c1 = settings.lineSearch.c1 ?? 1e-4;
  const c2 = settings.lineSearch.c2 ?? 0.9;
  if (!(c1 > 0 && c1 < c2 && c2 < 1)) {
    invalid("lineSearch.c1 and lineSearch.c2", `${c1} and ${c2}`, "0 < c1 < c2 < 1");
  }
  return settings;
}

function invalid(name: string, value: unknown, expected: string): never {
  throw new RangeError(
    `lbfgs: options.${name} must be ${expected}, received ${String(value)}. Pass a valid value or omit it for the default`,
  );
}

function checkStart(theta0: Float64Array): void {
  const index = firstNonFiniteIndex(theta0);
  if (index >= 0) {
    throw new RangeError(
      `lbfgs: theta0[${index}] is ${theta0[index]}, expected a finite number. Start from finite parameters`,
    );
  }
}

function checkStartValue(loss: number, grad: Float64Array): void {
  if (!Number.isFinite(loss)) {
    throw new RangeError(
      `lbfgs: the objective returned ${loss} at theta0, expected a finite loss. Start from a point where the loss is finite`,
    );
  }
  const index = firstNonFiniteIndex(grad);
  if (index >= 0) {
    throw new RangeError(
      `lbfgs: the objective wrote grad[${index}] = ${grad[index]} at theta0, expected a finite gradient. Start from a point where the gradient is finite`,
    );
  }
}
