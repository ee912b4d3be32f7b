// Generic jets on the tape: input partials of a network whose every coefficient is a tape tensor.

import { tanhAndSlope } from "../dual/batch-activation.js";
import { checkJetPoints } from "../dual/batch-points.js";
import type { JetSpec } from "../dual/batch-spec.js";
import { normalizeSpec } from "../dual/batch-spec.js";
import { sameShape } from "./broadcast.js";
import { formatShape, ShapeError } from "./errors.js";
import {
  add,
  cos,
  div,
  exp,
  log,
  matmul,
  matmulTransposeB,
  mul,
  neg,
  relu,
  scale,
  sin,
  sqrt,
  square,
  sub,
  tanh,
  where,
} from "./ops.js";
import type { Tape } from "./tape.js";
import type { Tensor } from "./tensor.js";

export type { JetSpec };
export { normalizeSpec };

/**
 * Input partials of a batch of N points and width m, each coefficient a tape tensor
 * [N, m]: the value y, first partials y_i = ∂y/∂x_i, second partials y_ij = ∂²y/∂x_i∂x_j
 * (stored as derivatives, not divided by 2) and the Laplacian Σ_i y_ii. Because every
 * jet rule is built from tape ops, the tape records the whole jet computation, and a
 * residual written with these partials can be differentiated with respect to parameters.
 */
export class TapeJet {
  /** The closed spec: which partials this jet carries. */
  readonly spec: JetSpec;
  value: Tensor;
  /** Input direction i -> ∂/∂x_i. */
  first: Map<number, Tensor>;
  /** Key `${i},${j}` with i <= j -> ∂²/∂x_i∂x_j. */
  second: Map<string, Tensor>;
  /** Σ_i ∂²/∂x_i² over all `spec.dim` directions, when `spec.laplacian`. */
  laplacian: Tensor | null;

  constructor(
    spec: JetSpec,
    value: Tensor,
    first: Map<number, Tensor>,
    second: Map<string, Tensor>,
    laplacian: Tensor | null,
  ) {
    this.spec = spec;
    this.value = value;
    this.first = first;
    this.second = second;
    this.laplacian = laplacian;
  }

  /** Returns ∂y/∂x_i, or throws when the spec does not carry direction i. */
  partial(i: number): Tensor {
    const tensor = this.first.get(i);
    if (tensor === undefined) {
      throw new RangeError(
        `TapeJet.partial: direction ${i} is not carried (spec.first is ` +
          `[${this.spec.first.join(", ")}]); add it to the spec`,
      );
    }
    return tensor;
  }

  /** Returns ∂²y/∂x_i∂x_j (either order), or throws when the spec does not carry it. */
  secondPartial(i: number, j: number): Tensor {
    const tensor = this.second.get(secondKey(i, j));
    if (tensor === undefined) {
      throw new RangeError(
        `TapeJet.secondPartial: the pair (${i}, ${j}) is not carried; add [${Math.min(i, j)}, ` +
          `${Math.max(i, j)}] to spec.second`,
      );
    }
    return tensor;
  }
}

// Tensors known to be zero everywhere: the second partials and Laplacian of the seed and every
// linear image of them. Rules skip products with them, which saves work in the first layer and
// keeps an infinite f'(z) from meeting a zero z_ij (Infinity · 0 = NaN) where the true term is 0.
const knownZeros = new WeakSet<Tensor>();

function zeroTensor(tape: Tape, shape: readonly number[]): Tensor {
  const size = shape.reduce((p, n) => p * n, 1);
  const zero = tape.constant(new Float64Array(size), shape);
  knownZeros.add(zero);
  return zero;
}

/** Returns whether `t` is a jet coefficient known to be zero (so rules may skip it). */
export function isKnownZero(t: Tensor): boolean {
  return knownZeros.has(t);
}

/** Returns the sum of the terms that are not null, or a known zero of `shape` if all are null. */
function sumTerms(tape: Tape, shape: readonly number[], terms: (Tensor | null)[]): Tensor {
  let total: Tensor | null = null;
  for (const term of terms) {
    if (term === null) continue;
    total = total === null ? term : add(total, term);
  }
  return total ?? zeroTensor(tape, shape);
}

/** Returns a·b, or null when either factor is a known zero. */
function product(a: Tensor, b: Tensor | number): Tensor | null {
  if (knownZeros.has(a) || (typeof b !== "number" && knownZeros.has(b))) return null;
  return typeof b === "number" ? scale(a, b) : mul(a, b);
}

