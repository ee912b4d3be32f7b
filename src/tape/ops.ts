// Functional tensor ops: shape checks and attributes, then a record on the inputs' tape.

import { planBroadcast, sameShape, sizeOf } from "./broadcast.js";
import { formatShape, ShapeError, TapeError } from "./errors.js";
import type { AxisSplit, OpName } from "./rules.js";
import type { Tape } from "./tape.js";
import { Tensor } from "./tensor.js";

/** A tensor, or a number that binary ops lift to a scalar constant on the other input's tape. */
export type TensorLike = Tensor | number;

/** Matrix product a·b of a [n, k] and b [k, m], giving [n, m]. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const tape = commonTape("matmul", [a, b]);
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[0]) {
    throw new ShapeError(
      `matmul: expected a [n, k] and b [k, m], received a ${formatShape(a.shape)} and ` +
        `b ${formatShape(b.shape)}; the inner lengths must match`,
    );
  }
  const [n, k] = a.shape;
  const m = b.shape[1];
  return tape.record("matmul", [a, b], [n, m], { n, k, m });
}

/** Product a·bᵀ of a [n, k] and b [m, k], giving [n, m]; a weight W [out, in] applies as x·Wᵀ. */
export function matmulTransposeB(a: Tensor, b: Tensor): Tensor {
  const tape = commonTape("matmulTransposeB", [a, b]);
  if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
    throw new ShapeError(
      `matmulTransposeB: expected a [n, k] and b [m, k], received a ${formatShape(a.shape)} ` +
        `and b ${formatShape(b.shape)}; the last lengths must match`,
    );
  }
  const [n, k] = a.shape;
  const m = b.shape[0];
  return tape.record("matmulTransposeB", [a, b], [n, m], { n, k, m });
}

/** Elementwise a + b with numpy broadcasting. */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return binary("add", a, b);
}

/** Elementwise a - b with numpy broadcasting. */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return binary("sub", a, b);
}

/** Elementwise a · b with numpy broadcasting. */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return binary("mul", a, b);
}

/** Elementwise a / b with numpy broadcasting. */
export function div(a: TensorLike, b: TensorLike): Tensor {
  return binary("div", a, b);
}

/** Multiplies every element by the number `factor`. */
export function scale(a: Tensor, factor: number): Tensor {
  const tape = commonTape("scale", [a]);
  if (typeof factor !== "number") {
    throw new TypeError(`scale: factor must be a number, received ${typeof factor}`);
  }
  return tape.record("scale", [a], a.shape, { factor });
}

/** Elementwise -a. */
export function neg(a: Tensor): Tensor {
  return unary("neg", a);
}

/** Elementwise a². */
export function square(a: Tensor): Tensor {
  return unary("square", a);
}

/** Elementwise sin(a). */
export function sin(a: Tensor): Tensor {
  return unary("sin", a);
}

/** Elementwise cos(a). */
export function cos(a: Tensor): Tensor {
  return unary("cos", a);
}

/** Elementwise tanh(a). */
export function tanh(a: Tensor): Tensor {
  return unary("tanh", a);
}

/** Elementwise max(a, 0), whose derivative at 0 is taken as 0. */
export function relu(a: Tensor): Tensor {
  return unary("relu", a);
}

/** Elementwise exp(a). */
export function exp(a: Tensor): Tensor {
  return unary("exp", a);
}

/** Elementwise natural logarithm; NaN below 0 and -Infinity at 0, as Math.log. */
export function log(a: Tensor): Tensor {
  return unary("log", a);
}

/** Elementwise square root; NaN below 0, and an infinite derivative at 0. */
export function sqrt(a: Tensor): Tensor {
  return unary("sqrt", a);
}

/** Sum of all elements (shape []) or along `axis` (that axis removed; negative counts from the end). */
export function sum(a: Tensor, axis?: number): Tensor {
  return reduce("sum", a, axis);
}

/** Mean of all elements (shape []) or along `axis` (that axis removed). */
export function mean(a: Tensor, axis?: number): Tensor {
  return reduce("mean", a, axis);
}

