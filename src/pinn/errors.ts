// Errors of the training loop that callers can catch by type.

import type { Mlp } from "../siren/index.js";
import type { HistoryEntry } from "./history.js";

/**
 * A loss term (or the gradient) became NaN or ±Infinity during training. Training stopped at
 * `step` (counted over the Adam and L-BFGS phases together); `model.params` contains the last
 * parameters whose loss was finite, and `history` the entries recorded before the failure.
 */
export class NonFiniteLossError extends RangeError {
  override name = "NonFiniteLossError";
  readonly step: number;
  readonly phase: "adam" | "lbfgs";
  readonly term: string;
  readonly value: number;
  readonly model: Mlp;
  readonly history: readonly HistoryEntry[];

  constructor(
    problem: string,
    step: number,
    phase: "adam" | "lbfgs",
    term: string,
    value: number,
    model: Mlp,
    history: readonly HistoryEntry[],
  ) {
    super(
      `train(${problem}): the ${term} term became ${value} at step ${step} (${phase}); training stopped and the model keeps the last parameters with a finite loss. Lower the learning rate or ω0, or check the residual for a division by zero or an overflow`,
    );
    this.step = step;
    this.phase = phase;
    this.term = term;
    this.value = value;
    this.model = model;
    this.history = history;
  }
}
