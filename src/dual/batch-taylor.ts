// Batched univariate Taylor jets of any order on Float64Array, for equations such as u'''' = f.

import { sigmoidAndSlope, tanhAndSlope } from "./batch-activation.js";
import { gemmKernels } from "./matmul-simd.js";

/**
 * A Taylor jet of order K along one direction v of the input, for N points of width m:
 * coefficient k is the normalised Taylor coefficient u_k = (d/dt)^k u(x + t v) / k! at t = 0
 * (not the derivative itself). Coefficient k occupies rows k·N .. k·N + N − 1 of `data`, which
 * has shape [(K + 1)·N, m] row-major: the stacked-stream layout with K + 1 streams.
 */
export class BatchTaylor {
  /** K, the highest coefficient carried. */
  readonly order: number;
  /** N, the number of points. */
  readonly points: number;
  /** m, the number of features per point. */
  readonly width: number;
  /** The (K + 1)·N·m coefficients. */
  readonly data: Float64Array;

  constructor(order: number, points: number, width: number, data?: Float64Array) {
    if (!Number.isInteger(order) || order < 0) {
      throw new RangeError(
        `BatchTaylor: order must be a non-negative integer, received ${String(order)}`,
      );
    }
    if (!Number.isInteger(points) || points < 1 || !Number.isInteger(width) || width < 1) {
      throw new RangeError(
        `BatchTaylor: points and width must be positive integers, received ${points} and ${width}`,
      );
    }
    const size = (order + 1) * points * width;
    if (data !== undefined && data.length !== size) {
      throw new RangeError(
        `BatchTaylor: data must have (K + 1)·N·m = ${order + 1}·${points}·${width} = ${size} elements, received ${data.length}`,
      );
    }
    this.order = order;
    this.points = points;
    this.width = width;
    this.data = data ?? new Float64Array(size);
  }

  /** Returns coefficient k (u^(k)/k!) as an [N, m] view into `data`. */
  coefficient(k: number): Float64Array {
    if (!Number.isInteger(k) || k < 0 || k > this.order) {
      throw new RangeError(
        `BatchTaylor.coefficient: k must be an integer in [0, ${this.order}], received ${k}`,
      );
    }
    const size = this.points * this.width;
    return this.data.subarray(k * size, (k + 1) * size);
  }

  /** Returns the k-th directional derivative u^(k) = k! · u_k as a new [N, m] array. */
  derivative(k: number): Float64Array {
    const coefficient = this.coefficient(k);
    let factorial = 1;
    for (let j = 2; j <= k; j++) factorial *= j;
    return coefficient.map((c) => c * factorial);
  }
}

/**
 * Seeds the Taylor jet of the input layer at `points` (N·dim numbers, row-major) along the
 * direction `direction` (an axis index or a vector of `dim` entries): x̂(t) = scale ⊙ (x + t v)
 * + shift, so u_0 = x̂, u_1 = scale ⊙ v and every higher coefficient is zero. Writes into
 * `out` when given, which must have this order and shape.
 */
export function seedBatchTaylor(
  points: Float64Array,
  dim: number,
  direction: number | ArrayLike<number>,
  order: number,
  scale?: ArrayLike<number>,
  shift?: ArrayLike<number>,
  out?: BatchTaylor,
): BatchTaylor {
  if (!Number.isInteger(dim) || dim < 1 || points.length === 0 || points.length % dim !== 0) {
    throw new RangeError(
      `seedBatchTaylor: points must hold N·dim numbers for a positive integer dim, received ${points.length} numbers and dim ${String(dim)}`,
    );
  }
  const v = directionVector(dim, direction);
  for (const [argument, vector] of [
    ["scale", scale],
    ["shift", shift],
  ] as const) {
    if (vector !== undefined && vector.length !== dim) {
      throw new RangeError(
        `seedBatchTaylor: ${argument} must have one entry per input direction (${dim}), received ${vector.length}`,
      );
    }
  }

  const n = points.length / dim;
  if (out !== undefined && (out.order !== order || out.points !== n || out.width !== dim)) {
    throw new RangeError(
      `seedBatchTaylor: out must have order ${order}, ${n} points and width ${dim}, received order ${out.order}, ${out.points} points, width ${out.width}`,
    );
  }
  const jet = out ?? new BatchTaylor(order, n, dim);
  jet.data.fill(0);
  const size = n * dim;
  for (let e = 0; e < size; e++) {
    const i = e % dim;
    const slope = scale ? scale[i] : 1;
    jet.data[e] = slope * points[e] + (shift ? shift[i] : 0);
    if (order >= 1) jet.data[size + e] = slope * v[i];
  }
  return jet;
}

