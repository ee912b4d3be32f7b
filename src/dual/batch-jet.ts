// Batched second-order jets on Float64Array: N points, width m, all streams in one [K·N, m] buffer.

import { sigmoidAndSlope, tanhAndSlope } from "./batch-activation.js";
import { checkJetPoints } from "./batch-points.js";
import { JetLayout, type JetSpec } from "./batch-spec.js";
import { gemmKernels } from "./matmul-simd.js";

/**
 * A jet of N points and width m in the stacked-stream layout: stream s (value, first partials,
 * second partials, Laplacian, in `layout` order) occupies rows s·N .. s·N + N − 1 of `data`,
 * which has shape [K·N, m] row-major. All partials are with respect to the input point x.
 */
export class BatchJet {
  readonly layout: JetLayout;
  /** N, the number of points. */
  readonly points: number;
  /** m, the number of features per point. */
  readonly width: number;
  /** The K·N·m coefficients. */
  readonly data: Float64Array;

  constructor(layout: JetLayout, points: number, width: number, data?: Float64Array) {
    if (!Number.isInteger(points) || points < 1 || !Number.isInteger(width) || width < 1) {
      throw new RangeError(
        `BatchJet: points and width must be positive integers, received ${points} and ${width}`,
      );
    }
    const size = layout.streams * points * width;
    if (data !== undefined && data.length !== size) {
      throw new RangeError(
        `BatchJet: data must have K·N·m = ${layout.streams}·${points}·${width} = ${size} elements, received ${data.length}`,
      );
    }
    this.layout = layout;
    this.points = points;
    this.width = width;
    this.data = data ?? new Float64Array(size);
  }

  /** The closed spec of the streams carried. */
  get spec(): JetSpec {
    return this.layout.spec;
  }

  /** K, the number of streams. */
  get streams(): number {
    return this.layout.streams;
  }

  /** Returns stream s as an [N, m] view into `data` (no copy). */
  stream(s: number): Float64Array {
    const size = this.points * this.width;
    return this.data.subarray(s * size, (s + 1) * size);
  }

  /** Returns the value stream as an [N, m] view. */
  value(): Float64Array {
    return this.stream(0);
  }

  /** Returns ∂/∂x_i as an [N, m] view; throws when direction i is not carried. */
  first(i: number): Float64Array {
    const s = i >= 0 && i < this.layout.spec.dim ? this.layout.firstStream[i] : -1;
    if (s < 0) {
      throw new RangeError(
        `BatchJet.first: direction ${i} is not carried, the jet has first partials ${JSON.stringify(this.layout.spec.first)}; add it to spec.first`,
      );
    }
    return this.stream(s);
  }

  /** Returns ∂²/∂x_i∂x_j as an [N, m] view; throws when the pair is not carried. */
  second(i: number, j: number): Float64Array {
    const s = this.layout.secondStream(i, j);
    if (s < 0) {
      throw new RangeError(
        `BatchJet.second: pair (${i}, ${j}) is not carried, the jet has ${JSON.stringify(this.layout.spec.second)}; add it to spec.second`,
      );
    }
    return this.stream(s);
  }

  /** Returns the Laplacian Σ_i ∂²/∂x_i² as an [N, m] view; throws when it is not carried. */
  laplacian(): Float64Array {
    if (this.layout.laplacianStream < 0) {
      throw new RangeError(
        "BatchJet.laplacian: the jet carries no Laplacian; set spec.laplacian to true",
      );
    }
    return this.stream(this.layout.laplacianStream);
  }
}

/**
 * Seeds the jet of the input layer at `points` (N·dim numbers, row-major): the value is
 * x̂ = scale ⊙ x + shift, ∂x̂/∂x_i = scale_i e_i, and every second partial is zero.
 * `scale` and `shift` map the problem's domain onto the network's input box (default 1 and 0).
 * Throws a RangeError when `points` is empty, not N·dim long, or has a NaN or ±Infinity.
 */
export function seedBatchJet(
  points: Float64Array,
  spec: JetSpec,
  scale?: readonly number[],
  shift?: readonly number[],
): BatchJet {
  const layout = new JetLayout(spec);
  const dim = layout.spec.dim;
  const n = checkJetPoints("seedBatchJet", points, dim);
  checkVector("seedBatchJet", "scale", scale, dim);
  checkVector("seedBatchJet", "shift", shift, dim);

  const jet = new BatchJet(layout, n, dim);
  const data = jet.data;
  for (let e = 0; e < n * dim; e++) {
    const i = e % dim;
    data[e] = (scale ? scale[i] : 1) * points[e] + (shift ? shift[i] : 0);
  }
  for (const i of layout.spec.first) {
    const base = layout.firstStream[i] * n * dim;
    const slope = scale ? scale[i] : 1;
    for (let p = 0; p < n; p++) data[base + p * dim + i] = slope;
  }
  return jet;
}