/** A jet, or something constant in x (a tensor broadcastable to the jet's value, or a number). */
export type JetOperand = TapeJet | Tensor | number;

/** Returns the `second` map key of the pair (i, j) in either order. */
export function secondKey(i: number, j: number): string {
  return i <= j ? `${i},${j}` : `${j},${i}`;
}

/**
 * Seeds the jet of the (mapped) input points: value xhat_i = scale_i·x_i + shift_i, tangent
 * along direction i equal to scale_i in column i and 0 elsewhere, second partials and
 * Laplacian 0. Since the seed is d(xhat)/dx, every partial the network computes is with
 * respect to the original x, so u_xx picks up scale² by the chain rule. `points` is
 * N×dim row-major and is copied into constants; the spec is closed with normalizeSpec.
 * Throws a RangeError when `points` is empty, not N·dim long, or has a NaN or ±Infinity.
 */
export function seedJet(
  tape: Tape,
  points: Float64Array,
  spec: JetSpec,
  inputScale?: readonly number[],
  shift?: readonly number[],
): TapeJet {
  const closed = normalizeSpec(spec);
  const dim = closed.dim;
  const count = checkJetPoints("seedJet", points, dim);
  const scaleOf = checkAffine("scale", inputScale, dim, 1);
  const shiftOf = checkAffine("shift", shift, dim, 0);

  const mapped = new Float64Array(points.length);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < dim; i++) {
      mapped[p * dim + i] = scaleOf[i] * points[p * dim + i] + shiftOf[i];
    }
  }
  const value = tape.constant(mapped, [count, dim]);

  const first = new Map<number, Tensor>();
  for (const i of closed.first) {
    const tangent = new Float64Array(points.length);
    for (let p = 0; p < count; p++) tangent[p * dim + i] = scaleOf[i];
    first.set(i, tape.constant(tangent, [count, dim]));
  }

  // The input map is affine, so all its second partials are zero; one constant serves them all.
  const zero = zeroTensor(tape, [count, dim]);
  const second = new Map<string, Tensor>();
  for (const [i, j] of closed.second) second.set(secondKey(i, j), zero);
  return new TapeJet(closed, value, first, second, closed.laplacian ? zero : null);
}

/**
 * Applies z = a·Wᵀ + b to every coefficient: the map is affine in a, so each partial maps
 * through Wᵀ alone and the bias enters the value only. W is [out, in], b is [out] or null.
 */
export function jetAffine(jet: TapeJet, W: Tensor, b: Tensor | null): TapeJet {
  const product = (t: Tensor): Tensor => matmulTransposeB(t, W);
  const value = b === null ? product(jet.value) : add(product(jet.value), b);
  return mapLinear(jet, value, product);
}

/**
 * Applies z = a·M to every coefficient, for M [in, out] (a matrix constant in x, such as a
 * one-hot column picker).
 */
export function jetMatmul(jet: TapeJet, M: Tensor): TapeJet {
  const product = (t: Tensor): Tensor => matmul(t, M);
  return mapLinear(jet, product(jet.value), product);
}

/** Returns the jet of output column `column` of a jet of width m, as width 1. */
export function jetColumn(jet: TapeJet, column: number): TapeJet {
  const width = jet.value.shape[1];
  if (!Number.isInteger(column) || column < 0 || column >= width) {
    throw new RangeError(
      `jetColumn: column must be an integer in [0, ${width}), received ${column}`,
    );
  }
  const picker = new Float64Array(width);
  picker[column] = 1;
  return jetMatmul(jet, jet.value.tape.constant(picker, [width, 1]));
}

/**
 * Applies y = f(z) elementwise given f(z), f'(z) and f''(z) as tensors of z's shape
 * (f'' may be a number, or null when it is zero):
 *   y_i = f'(z) z_i,  y_ij = f'(z) z_ij + f''(z) z_i z_j,  Δy = f'(z) Δz + f''(z) Σ_i z_i².
 * Where f(z) is NaN, every partial is NaN too.
 */