function directionVector(dim: number, direction: number | ArrayLike<number>): ArrayLike<number> {
  if (typeof direction === "number") {
    if (!Number.isInteger(direction) || direction < 0 || direction >= dim) {
      throw new RangeError(
        `seedBatchTaylor: direction must be an axis in [0, ${dim - 1}] or a vector, received ${direction}`,
      );
    }
    return Array.from({ length: dim }, (_, i) => (i === direction ? 1 : 0));
  }
  if (direction.length !== dim) {
    throw new RangeError(
      `seedBatchTaylor: a direction vector must have ${dim} entries, received ${direction.length}`,
    );
  }
  return direction;
}

/**
 * Applies z = W a + b to every coefficient with one product Z = S · Wᵀ over all (K + 1)·N rows;
 * b enters coefficient 0 only. W is [out, in] row-major, b has `out` entries.
 */
export function batchTaylorAffine(
  jet: BatchTaylor,
  weights: Float64Array,
  bias: Float64Array,
  out?: BatchTaylor,
): BatchTaylor {
  const inputs = jet.width;
  const outputs = bias.length;
  if (weights.length !== outputs * inputs) {
    throw new RangeError(
      `batchTaylorAffine: weights must be [out, in] = [${outputs}, ${inputs}] (${outputs * inputs} numbers), received ${weights.length}; the bias length sets out and the jet width sets in`,
    );
  }
  const result = prepareOut("batchTaylorAffine", jet, outputs, out);

  gemmKernels.ABt(result.data, jet.data, weights, (jet.order + 1) * jet.points, inputs, outputs);
  for (let p = 0; p < jet.points; p++) {
    for (let o = 0; o < outputs; o++) result.data[p * outputs + o] += bias[o];
  }
  return result;
}

function prepareOut(name: string, jet: BatchTaylor, width: number, out?: BatchTaylor): BatchTaylor {
  if (out === undefined) return new BatchTaylor(jet.order, jet.points, width);
  if (out.order !== jet.order || out.points !== jet.points || out.width !== width) {
    throw new RangeError(
      `${name}: out must have order ${jet.order}, ${jet.points} points and width ${width}, received order ${out.order}, ${out.points} points, width ${out.width}`,
    );
  }
  if (out === jet) {
    throw new RangeError(`${name}: out must be a new jet, not the input`);
  }
  return out;
}

/** The elementwise functions with a batched Taylor rule. */
export type BatchTaylorOp =
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
 * Computes the coefficients y_0..y_K of y = f(z) for one element: z[e + k·stride] is z_k and
 * the rule writes y[e + k·stride]. `aux` is scratch of the same layout for a companion series
 * (cos for sin, 1 − tanh² for tanh). The recurrences come from y' = g(z) z' in coefficients:
 * k y_k = Σ_{j=1..k} j z_j g_{k−j}; docs/fused-path.md derives each one.
 */
type TaylorRule = (
  z: Float64Array,
  y: Float64Array,
  aux: Float64Array,
  e: number,
  stride: number,
  order: number,
  omega: number,
) => void;