function checkVector(
  name: string,
  argument: string,
  vector: readonly number[] | undefined,
  dim: number,
): void {
  if (vector !== undefined && vector.length !== dim) {
    throw new RangeError(
      `${name}: ${argument} must have one entry per input direction (${dim}), received ${vector.length}`,
    );
  }
}

/**
 * Applies the affine map z = W a + b to every point of every stream: Z = S · Wᵀ with one matrix
 * product over all K·N rows, then b is added to the value stream only, because the bias does
 * not depend on x. W is [out, in] row-major, b has `out` entries.
 */
export function batchAffine(
  jet: BatchJet,
  weights: Float64Array,
  bias: Float64Array,
  out?: BatchJet,
): BatchJet {
  const inputs = jet.width;
  const outputs = bias.length;
  if (weights.length !== outputs * inputs) {
    throw new RangeError(
      `batchAffine: weights must be [out, in] = [${outputs}, ${inputs}] (${outputs * inputs} numbers), received ${weights.length}; the bias length sets out and the jet width sets in`,
    );
  }
  const result = prepareOut("batchAffine", jet, outputs, out);
  const rows = jet.streams * jet.points;

  gemmKernels.ABt(result.data, jet.data, weights, rows, inputs, outputs);
  const value = result.data;
  for (let p = 0; p < jet.points; p++) {
    const row = p * outputs;
    for (let o = 0; o < outputs; o++) value[row + o] += bias[o];
  }
  return result;
}

function prepareOut(name: string, jet: BatchJet, width: number, out?: BatchJet): BatchJet {
  if (out === undefined) return new BatchJet(jet.layout, jet.points, width);
  if (!out.layout.equals(jet.layout) || out.points !== jet.points || out.width !== width) {
    throw new RangeError(
      `${name}: out must have the input's streams, ${jet.points} points and width ${width}, received ${out.streams} streams, ${out.points} points, width ${out.width}`,
    );
  }
  return out;
}

/** The elementwise functions with a batched jet rule. */
export type BatchUnaryOp =
  | "sine"
  | "tanh"
  | "relu"
  | "identity"
  | "exp"
  | "log"
  | "sqrt"
  | "sin"
  | "cos"
  | "sigmoid"
  | "square";

/**
 * Writes f(z), f'(z) and f''(z) for every element of the value stream z into d0, d1, d2.
 * `omega` is the frequency of "sine" (f(z) = sin(ωz)) and is ignored by the other functions.
 * The table is keyed by op, so an op without a rule does not compile.
 */
const derivativeRules: Record<
  BatchUnaryOp,
  (z: Float64Array, d0: Float64Array, d1: Float64Array, d2: Float64Array, omega: number) => void