/** Joins tensors along `axis`; every other axis must have the same length in all of them. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  if (tensors.length === 0) {
    throw new RangeError("concat: expected at least one tensor, received an empty list");
  }
  const tape = commonTape("concat", tensors);
  const first = tensors[0];
  const k = normalizeAxis("concat", first.shape, axis);

  const lengths = tensors.map((t) => {
    const fits = t.rank === first.rank && t.shape.every((n, i) => i === k || n === first.shape[i]);
    if (!fits) {
      throw new ShapeError(
        `concat: shapes ${formatShape(first.shape)} and ${formatShape(t.shape)} differ on an ` +
          `axis other than ${k}; only the concatenation axis may differ`,
      );
    }
    return t.shape[k];
  });

  const total = lengths.reduce((s, n) => s + n, 0);
  const shape = first.shape.map((n, i) => (i === k ? total : n));
  const outer = sizeOf(first.shape.slice(0, k));
  const inner = sizeOf(first.shape.slice(k + 1));
  return tape.record("concat", tensors, shape, { outer, inner, lengths });
}

/** Rows start ≤ r < end of `a` along axis 0; the result shares `a`'s buffer. */
export function slice(a: Tensor, start: number, end: number): Tensor {
  const tape = commonTape("slice", [a]);
  const rows = a.rank === 0 ? 0 : a.shape[0];
  if (
    a.rank === 0 ||
    !Number.isInteger(start) ||
    !Number.isInteger(end) ||
    start < 0 ||
    end > rows ||
    start > end
  ) {
    throw new RangeError(
      `slice: expected integers 0 <= start <= end <= ${rows} on a tensor of shape ` +
        `${formatShape(a.shape)}, received start ${start} and end ${end}`,
    );
  }
  const rowSize = a.size / (rows || 1);
  const shape = [end - start, ...a.shape.slice(1)];
  const offset = start * rowSize;
  const view = a.data.subarray(offset, end * rowSize);
  return tape.record("slice", [a], shape, { offset }, view);
}

/**
 * Elementwise mask ? a : b for a mask of 0 and 1 (any nonzero counts as 1). `a` and `b`
 * have the mask's shape or size 1. The unselected branch gets a cotangent of exactly
 * zero, and every vjp keeps a zero cotangent zero, so an infinite value in that branch
 * cannot make the gradient NaN.
 */
export function where(mask: Tensor, a: TensorLike, b: TensorLike): Tensor {
  const tape = commonTape("where", [mask, a, b]);
  const ta = lift(tape, a);
  const tb = lift(tape, b);
  for (const [label, t] of [
    ["a", ta],
    ["b", tb],
  ] as const) {
    if (t.size !== 1 && !sameShape(t.shape, mask.shape)) {
      throw new ShapeError(
        `where: ${label} has shape ${formatShape(t.shape)} but the mask has shape ` +
          `${formatShape(mask.shape)}; give ${label} the mask's shape or size 1`,
      );
    }
  }
  if (mask.index >= 0) {
    throw new TypeError(
      "where: the mask depends on a parameter; build it from constants (it gets no gradient)",
    );
  }
  const attrs = { strideA: ta.size === 1 ? 0 : 1, strideB: tb.size === 1 ? 0 : 1 };
  return tape.record("where", [mask, ta, tb], mask.shape, attrs);
}

/** Rows `rows[r]` of `a` along axis 0, in that order (repeats allowed). */
export function gather(a: Tensor, rows: readonly number[] | Int32Array): Tensor {
  const tape = commonTape("gather", [a]);
  const count = a.rank === 0 ? 0 : a.shape[0];
  const picked = Int32Array.from(rows);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Number.isInteger(row) || row < 0 || row >= count) {
      throw new RangeError(
        `gather: rows[${r}] must be an integer in [0, ${count}) for a tensor of shape ` +
          `${formatShape(a.shape)}, received ${row}`,
      );
    }
  }
  const rowSize = a.rank === 0 ? 1 : a.size / (count || 1);
  const shape = [picked.length, ...a.shape.slice(1)];
  return tape.record("gather", [a], shape, { rows: picked, rowSize });
}

