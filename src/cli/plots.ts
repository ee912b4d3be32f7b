// SVG figures of runs: solution against the exact one, pointwise error, loss curves, and a comparison.

import type { Problem } from "../pinn/problem.js";
import type { TrainResult } from "../pinn/train.js";

/** A run and the label its curves carry. */
export interface LabelledRun {
  label: string;
  result: TrainResult;
}

/** Returns [name, svg] pairs for one run: "solution", "error" and "loss". */
export function runFigures(
  problem: Problem,
  label: string,
  result: TrainResult,
): [string, string][] {
  void problem;
  void label;
  void result;
  return [];
}

/** Returns the comparison figure of several runs, or null when there is nothing to draw. */
export function comparisonFigure(problem: Problem, runs: readonly LabelledRun[]): string | null {
  void problem;
  void runs;
  return null;
}