export function jetUnary(
  jet: TapeJet,
  f0: Tensor,
  f1: Tensor,
  f2: Tensor | number | null,
): TapeJet {
  const tape = f0.tape;
  const nanMask = nanMaskOf(f0);
  if (nanMask !== null) {
    // A NaN value (outside the domain, as log(−3), or a NaN input) makes every part NaN, as
    // the scalar rules do, instead of finite partials such as 1/z = −1/3 beside log(−3).
    f1 = where(nanMask, Number.NaN, f1);
    f2 = where(nanMask, Number.NaN, f2 ?? 0);
  }
  const first = new Map<number, Tensor>();
  for (const [i, zi] of jet.first) first.set(i, mul(f1, zi));

  const second = new Map<string, Tensor>();
  for (const [i, j] of jet.spec.second) {
    const key = secondKey(i, j);
    const linear = product(jet.second.get(key) as Tensor, f1);
    let curvature: Tensor | null = null;
    if (f2 !== null) {
      const zi = jet.partial(i);
      const zj = jet.partial(j);
      curvature = product(i === j ? square(zi) : mul(zi, zj), f2);
    }
    second.set(key, sumTerms(tape, f0.shape, [linear, curvature]));
  }

  let laplacian: Tensor | null = null;
  if (jet.laplacian !== null) {
    const linear = product(jet.laplacian, f1);
    const curvature = f2 === null ? null : product(sumOfSquares(jet), f2);
    laplacian = sumTerms(tape, f0.shape, [linear, curvature]);
  }
  return new TapeJet(jet.spec, f0, first, second, laplacian);
}

/** Returns a constant mask that is 1 where `value` is NaN, or null when no element is NaN. */
function nanMaskOf(value: Tensor): Tensor | null {
  const data = value.data;
  let mask: Float64Array | null = null;
  for (let e = 0; e < data.length; e++) {
    if (!Number.isNaN(data[e])) continue;
    mask ??= new Float64Array(data.length);
    mask[e] = 1;
  }
  return mask === null ? null : value.tape.constant(mask, value.shape);
}

/** y = sin(ω z):  y_i = ω cos(ωz) z_i,  y_ij = ω cos(ωz) z_ij − ω² sin(ωz) z_i z_j. */
export function jetSine(jet: TapeJet, omega: number): TapeJet {
  const phase = omega === 1 ? jet.value : scale(jet.value, omega);
  const s = sin(phase);
  const c = cos(phase);
  const f1 = omega === 1 ? c : scale(c, omega);
  return jetUnary(jet, s, f1, scale(s, -omega * omega));
}

/** y = sin(z): f' = cos z, f'' = −sin z. */
export function jetSin(jet: TapeJet): TapeJet {
  return jetSine(jet, 1);
}

/** y = cos(z): f' = −sin z, f'' = −cos z. */
export function jetCos(jet: TapeJet): TapeJet {
  const c = cos(jet.value);
  return jetUnary(jet, c, neg(sin(jet.value)), neg(c));
}

/**
 * y = tanh(z): f' = sech² z, f'' = −2 y f'. sech² is its own op (from exp(−2|z|)), because
 * 1 − y² cancels once y² rounds near 1 and loses all relative precision by |z| ≈ 19.
 */
export function jetTanh(jet: TapeJet): TapeJet {
  const y = tanh(jet.value);
  const f1 = sechSquared(jet.value);
  return jetUnary(jet, y, f1, scale(mul(y, f1), -2));
}

/** Records sech²(z) elementwise on the tape: d sech²(z) = −2 tanh(z) sech²(z) dz. */
function sechSquared(z: Tensor): Tensor {
  const size = z.data.length;
  const t = new Float64Array(size);
  const slope = new Float64Array(size);
  for (let e = 0; e < size; e++) tanhAndSlope(z.data[e] as number, e, t, slope);

  // The value is already in `slope`, which becomes the output buffer, so forward has no work.
  const forward = (): void => {};
  const vjp = (ct: Float64Array, [ctZ]: (Float64Array | null)[]): void => {
    if (ctZ === null || ctZ === undefined) return;
    for (let e = 0; e < size; e++) {
      if (ct[e] !== 0) ctZ[e] -= 2 * t[e] * slope[e] * ct[e];
    }
  };
  return z.tape.custom("sechSquared", [z], z.shape, forward, vjp, { out: slope });
}

/**
 * y = relu(z): f' = [z > 0] (so relu'(0) = 0), f'' = 0. The step is piecewise constant,
 * so it enters as a constant mask.
 */
export function jetRelu(jet: TapeJet): TapeJet {
  const z = jet.value.data;
  const mask = new Float64Array(z.length);
  for (let k = 0; k < z.length; k++) mask[k] = z[k] > 0 ? 1 : 0;
  const step = jet.value.tape.constant(mask, jet.value.shape);
  return jetUnary(jet, relu(jet.value), step, null);
}