const taylorRules: Record<BatchTaylorOp, TaylorRule> = {
  // s = sin(ωz), c = cos(ωz): s' = ω c z', c' = −ω s z'.
  sine(z, y, aux, e, stride, order, omega) {
    sinCosSeries(z, y, aux, e, stride, order, omega);
  },
  sin(z, y, aux, e, stride, order) {
    sinCosSeries(z, y, aux, e, stride, order, 1);
  },
  cos(z, y, aux, e, stride, order) {
    sinCosSeries(z, aux, y, e, stride, order, 1);
  },
  // t = tanh z, q = 1 − t²: t' = q z', q_k = −Σ_{j=0..k} t_j t_{k−j} for k >= 1. q_0 = sech² z_0
  // comes from exp(−2|z_0|), because 1 − t_0² cancels once t_0² rounds near 1.
  tanh(z, y, aux, e, stride, order) {
    tanhAndSlope(z[e], e, y, aux);
    for (let k = 1; k <= order; k++) {
      let sum = 0;
      for (let j = 1; j <= k; j++) sum += j * z[e + j * stride] * aux[e + (k - j) * stride];
      y[e + k * stride] = sum / k;

      let square = 0;
      for (let j = 0; j <= k; j++) square += y[e + j * stride] * y[e + (k - j) * stride];
      aux[e + k * stride] = -square;
    }
  },
  // σ' = p z' with p = σ − σ², so p_k = σ_k − Σ_{j=0..k} σ_j σ_{k−j} for k >= 1. The two terms
  // with σ_0 combine into σ_k (1 − 2σ_0), and 1 − 2σ_0 = −tanh(z_0/2) comes without the
  // cancellation of 1 − 2σ_0 near z_0 = 0; p_0 = σ_0(1 − σ_0) likewise (batch-activation.ts).
  sigmoid(z, y, aux, e, stride, order) {
    const oneMinusTwice = sigmoidAndSlope(z[e], e, y, aux);
    for (let k = 1; k <= order; k++) {
      let sum = 0;
      for (let j = 1; j <= k; j++) sum += j * z[e + j * stride] * aux[e + (k - j) * stride];
      const sk = sum / k;
      y[e + k * stride] = sk;

      let square = 0;
      for (let j = 1; j < k; j++) square += y[e + j * stride] * y[e + (k - j) * stride];
      aux[e + k * stride] = sk * oneMinusTwice - square;
    }
  },
  // relu is linear on each side of 0: y = z where z_0 > 0, and y = 0 where z_0 <= 0
  // (relu'(0) = 0 and every higher derivative is 0). NaN stays NaN.
  relu(z, y, _aux, e, stride, order) {
    const z0 = z[e];
    const keep = z0 > 0;
    for (let k = 0; k <= order; k++) {
      y[e + k * stride] = keep ? z[e + k * stride] : Number.isNaN(z0) ? z0 : 0;
    }
  },
  identity(z, y, _aux, e, stride, order) {
    for (let k = 0; k <= order; k++) y[e + k * stride] = z[e + k * stride];
  },
  // y = exp z: y' = y z', so k y_k = Σ_{j=1..k} j z_j y_{k−j}.
  exp(z, y, _aux, e, stride, order) {
    y[e] = Math.exp(z[e]);
    for (let k = 1; k <= order; k++) {
      let sum = 0;
      for (let j = 1; j <= k; j++) sum += j * z[e + j * stride] * y[e + (k - j) * stride];
      y[e + k * stride] = sum / k;
    }
  },
  // Domain (0, ∞). y = log z: z y' = z', so y_k = (z_k − (1/k) Σ_{j=1..k−1} j y_j z_{k−j}) / z_0.
  // At z_0 = 0 the value is −Infinity and the higher coefficients are ±Infinity or NaN.
  log(z, y, _aux, e, stride, order) {
    const z0 = z[e];
    y[e] = Math.log(z0);
    for (let k = 1; k <= order; k++) {
      let sum = 0;
      for (let j = 1; j < k; j++) sum += j * y[e + j * stride] * z[e + (k - j) * stride];
      y[e + k * stride] = z0 < 0 ? Number.NaN : (z[e + k * stride] - sum / k) / z0;
    }
  },
  // Domain [0, ∞). y = sqrt z: y² = z, so y_k = (z_k − Σ_{j=1..k−1} y_j y_{k−j}) / (2 y_0).
  // At z_0 = 0 the derivative does not exist and the higher coefficients are ±Infinity or NaN.
  sqrt(z, y, _aux, e, stride, order) {
    const y0 = Math.sqrt(z[e]);
    y[e] = y0;
    for (let k = 1; k <= order; k++) {
      let sum = 0;
      for (let j = 1; j < k; j++) sum += y[e + j * stride] * y[e + (k - j) * stride];
      y[e + k * stride] = (z[e + k * stride] - sum) / (2 * y0);
    }
  },
  // y = z²: y_k = Σ_{j=0..k} z_j z_{k−j} (the Cauchy product).
  square(z, y, _aux, e, stride, order) {
    for (let k = 0; k <= order; k++) {
      let sum = 0;
      for (let j = 0; j <= k; j++) sum += z[e + j * stride] * z[e + (k - j) * stride];
      y[e + k * stride] = sum;
    }
  },
};

/**
 * Writes the series of s = sin(ωz) into `s` and of c = cos(ωz) into `c`:
 * k s_k = ω Σ_{j=1..k} j z_j c_{k−j} and k c_k = −ω Σ_{j=1..k} j z_j s_{k−j}.
 */
