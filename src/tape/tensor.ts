// A tensor on a tape: a row-major Float64Array with its shape and the node that made it.

import { formatShape, ShapeError } from "./errors.js";
import type { Tape } from "./tape.js";

/**
 * An immutable row-major array recorded on a tape. A batch of N points of width m has
 * shape [N, m]; a scalar has shape [] and size 1. Ops never write into `data` after
 * the tensor is made, so several tensors may share one buffer (reshape and slice do).
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
  readonly tape: Tape;
  readonly size: number;
  /**
   * Position of this tensor's node among the tape's differentiable nodes, or -1 when no
   * parameter reaches it (constants and everything computed only from constants).
   */
  readonly index: number;

  /** Made by the tape; use `tape.constant`, `tape.param` or an op. */
  constructor(tape: Tape, shape: readonly number[], data: Float64Array, index: number) {
    this.tape = tape;
    this.shape = shape;
    this.data = data;
    this.size = data.length;
    this.index = index;
  }

  /** Whether backward visits this tensor, that is, whether some parameter reaches it. */
  get requiresGrad(): boolean {
    return this.index >= 0;
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Returns the single value of a size-1 tensor (such as a scalar loss). */
  item(): number {
    if (this.size !== 1) {
      throw new ShapeError(
        `Tensor.item: expected a tensor of size 1, received shape ${formatShape(this.shape)}; ` +
          "reduce it with sum() or mean() first",
      );
    }
    return this.data[0];
  }
}
