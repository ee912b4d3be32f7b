// The JSON record of one run, as `--json` prints it and results.json stores it.

import type { TrainResult } from "../pinn/train.js";

/** One run of `train` or `compare`, in the shape scripts read. */
export interface RunRecord {
  label: string;
  activation: string;
  /** ω0 of a sine network, null for tanh and ReLU. */
  omega0: number | null;
  relativeL2: number | null;
  /** Relative L2 after the Adam phase, before L-BFGS. */
  relativeL2Adam: number | null;
  maxError: number | null;
  finalLoss: number | null;
  residualRms: number | null;
  /** Adam steps plus accepted L-BFGS iterations (the step of the failure for a stopped run). */
  steps: number;
  seconds: number;
  /** Message of a run that stopped on a non-finite loss. */
  error?: string;
}

/** Builds the record of a finished run. */
export function runRecord(label: string, result: TrainResult): RunRecord {
  return {
    label,
    activation: result.options.activation,
    omega0: result.options.activation === "sine" ? result.options.omega0 : null,
    relativeL2: result.metrics.relativeL2,
    relativeL2Adam: result.adamMetrics.relativeL2,
    maxError: result.metrics.maxError,
    finalLoss: result.metrics.finalLoss,
    residualRms: result.metrics.residualRms,
    steps: result.adamSteps + result.lbfgsIterations,
    seconds: Number(result.seconds.toFixed(3)),
  };
}
