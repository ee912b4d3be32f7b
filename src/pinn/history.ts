// One entry of a training run's loss history.

/** Loss and its terms at one evaluation of the objective. */
export interface HistoryEntry {
  /** Step counted over both phases: Adam updates 0..steps−1, then L-BFGS iterations. */
  step: number;
  phase: "adam" | "lbfgs";
  loss: number;
  /** Unweighted mean square of each term by name ("residual", condition names). */
  terms: Record<string, number>;
}