/** Returns `a`'s values with another shape of equal size; one axis may be -1 to infer it. */
export function reshape(a: Tensor, shape: readonly number[]): Tensor {
  const tape = commonTape("reshape", [a]);
  const resolved = resolveShape(a, shape);
  return tape.record("reshape", [a], resolved, null, a.data);
}

/** Returns the tape all tensors in `args` share, or throws a TapeError. */
export function commonTape(op: string, args: readonly TensorLike[]): Tape {
  let tape: Tape | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg === "number") continue;
    if (!(arg instanceof Tensor)) {
      throw new TypeError(
        `${op}: argument ${i} must be a Tensor or a number, received ${describe(arg)}`,
      );
    }
    if (tape === null) tape = arg.tape;
    else if (arg.tape !== tape) {
      throw new TapeError(
        `${op}: argument ${i} belongs to another tape than argument 0; tensors from two ` +
          "tapes cannot be mixed, so record the whole computation on one Tape",
      );
    }
  }
  if (tape === null) {
    throw new TypeError(`${op}: expected at least one Tensor argument, received only numbers`);
  }
  return tape;
}

function binary(op: "add" | "sub" | "mul" | "div", a: TensorLike, b: TensorLike): Tensor {
  const tape = commonTape(op, [a, b]);
  const ta = lift(tape, a);
  const tb = lift(tape, b);
  const plan = planBroadcast(op, ta.shape, tb.shape);
  return tape.record(op, [ta, tb], plan.shape, plan);
}

function unary(
  op: OpName & ("neg" | "square" | "sin" | "cos" | "tanh" | "relu" | "exp" | "log" | "sqrt"),
  a: Tensor,
): Tensor {
  const tape = commonTape(op, [a]);
  return tape.record(op, [a], a.shape, null);
}

function reduce(op: "sum" | "mean", a: Tensor, axis: number | undefined): Tensor {
  const tape = commonTape(op, [a]);
  if (axis === undefined) {
    const split: AxisSplit = { outer: 1, length: a.size, inner: 1 };
    return tape.record(op, [a], [], split);
  }
  const k = normalizeAxis(op, a.shape, axis);
  const split: AxisSplit = {
    outer: sizeOf(a.shape.slice(0, k)),
    length: a.shape[k],
    inner: sizeOf(a.shape.slice(k + 1)),
  };
  const shape = a.shape.filter((_, i) => i !== k);
  return tape.record(op, [a], shape, split);
}

function lift(tape: Tape, x: TensorLike): Tensor {
  return typeof x === "number" ? tape.constant(x) : x;
}

function normalizeAxis(op: string, shape: readonly number[], axis: number): number {
  const k = axis < 0 ? axis + shape.length : axis;
  if (!Number.isInteger(axis) || k < 0 || k >= shape.length) {
    throw new RangeError(
      `${op}: axis must be an integer in [${-shape.length}, ${shape.length}) for shape ` +
        `${formatShape(shape)}, received ${axis}`,
    );
  }
  return k;
}

function resolveShape(a: Tensor, shape: readonly number[]): number[] {
  const inferred = shape.filter((n) => n === -1).length;
  const known = sizeOf(shape.filter((n) => n !== -1));
  const valid = inferred <= 1 && shape.every((n) => n === -1 || (Number.isInteger(n) && n >= 0));
  const resolved = shape.map((n) => (n === -1 && known > 0 ? a.size / known : n));
  if (!valid || sizeOf(resolved) !== a.size || !resolved.every(Number.isInteger)) {
    throw new ShapeError(
      `reshape: cannot reshape ${formatShape(a.shape)} (size ${a.size}) to ` +
        `${formatShape(shape)}; the sizes must match, with at most one axis of -1`,
    );
  }
  return resolved;
}

function describe(x: unknown): string {
  if (x === null) return "null";
  if (typeof x === "object") return (x as object).constructor?.name ?? "object";
  return typeof x;
}
