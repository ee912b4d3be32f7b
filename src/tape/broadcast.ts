// Numpy broadcasting for the binary elementwise ops: the shape plan and its row kernels.

import { formatShape, ShapeError } from "./errors.js";

/**
 * The broadcast of two shapes to an output shape. The output is walked as `rows` rows of
 * `inner` elements (the last output axis, or the whole tensor when no broadcasting is
 * needed). Row r reads `a` from `rowOffsetA[r]` with step `strideA` (0 when `a`
 * repeats along that axis), and likewise `b`.
 */
export interface BroadcastPlan {
  readonly shape: readonly number[];
  readonly rows: number;
  readonly inner: number;
  readonly strideA: number;
  readonly strideB: number;
  readonly rowOffsetA: Int32Array;
  readonly rowOffsetB: Int32Array;
}

/** Op codes of the binary elementwise ops, used as a switch outside the element loops. */
export const BinaryCode = { Add: 0, Sub: 1, Mul: 2, Div: 3 } as const;
export type BinaryCode = (typeof BinaryCode)[keyof typeof BinaryCode];

const SINGLE_ROW = new Int32Array(1);

/**
 * Builds the broadcast plan of `a op b`, or throws a ShapeError naming `op` and both
 * shapes when an axis has two different lengths, neither of them 1.
 */
export function planBroadcast(
  op: string,
  aShape: readonly number[],
  bShape: readonly number[],
): BroadcastPlan {
  const aSize = sizeOf(aShape);
  const bSize = sizeOf(bShape);

  if (sameShape(aShape, bShape)) {
    return plan(aShape, 1, aSize, 1, 1, SINGLE_ROW, SINGLE_ROW);
  }
  const shape = broadcastShape(op, aShape, bShape);
  const size = sizeOf(shape);
  if (aSize === 1 && shape.length >= aShape.length) {
    return plan(shape, 1, size, 0, 1, SINGLE_ROW, SINGLE_ROW);
  }
  if (bSize === 1 && shape.length >= bShape.length) {
    return plan(shape, 1, size, 1, 0, SINGLE_ROW, SINGLE_ROW);
  }
  return generalPlan(shape, aShape, bShape);
}

/** Writes `a op b` into `out` following `p`. */
export function broadcastForward(
  code: BinaryCode,
  p: BroadcastPlan,
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
): void {
  const { rows, inner, strideA: sa, strideB: sb } = p;
  for (let r = 0; r < rows; r++) {
    let ia = p.rowOffsetA[r];
    let ib = p.rowOffsetB[r];
    const o = r * inner;
    const end = o + inner;
    switch (code) {
      case BinaryCode.Add:
        for (let i = o; i < end; i++, ia += sa, ib += sb) out[i] = a[ia] + b[ib];
        break;
      case BinaryCode.Sub:
        for (let i = o; i < end; i++, ia += sa, ib += sb) out[i] = a[ia] - b[ib];
        break;
      case BinaryCode.Mul:
        for (let i = o; i < end; i++, ia += sa, ib += sb) out[i] = a[ia] * b[ib];
        break;
      case BinaryCode.Div:
        for (let i = o; i < end; i++, ia += sa, ib += sb) out[i] = a[ia] / b[ib];
        break;
    }
  }
}

/**
 * Adds the cotangents of `a` and `b` into `ctA` and `ctB` (either may be null), summing
 * over the axes along which an input was repeated. A zero output cotangent adds exactly
 * zero, even where the local derivative is infinite, so an unselected `where` branch
 * cannot turn into NaN here.
 */
