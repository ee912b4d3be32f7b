// Accuracy of a trained model on a dense grid: relative L2 and max error against the exact solution, residual RMS.

import type { Mlp } from "../siren/index.js";
import { Tape } from "../tape/index.js";
import { applyHardConstraint } from "./hard-constraint.js";
import type { HistoryEntry } from "./history.js";
import { type JetPath, residualAt } from "./loss.js";
import { maxAbsoluteError, relativeL2Error } from "./metrics.js";
import type { Problem } from "./problem.js";
import { gridPoints } from "./sampling/grid.js";

/** Accuracy figures of a run; the errors are null when the problem has no exact solution. */
export interface TrainMetrics {
  /** ‖u − u*‖₂ / ‖u*‖₂ over the test grid (‖u − u*‖₂ when u* is zero there). */
  relativeL2: number | null;
  /** max |u − u*| over the test grid. */
  maxError: number | null;
  /** sqrt(mean r²) of the PDE residual over the test grid. */
  residualRms: number;
  /** Loss at the last history entry. */
  finalLoss: number;
  /** Points in the test grid. */
  testPoints: number;
}

/** Rows per residual evaluation, so the dense grid's jets stay small. */
const RESIDUAL_CHUNK = 4096;

/** Computes the metrics of `model` on a grid of `perAxis` points per coordinate. */
export function evaluateMetrics(
  problem: Problem,
  model: Mlp,
  path: JetPath,
  perAxis: number,
  history: readonly HistoryEntry[],
): TrainMetrics {
  const points = gridPoints(problem.domain, perAxis);
  const count = points.length / problem.dim;
  const predicted = predict(problem, model, points);

  let relativeL2: number | null = null;
  let maxError: number | null = null;
  const exact = problem.exact;
  if (exact !== undefined) {
    const reference = new Float64Array(count);
    for (let n = 0; n < count; n++) {
      reference[n] = exact(Array.from(points.subarray(n * problem.dim, (n + 1) * problem.dim)));
    }
    relativeL2 = relativeL2Error(predicted, reference).value;
    maxError = maxAbsoluteError(predicted, reference);
  }

  return {
    relativeL2,
    maxError,
    residualRms: residualRms(problem, model, points, path),
    finalLoss: history.length > 0 ? history[history.length - 1].loss : Number.NaN,
    testPoints: count,
  };
}

/**
 * Evaluates the solution u at row-major `points`, applying the problem's hard constraint
 * when it has one.
 */
export function predict(problem: Problem, model: Mlp, points: Float64Array): Float64Array {
  checkPredictInputs(problem, model, points);
  if (problem.hardConstraint === undefined) return model.evaluateBatch(points);

  const tape = new Tape();
  try {
    const spec = { dim: problem.dim, first: [], second: [], laplacian: false };
    const jet = model.jet(tape, points, spec, "generic");
    return Float64Array.from(
      applyHardConstraint(tape, jet, spec, points, problem.hardConstraint).value.data,
    );
  } finally {
    tape.release();
  }
}

/** Throws unless the model takes the problem's coordinates and `points` contains finite rows of them. */
function checkPredictInputs(problem: Problem, model: Mlp, points: Float64Array): void {
  const where = `predict(${problem.name})`;
  if (model.inputs !== problem.dim) {
    throw new RangeError(
      `${where}: the model has ${model.inputs} inputs but the problem has ${problem.dim} coordinates (${problem.coordinates.join(", ")}); use a model trained on this problem`,
    );
  }
  if (!(points instanceof Float64Array)) {
    throw new TypeError(
      `${where}: points must be a Float64Array of row-major points, received ${typeof points}; convert with Float64Array.from`,
    );
  }
  if (points.length % problem.dim !== 0) {
    throw new RangeError(
      `${where}: points has length ${points.length}, which is not a multiple of the ${problem.dim} coordinates (${problem.coordinates.join(", ")}); pass row-major points, ${problem.dim} numbers per point`,
    );
  }
  for (let k = 0; k < points.length; k++) {
    if (!Number.isFinite(points[k])) {
      const row = Math.floor(k / problem.dim);
      const coordinate = problem.coordinates[k % problem.dim];
      throw new RangeError(
        `${where}: points[${k}] (point ${row}, coordinate "${coordinate}") is ${points[k]}, expected a finite number; remove or fix that point`,
      );
    }
  }
}

function residualRms(problem: Problem, model: Mlp, points: Float64Array, path: JetPath): number {
  const count = points.length / problem.dim;
  let squares = 0;
  for (let start = 0; start < count; start += RESIDUAL_CHUNK) {
    const end = Math.min(count, start + RESIDUAL_CHUNK);
    const chunk = points.subarray(start * problem.dim, end * problem.dim);
    const tape = new Tape();
    try {
      const residual = residualAt(tape, model, problem, chunk, path).data;
      for (let n = 0; n < residual.length; n++) squares += residual[n] * residual[n];
    } finally {
      tape.release();
    }
  }
  return Math.sqrt(squares / count);
}