function sinCosSeries(
  z: Float64Array,
  s: Float64Array,
  c: Float64Array,
  e: number,
  stride: number,
  order: number,
  omega: number,
): void {
  s[e] = Math.sin(omega * z[e]);
  c[e] = Math.cos(omega * z[e]);
  for (let k = 1; k <= order; k++) {
    let sumS = 0;
    let sumC = 0;
    for (let j = 1; j <= k; j++) {
      const weighted = j * z[e + j * stride];
      sumS += weighted * c[e + (k - j) * stride];
      sumC += weighted * s[e + (k - j) * stride];
    }
    s[e + k * stride] = (omega * sumS) / k;
    c[e + k * stride] = (-omega * sumC) / k;
  }
}

/**
 * Applies the elementwise function `op` to a Taylor jet by its coefficient recurrence.
 * `omega` is the frequency of "sine" (y = sin(ωz)) and is ignored by the other functions.
 */
export function batchTaylorUnary(
  jet: BatchTaylor,
  op: BatchTaylorOp,
  omega = 1,
  out?: BatchTaylor,
): BatchTaylor {
  const result = prepareOut(`batchTaylorUnary(${op})`, jet, jet.width, out);
  const aux = new Float64Array(jet.data.length);
  applyTaylorRule(op, jet.data, result.data, aux, jet.points * jet.width, jet.order, omega);
  return result;
}

/**
 * Writes the coefficients of y = f(z) into `y` for every element, where coefficient k of
 * element e sits at k·stride + e in `z`, `y` and `aux` (each (order + 1)·stride long).
 * `aux` receives the companion series: cos(ωz) for "sine" and "sin", sin(z) for "cos",
 * 1 − tanh² for "tanh" and σ(1 − σ) for "sigmoid". The other rules leave it untouched.
 * Allocates nothing; the fused Taylor layer keeps `aux` for its backward.
 */
export function applyTaylorRule(
  op: BatchTaylorOp,
  z: Float64Array,
  y: Float64Array,
  aux: Float64Array,
  stride: number,
  order: number,
  omega: number,
): void {
  const rule = taylorRules[op];
  if (rule === undefined) {
    throw new TypeError(
      `applyTaylorRule: op must be one of ${Object.keys(taylorRules).join(", ")}, received ${JSON.stringify(op)}`,
    );
  }
  for (let e = 0; e < stride; e++) rule(z, y, aux, e, stride, order, omega);
}

/** Applies sin(ω z) (the SIREN activation) to a Taylor jet. */
export function batchTaylorSine(jet: BatchTaylor, omega = 1, out?: BatchTaylor): BatchTaylor {
  return batchTaylorUnary(jet, "sine", omega, out);
}

/** Applies tanh to a Taylor jet. */
export function batchTaylorTanh(jet: BatchTaylor, out?: BatchTaylor): BatchTaylor {
  return batchTaylorUnary(jet, "tanh", 1, out);
}

/** Applies relu to a Taylor jet, with relu'(0) = 0 and zero higher derivatives. */
export function batchTaylorRelu(jet: BatchTaylor, out?: BatchTaylor): BatchTaylor {
  return batchTaylorUnary(jet, "relu", 1, out);
}

/** Returns the elementwise product a · b, coefficient k being Σ_{j=0..k} a_j b_{k−j}. */
export function batchTaylorMul(a: BatchTaylor, b: BatchTaylor, out?: BatchTaylor): BatchTaylor {
  if (a.order !== b.order || a.points !== b.points || a.width !== b.width) {
    throw new RangeError(
      `batchTaylorMul: both jets must have the same order and shape, received order ${a.order} [${a.points}, ${a.width}] and order ${b.order} [${b.points}, ${b.width}]`,
    );
  }
  const result = prepareOut("batchTaylorMul", a, a.width, out);
  if (result === b) throw new RangeError("batchTaylorMul: out must be a new jet, not a factor");
  const stride = a.points * a.width;

  for (let e = 0; e < stride; e++) {
    for (let k = 0; k <= a.order; k++) {
      let sum = 0;
      for (let j = 0; j <= k; j++) sum += a.data[e + j * stride] * b.data[e + (k - j) * stride];
      result.data[e + k * stride] = sum;
    }
  }
  return result;
}