export function broadcastVjp(
  code: BinaryCode,
  p: BroadcastPlan,
  ct: Float64Array,
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
  ctA: Float64Array | null,
  ctB: Float64Array | null,
): void {
  const { rows, inner, strideA: sa, strideB: sb } = p;
  for (let r = 0; r < rows; r++) {
    const o = r * inner;
    const end = o + inner;
    if (ctA !== null) {
      let ia = p.rowOffsetA[r];
      let ib = p.rowOffsetB[r];
      switch (code) {
        // d(a + b) = da + db and d(a - b) = da - db
        case BinaryCode.Add:
        case BinaryCode.Sub:
          for (let i = o; i < end; i++, ia += sa) ctA[ia] += ct[i];
          break;
        // d(a b) = b da + a db
        case BinaryCode.Mul:
          for (let i = o; i < end; i++, ia += sa, ib += sb)
            if (ct[i] !== 0) ctA[ia] += ct[i] * b[ib];
          break;
        // d(a / b) = da / b - (a / b) db / b
        case BinaryCode.Div:
          for (let i = o; i < end; i++, ia += sa, ib += sb)
            if (ct[i] !== 0) ctA[ia] += ct[i] / b[ib];
          break;
      }
    }
    if (ctB !== null) {
      let ia = p.rowOffsetA[r];
      let ib = p.rowOffsetB[r];
      switch (code) {
        case BinaryCode.Add:
          for (let i = o; i < end; i++, ib += sb) ctB[ib] += ct[i];
          break;
        case BinaryCode.Sub:
          for (let i = o; i < end; i++, ib += sb) ctB[ib] -= ct[i];
          break;
        case BinaryCode.Mul:
          for (let i = o; i < end; i++, ia += sa, ib += sb)
            if (ct[i] !== 0) ctB[ib] += ct[i] * a[ia];
          break;
        case BinaryCode.Div:
          for (let i = o; i < end; i++, ib += sb)
            if (ct[i] !== 0) ctB[ib] -= (ct[i] * out[i]) / b[ib];
          break;
      }
    }
  }
}

/** Returns the number of elements of a shape (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const n of shape) size *= n;
  return size;
}

/** Returns whether two shapes are equal axis by axis. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function broadcastShape(
  op: string,
  aShape: readonly number[],
  bShape: readonly number[],
): number[] {
  const rank = Math.max(aShape.length, bShape.length);
  const shape = new Array<number>(rank);
  for (let k = 0; k < rank; k++) {
    const m = axisLength(aShape, k, rank);
    const n = axisLength(bShape, k, rank);
    if (m !== n && m !== 1 && n !== 1) {
      throw new ShapeError(
        `${op}: shapes ${formatShape(aShape)} and ${formatShape(bShape)} do not broadcast ` +
          `(axis ${k} of the result has lengths ${m} and ${n}); make the lengths equal or 1`,
      );
    }
    shape[k] = m === 1 ? n : m;
  }
  return shape;
}

function generalPlan(
  shape: readonly number[],
  aShape: readonly number[],
  bShape: readonly number[],
): BroadcastPlan {
  const rank = shape.length;
  const stridesA = broadcastStrides(aShape, rank, shape);
  const stridesB = broadcastStrides(bShape, rank, shape);
  const inner = shape[rank - 1];
  const rows = inner === 0 ? 0 : sizeOf(shape) / inner;
  const rowOffsetA = new Int32Array(rows);
  const rowOffsetB = new Int32Array(rows);

  // Walk the outer axes with a counter per axis, like an odometer.
  const counter = new Array<number>(rank).fill(0);
  let offA = 0;
  let offB = 0;
  for (let r = 0; r < rows; r++) {
    rowOffsetA[r] = offA;
    rowOffsetB[r] = offB;
    for (let k = rank - 2; k >= 0; k--) {
      counter[k]++;
      offA += stridesA[k];
      offB += stridesB[k];
      if (counter[k] < shape[k]) break;
      offA -= stridesA[k] * shape[k];
      offB -= stridesB[k] * shape[k];
      counter[k] = 0;
    }
  }
  return plan(shape, rows, inner, stridesA[rank - 1], stridesB[rank - 1], rowOffsetA, rowOffsetB);
}

/** Row-major strides of `inputShape` aligned to the right of a rank-`rank` output, 0 where it repeats. */
function broadcastStrides(
  inputShape: readonly number[],
  rank: number,
  shape: readonly number[],
): number[] {
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let k = rank - 1; k >= 0; k--) {
    const n = axisLength(inputShape, k, rank);
    strides[k] = n === 1 && shape[k] !== 1 ? 0 : stride;
    stride *= n;
  }
  return strides;
}

function axisLength(shape: readonly number[], k: number, rank: number): number {
  const j = k - (rank - shape.length);
  return j < 0 ? 1 : shape[j];
}

function plan(
  shape: readonly number[],
  rows: number,
  inner: number,
  strideA: number,
  strideB: number,
  rowOffsetA: Int32Array,
  rowOffsetB: Int32Array,
): BroadcastPlan {
  return { shape: [...shape], rows, inner, strideA, strideB, rowOffsetA, rowOffsetB };
}
