// Error types the tape raises, so callers can catch shape, state and non-finite failures apart.

/** A tensor shape that an op cannot accept; the message names the op and both shapes. */
export class ShapeError extends RangeError {
  override name = "ShapeError";
}

/**
 * A tape used out of order: a released tape, a second backward pass, or tensors
 * from two different tapes in one op.
 */
export class TapeError extends TypeError {
  override name = "TapeError";
}

/**
 * A NaN or ±Infinity found by `new Tape({ checkFinite: true })`. `op` names the op and
 * `index` is its position among all ops and leaves recorded on the tape, counted from 0.
 * `phase` is "forward" for a value and "backward" for a cotangent computed by the op's vjp.
 */
export class NonFiniteError extends RangeError {
  override name = "NonFiniteError";
  readonly op: string;
  readonly index: number;
  readonly phase: "forward" | "backward";

  constructor(message: string, op: string, index: number, phase: "forward" | "backward") {
    super(message);
    this.op = op;
    this.index = index;
    this.phase = phase;
  }
}

/** Formats a shape as `[2, 3]` (a scalar as `[]`) for error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}