> = {
  // d sin(ωz) = ω cos(ωz) dz, d² sin(ωz) = −ω² sin(ωz) dz²
  sine(z, d0, d1, d2, omega) {
    const omega2 = omega * omega;
    for (let e = 0; e < z.length; e++) {
      const s = Math.sin(omega * z[e]);
      d0[e] = s;
      d1[e] = omega * Math.cos(omega * z[e]);
      d2[e] = -omega2 * s;
    }
  },
  // tanh' = sech², tanh'' = −2 tanh sech², with sech² from exp(−2|z|) rather than 1 − tanh²,
  // which cancels once tanh² rounds near 1 (see batch-activation.ts).
  tanh(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      tanhAndSlope(z[e], e, d0, d1);
      d2[e] = -2 * d0[e] * d1[e];
    }
  },
  // relu'(z) = 1 for z > 0 and 0 for z <= 0 (so relu'(0) = 0), relu'' = 0. NaN stays NaN.
  relu(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      const x = z[e];
      // Math.max returns NaN for NaN, where x > 0 ? x : 0 would hide it.
      d0[e] = Math.max(x, 0);
      if (Number.isNaN(x)) d1[e] = x;
      else d1[e] = x > 0 ? 1 : 0;
      d2[e] = 0;
    }
  },
  identity(z, d0, d1, d2) {
    d0.set(z);
    d1.fill(1);
    d2.fill(0);
  },
  // exp' = exp'' = exp
  exp(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      const y = Math.exp(z[e]);
      d0[e] = y;
      d1[e] = y;
      d2[e] = y;
    }
  },
  // Domain (0, ∞). log' = 1/z, log'' = −1/z². At z = 0 the value is −Infinity and the partials
  // are ±Infinity or NaN; for z < 0 everything is NaN (IEEE results, not errors).
  log(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      const x = z[e];
      const inverse = 1 / x;
      d0[e] = Math.log(x);
      d1[e] = x < 0 ? Number.NaN : inverse;
      d2[e] = x < 0 ? Number.NaN : -inverse * inverse;
    }
  },
  // Domain [0, ∞). sqrt' = 1/(2 sqrt z), sqrt'' = −1/(4 z sqrt z). At z = 0 the derivative
  // does not exist: the value is 0 and the partials are ±Infinity or NaN. For z < 0 all are NaN.
  sqrt(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      const x = z[e];
      const root = Math.sqrt(x);
      const slope = 0.5 / root;
      d0[e] = root;
      d1[e] = x < 0 ? Number.NaN : slope;
      d2[e] = x < 0 ? Number.NaN : (-0.5 * slope) / x;
    }
  },
  // sin' = cos, sin'' = −sin
  sin(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      const s = Math.sin(z[e]);
      d0[e] = s;
      d1[e] = Math.cos(z[e]);
      d2[e] = -s;
    }
  },
  // cos' = −sin, cos'' = −cos
  cos(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      const c = Math.cos(z[e]);
      d0[e] = c;
      d1[e] = -Math.sin(z[e]);
      d2[e] = -c;
    }
  },
  // σ' = σ (1 − σ), σ'' = σ' (1 − 2σ) with 1 − 2σ = −tanh(z/2), so neither cancels (see
  // batch-activation.ts).
  sigmoid(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      const oneMinusTwice = sigmoidAndSlope(z[e], e, d0, d1);
      d2[e] = d1[e] * oneMinusTwice;
    }
  },
  // (z²)' = 2z, (z²)'' = 2
  square(z, d0, d1, d2) {
    for (let e = 0; e < z.length; e++) {
      d0[e] = z[e] * z[e];
      d1[e] = 2 * z[e];
      d2[e] = 2;
    }
  },
};

/**
 * Applies the elementwise function `op` to every stream of `jet` by the second-order chain rule:
 * y = f(z), y_i = f'(z) z_i, y_ij = f'(z) z_ij + f''(z) z_i z_j, and for the Laplacian
 * y_L = f'(z) z_L + f''(z) Σ_i z_i². `out` may be `jet` itself (the streams that others read
 * are written last).
 *
 * NOTE: each call allocates three scratch arrays of N·m numbers for f, f' and f''. The
 * allocation-free path for training is the fused layer in src/siren/fused.ts.
 */
export function batchUnary(jet: BatchJet, op: BatchUnaryOp, omega = 1, out?: BatchJet): BatchJet {
  const result = prepareOut(`batchUnary(${op})`, jet, jet.width, out);
  const size = jet.points * jet.width;
  const d0 = new Float64Array(size);
  const d1 = new Float64Array(size);
  const d2 = new Float64Array(size);

  const rule = derivativeRules[op];
  if (rule === undefined) {
    throw new TypeError(
      `batchUnary: op must be one of ${Object.keys(derivativeRules).join(", ")}, received ${JSON.stringify(op)}`,
    );
  }
  rule(jet.data.subarray(0, size), d0, d1, d2, omega);
  applyChainRule(jet.layout, size, jet.data, result.data, d0, d1, d2);
  return result;
}

/**
 * Writes the streams of y = f(z) into `y` from those of z, given f, f', f'' per element.
 * Order: Laplacian and second partials first (they read z's first partials), then first
 * partials, then the value, so that `y` may be the same buffer as `z`.
 */
export function applyChainRule(
  layout: JetLayout,
  size: number,
  z: Float64Array,
  y: Float64Array,
  d0: Float64Array,
  d1: Float64Array,
  d2: Float64Array,
): void {
  const lap = layout.laplacianStream;
  if (lap >= 0) {
    const base = lap * size;
    for (let e = 0; e < size; e++) {
      let squares = 0;
      for (let q = 0; q < layout.laplacianFactors.length; q++) {
        const zi = z[layout.laplacianFactors[q] * size + e];
        squares += zi * zi;
      }
      y[base + e] = d1[e] * z[base + e] + d2[e] * squares;
    }
  }

  for (let k = 0; k < layout.secondStreams.length; k++) {
    const base = layout.secondStreams[k] * size;
    const baseI = layout.secondFactors[2 * k] * size;
    const baseJ = layout.secondFactors[2 * k + 1] * size;
    for (let e = 0; e < size; e++) {
      y[base + e] = d1[e] * z[base + e] + d2[e] * z[baseI + e] * z[baseJ + e];
    }
  }

  for (let s = 1; s <= layout.spec.first.length; s++) {
    const base = s * size;
    for (let e = 0; e < size; e++) y[base + e] = d1[e] * z[base + e];
  }

  y.set(d0, 0);
}