/** y = exp(z): f' = f'' = exp z. */
export function jetExp(jet: TapeJet): TapeJet {
  const y = exp(jet.value);
  return jetUnary(jet, y, y, y);
}

/** y = log(z) on z > 0: f' = 1/z, f'' = −1/z². For z < 0 every part is NaN. */
export function jetLog(jet: TapeJet): TapeJet {
  const f1 = div(1, jet.value);
  return jetUnary(jet, log(jet.value), f1, neg(square(f1)));
}

/** y = sqrt(z) on z > 0: f' = 1/(2y), f'' = −f'/(2z). For z < 0 every part is NaN. */
export function jetSqrt(jet: TapeJet): TapeJet {
  const y = sqrt(jet.value);
  const f1 = div(0.5, y);
  return jetUnary(jet, y, f1, scale(div(f1, jet.value), -0.5));
}

/** y = z²: f' = 2z, f'' = 2. */
export function jetSquare(jet: TapeJet): TapeJet {
  return jetUnary(jet, square(jet.value), scale(jet.value, 2), 2);
}

/** y = 1/z on z ≠ 0: f' = −y², f'' = 2y³. */
export function jetReciprocal(jet: TapeJet): TapeJet {
  const y = div(1, jet.value);
  const y2 = square(y);
  return jetUnary(jet, y, neg(y2), scale(mul(y2, y), 2));
}

/** y = c·a for a number c. */
export function jetScale(jet: TapeJet, factor: number): TapeJet {
  const scaled = (t: Tensor): Tensor => scale(t, factor);
  return mapLinear(jet, scaled(jet.value), scaled);
}

/** y = −a. */
export function jetNeg(jet: TapeJet): TapeJet {
  return mapLinear(jet, neg(jet.value), neg);
}

/** y = a + b, where a term constant in x adds to the value only. */
export function jetAdd(a: JetOperand, b: JetOperand): TapeJet {
  return combineLinear("jetAdd", a, b, 1);
}

/** y = a − b, where a term constant in x changes the value only. */
export function jetSub(a: JetOperand, b: JetOperand): TapeJet {
  return combineLinear("jetSub", a, b, -1);
}

/**
 * y = a·b by the product rule:
 *   y_i = a_i b + a b_i,  y_ij = a_ij b + a_i b_j + a_j b_i + a b_ij,
 *   Δy = Δa b + 2 Σ_i a_i b_i + a Δb.
 * A factor constant in x scales every coefficient of the other.
 */
export function jetMul(a: JetOperand, b: JetOperand): TapeJet {
  if (!(a instanceof TapeJet) && !(b instanceof TapeJet)) {
    throw new TypeError("jetMul: expected at least one TapeJet operand, received none");
  }
  if (!(a instanceof TapeJet)) return jetMul(b, a);
  if (!(b instanceof TapeJet)) {
    const factor = b;
    const scaled = (t: Tensor): Tensor => mul(t, factor);
    return mapLinear(a, checkConstantOperand("jetMul", a, scaled(a.value)), scaled);
  }
  checkSameSpec("jetMul", a, b);
  const value = mul(a.value, b.value);
  const tape = value.tape;

  const first = new Map<number, Tensor>();
  for (const [i, ai] of a.first) {
    first.set(i, add(mul(ai, b.value), mul(a.value, b.partial(i))));
  }

  const second = new Map<string, Tensor>();
  for (const [i, j] of a.spec.second) {
    const key = secondKey(i, j);
    const terms = [
      product(a.second.get(key) as Tensor, b.value),
      product(b.second.get(key) as Tensor, a.value),
      mul(a.partial(i), b.partial(j)),
      mul(a.partial(j), b.partial(i)),
    ];
    second.set(key, sumTerms(tape, value.shape, terms));
  }

  let laplacian: Tensor | null = null;
  if (a.laplacian !== null && b.laplacian !== null) {
    const cross: (Tensor | null)[] = [];
    for (let i = 0; i < a.spec.dim; i++) cross.push(mul(a.partial(i), b.partial(i)));
    const terms = [
      product(a.laplacian, b.value),
      product(b.laplacian, a.value),
      scale(sumTerms(tape, value.shape, cross), 2),
    ];
    laplacian = sumTerms(tape, value.shape, terms);
  }
  return new TapeJet(a.spec, value, first, second, laplacian);
}