/** Applies sin(ω z) to every stream (the SIREN activation). */
export function batchSine(jet: BatchJet, omega = 1, out?: BatchJet): BatchJet {
  return batchUnary(jet, "sine", omega, out);
}

/** Applies tanh to every stream. */
export function batchTanh(jet: BatchJet, out?: BatchJet): BatchJet {
  return batchUnary(jet, "tanh", 1, out);
}

/** Applies relu to every stream, with relu'(0) = 0 and relu'' = 0. */
export function batchRelu(jet: BatchJet, out?: BatchJet): BatchJet {
  return batchUnary(jet, "relu", 1, out);
}

/** Returns the sum a + b of two jets with the same layout and shape. */
export function batchAdd(a: BatchJet, b: BatchJet, out?: BatchJet): BatchJet {
  checkSameShape("batchAdd", a, b);
  const result = prepareOut("batchAdd", a, a.width, out);
  for (let e = 0; e < a.data.length; e++) result.data[e] = a.data[e] + b.data[e];
  return result;
}

/** Returns the difference a − b of two jets with the same layout and shape. */
export function batchSub(a: BatchJet, b: BatchJet, out?: BatchJet): BatchJet {
  checkSameShape("batchSub", a, b);
  const result = prepareOut("batchSub", a, a.width, out);
  for (let e = 0; e < a.data.length; e++) result.data[e] = a.data[e] - b.data[e];
  return result;
}

/** Returns c · a for a number c (every stream scales by c). */
export function batchScale(a: BatchJet, c: number, out?: BatchJet): BatchJet {
  const result = prepareOut("batchScale", a, a.width, out);
  for (let e = 0; e < a.data.length; e++) result.data[e] = c * a.data[e];
  return result;
}

/**
 * Returns the elementwise product a · b by the Leibniz rule: (ab)_i = a_i b + a b_i,
 * (ab)_ij = a_ij b + a_i b_j + a_j b_i + a b_ij, (ab)_L = a_L b + 2 Σ_i a_i b_i + a b_L.
 * `out` must not be `a` or `b`.
 */
export function batchMul(a: BatchJet, b: BatchJet, out?: BatchJet): BatchJet {
  checkSameShape("batchMul", a, b);
  const result = prepareOut("batchMul", a, a.width, out);
  if (result === a || result === b) {
    throw new RangeError("batchMul: out must be a new jet, not one of the factors");
  }
  const layout = a.layout;
  const size = a.points * a.width;
  const x = a.data;
  const y = b.data;
  const r = result.data;

  for (let s = 0; s <= layout.spec.first.length; s++) {
    const base = s * size;
    for (let e = 0; e < size; e++) {
      r[base + e] = s === 0 ? x[e] * y[e] : x[base + e] * y[e] + x[e] * y[base + e];
    }
  }

  for (let k = 0; k < layout.secondStreams.length; k++) {
    const base = layout.secondStreams[k] * size;
    const baseI = layout.secondFactors[2 * k] * size;
    const baseJ = layout.secondFactors[2 * k + 1] * size;
    for (let e = 0; e < size; e++) {
      r[base + e] =
        x[base + e] * y[e] +
        x[baseI + e] * y[baseJ + e] +
        x[baseJ + e] * y[baseI + e] +
        x[e] * y[base + e];
    }
  }

  if (layout.laplacianStream >= 0) {
    const base = layout.laplacianStream * size;
    for (let e = 0; e < size; e++) {
      let cross = 0;
      for (let q = 0; q < layout.laplacianFactors.length; q++) {
        const offset = layout.laplacianFactors[q] * size + e;
        cross += x[offset] * y[offset];
      }
      r[base + e] = x[base + e] * y[e] + 2 * cross + x[e] * y[base + e];
    }
  }
  return result;
}

function checkSameShape(name: string, a: BatchJet, b: BatchJet): void {
  if (!a.layout.equals(b.layout) || a.points !== b.points || a.width !== b.width) {
    throw new RangeError(
      `${name}: both jets must have the same streams and shape, received ${a.streams}×[${a.points}, ${a.width}] and ${b.streams}×[${b.points}, ${b.width}]; build both from the same spec`,
    );
  }
}