function combineLinear(op: string, a: JetOperand, b: JetOperand, sign: 1 | -1): TapeJet {
  const signed = (t: Tensor): Tensor => (sign === 1 ? t : neg(t));
  if (a instanceof TapeJet && b instanceof TapeJet) {
    checkSameSpec(op, a, b);
    const combine = (x: Tensor, y: Tensor): Tensor => {
      if (knownZeros.has(y)) return x;
      if (knownZeros.has(x)) return signed(y);
      return sign === 1 ? add(x, y) : sub(x, y);
    };
    const first = new Map<number, Tensor>();
    for (const [i, ai] of a.first) first.set(i, combine(ai, b.first.get(i) as Tensor));
    const second = new Map<string, Tensor>();
    for (const [key, aij] of a.second) second.set(key, combine(aij, b.second.get(key) as Tensor));
    const laplacian =
      a.laplacian === null || b.laplacian === null ? null : combine(a.laplacian, b.laplacian);
    return new TapeJet(a.spec, combine(a.value, b.value), first, second, laplacian);
  }
  if (a instanceof TapeJet) {
    const value =
      sign === 1 ? add(a.value, b as Tensor | number) : sub(a.value, b as Tensor | number);
    checkConstantOperand(op, a, value);
    return new TapeJet(a.spec, value, a.first, a.second, a.laplacian);
  }
  if (b instanceof TapeJet) {
    const value = sign === 1 ? add(a, b.value) : sub(a, b.value);
    return mapLinear(b, checkConstantOperand(op, b, value), signed);
  }
  throw new TypeError(`${op}: expected at least one TapeJet operand, received none`);
}

/** Builds a jet whose value is `value` and whose partials are `map` of the input's partials. */
function mapLinear(jet: TapeJet, value: Tensor, map: (t: Tensor) => Tensor): TapeJet {
  // A linear map sends zero to zero; every coefficient has the value's shape.
  let zero: Tensor | null = null;
  const apply = (t: Tensor): Tensor => {
    if (!knownZeros.has(t)) return map(t);
    zero ??= zeroTensor(value.tape, value.shape);
    return zero;
  };
  const first = new Map<number, Tensor>();
  for (const [i, t] of jet.first) first.set(i, apply(t));
  const second = new Map<string, Tensor>();
  for (const [key, t] of jet.second) second.set(key, apply(t));
  const laplacian = jet.laplacian === null ? null : apply(jet.laplacian);
  return new TapeJet(jet.spec, value, first, second, laplacian);
}

/** Σ_i z_i² over all dim directions, which the Laplacian rule needs. */
function sumOfSquares(jet: TapeJet): Tensor {
  let total: Tensor | null = null;
  for (let i = 0; i < jet.spec.dim; i++) {
    const term = square(jet.partial(i));
    total = total === null ? term : add(total, term);
  }
  return total as Tensor;
}

function checkAffine(
  name: string,
  values: readonly number[] | undefined,
  dim: number,
  fill: number,
): readonly number[] {
  if (values === undefined) return new Array<number>(dim).fill(fill);
  if (values.length !== dim) {
    throw new RangeError(
      `seedJet: ${name} has length ${values.length}, expected spec.dim = ${dim}; give one ` +
        "entry per input coordinate",
    );
  }
  return values;
}

/** Returns `value` after checking that a constant operand did not broadcast the jet's shape. */
function checkConstantOperand(op: string, jet: TapeJet, value: Tensor): Tensor {
  if (sameShape(value.shape, jet.value.shape)) return value;
  throw new ShapeError(
    `${op}: the constant operand turns the jet's value ${formatShape(jet.value.shape)} into ` +
      `${formatShape(value.shape)}; give it a shape that broadcasts to the jet's value`,
  );
}

function checkSameSpec(op: string, a: TapeJet, b: TapeJet): void {
  const same =
    a.spec === b.spec ||
    (a.spec.dim === b.spec.dim &&
      a.spec.laplacian === b.spec.laplacian &&
      a.spec.first.join() === b.spec.first.join() &&
      a.spec.second.join(";") === b.spec.second.join(";"));
  if (same && a.value.shape[0] === b.value.shape[0]) return;
  throw new ShapeError(
    `${op}: the two jets differ (specs dim ${a.spec.dim} first [${a.spec.first}] vs dim ` +
      `${b.spec.dim} first [${b.spec.first}], values ${formatShape(a.value.shape)} vs ` +
      `${formatShape(b.value.shape)}); seed both from the same points and spec`,
  );
}
