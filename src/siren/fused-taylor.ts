// The fused Taylor layer: one layer's order-K Taylor forward and its reverse on preallocated buffers.
//
// The input contains the normalised coefficients S_0..S_K (u_k = u^(k)/k!) of N points stacked as
// [(K + 1)·N, in]. Forward: Z = S·Wᵀ over all coefficients, b added to Z_0, then the
// activation's coefficient recurrence (docs/fused-path.md lists them). Backward: the reverse of
// that recurrence gives dZ, then dW += dZᵀ·S, db += the rows of dZ_0 summed, dS += dZ·W.
//
// Reverse of the sine recurrence (w = ωz, s = sin w, c = cos w), for k = K down to 1:
//   s_k = (1/k) Σ_{j=1..k} j w_j c_{k−j}:  dw_j += (j/k) c_{k−j} ds_k,  dc_{k−j} += (j/k) w_j ds_k
//   c_k = −(1/k) Σ_{j=1..k} j w_j s_{k−j}: dw_j −= (j/k) s_{k−j} dc_k,  ds_{k−j} −= (j/k) w_j dc_k
// then dw_0 += c_0 ds_0 − s_0 dc_0 and dz = ω dw. Every use of s_k and c_k lies at a higher
// index, so ds_k and dc_k are complete when step k reads them.
// Reverse of the tanh recurrence (q = 1 − t²), for k = K down to 0:
//   q_k = −Σ_{j=0..k} t_j t_{k−j} (q_0 = 1 − t_0²):  dt_j −= 2 t_{k−j} dq_k
//   t_k = (1/k) Σ_{j=1..k} j z_j q_{k−j} (k >= 1):    dz_j += (j/k) q_{k−j} dt_k,  dq_{k−j} += (j/k) z_j dt_k
// and t_0 = tanh z_0 gives dz_0 += q_0 dt_0.

import { applyTaylorRule } from "../dual/batch-taylor.js";
import { gemmKernels } from "../dual/matmul-simd.js";
import type { Tape } from "../tape/tape.js";
import type { Tensor } from "../tape/tensor.js";
import { ACTIVATIONS, type LayerActivation } from "./activation.js";

const LAYER_ACTIVATIONS: readonly LayerActivation[] = [...ACTIVATIONS, "linear"];

/**
 * Buffers of one fused Taylor layer for N points, Taylor order K and `inputs` → `outputs`
 * features, sized once and reused by every step. It stores the input and W of the last forward
 * and the companion series (cos(ωz) for the sine, 1 − tanh² for tanh) that the backward reads.
 *
 * NOTE: one workspace serves one layer evaluation per tape, as for FusedLayerWorkspace.
 */
export class FusedTaylorLayerWorkspace {
  readonly points: number;
  readonly order: number;
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: LayerActivation;
  /** Frequency ω of the sine activation, y = sin(ωz); 1 for the other activations. */
  readonly omega: number;
  /** Pre-activation coefficients Z, shape [(K + 1)·N, outputs]. */
  readonly z: Float64Array;
  /** Output coefficients Y, shape [(K + 1)·N, outputs]; the same buffer as `z` for "linear". */
  readonly y: Float64Array;
  /** Companion series of the activation, shape [(K + 1)·N, outputs] (empty for relu, linear). */
  readonly aux: Float64Array;
  /** Cotangent of Z, shape [(K + 1)·N, outputs] (unused for "linear"). */
  readonly dz: Float64Array;
  /** Per-element scratch of the reverse recurrence: output and companion cotangents. */
  readonly outputBar: Float64Array;
  readonly auxBar: Float64Array;
  /** Input coefficients S of the last forward, shape [(K + 1)·N, inputs]. */
  input: Float64Array | null = null;
  /** Weights W of the last forward, shape [outputs, inputs]. */
  weights: Float64Array | null = null;

  constructor(
    points: number,
    order: number,
    inputs: number,
    outputs: number,
    activation: LayerActivation,
    omega = 1,
  ) {
    for (const [name, value, min] of [
      ["points", points, 1],
      ["order", order, 0],
      ["inputs", inputs, 1],
      ["outputs", outputs, 1],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw new RangeError(
          `FusedTaylorLayerWorkspace: ${name} must be an integer >= ${min}, received ${String(value)}`,
        );
      }
    }
    if (!LAYER_ACTIVATIONS.includes(activation)) {
      throw new TypeError(
        `FusedTaylorLayerWorkspace: activation must be one of ${LAYER_ACTIVATIONS.join(", ")}, received ${JSON.stringify(activation)}`,
      );
    }
    if (!Number.isFinite(omega)) {
      throw new RangeError(`FusedTaylorLayerWorkspace: omega must be finite, received ${omega}`);
    }

    this.points = points;
    this.order = order;
    this.inputs = inputs;
    this.outputs = outputs;
    this.activation = activation;
    this.omega = activation === "sine" ? omega : 1;

    const size = (order + 1) * points * outputs;
    const linear = activation === "linear";
    const withAux = activation === "sine" || activation === "tanh";
    this.z = new Float64Array(size);
    this.y = linear ? this.z : new Float64Array(size);
    this.aux = new Float64Array(withAux ? size : 0);
    this.dz = new Float64Array(linear ? 0 : size);
    this.outputBar = new Float64Array(order + 1);
    this.auxBar = new Float64Array(order + 1);
  }

  /** (K + 1)·N, the number of rows of every stacked buffer. */
  get rows(): number {
    return (this.order + 1) * this.points;
  }
}

/**
 * Runs the layer's Taylor forward: Z = S·Wᵀ over all coefficients, b added to Z_0, then the
 * activation's recurrence. Writes into and returns `ws.y`; allocates nothing.
 */
export function fusedTaylorLayerForward(
  ws: FusedTaylorLayerWorkspace,
  input: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
): Float64Array {
  if (
    input.length !== ws.rows * ws.inputs ||
    weights.length !== ws.outputs * ws.inputs ||
    bias.length !== ws.outputs
  ) {
    throw new RangeError(
      `fusedTaylorLayerForward: expected input [${ws.rows}, ${ws.inputs}], W [${ws.outputs}, ${ws.inputs}] and b [${ws.outputs}], received ${input.length}, ${weights.length} and ${bias.length} numbers; build the workspace for this layer, order and batch`,
    );
  }
  const out = ws.outputs;
  ws.input = input;
  ws.weights = weights;

  gemmKernels.ABt(ws.z, input, weights, ws.rows, ws.inputs, out);
  for (let p = 0; p < ws.points; p++) {
    for (let o = 0; o < out; o++) ws.z[p * out + o] += bias[o];
  }

  const stride = ws.points * out;
  if (ws.activation === "sine") {
    applyTaylorRule("sine", ws.z, ws.y, ws.aux, stride, ws.order, ws.omega);
  } else if (ws.activation === "tanh") {
    applyTaylorRule("tanh", ws.z, ws.y, ws.aux, stride, ws.order, 1);
  } else if (ws.activation === "relu") {
    applyTaylorRule("relu", ws.z, ws.y, ws.aux, stride, ws.order, 1);
  }
  return ws.y;
}

/**
 * Runs the layer's backward for the cotangent `ctOut` ([(K + 1)·N, outputs]) of the last
 * forward's output. It ADDS into `ctIn` ([(K + 1)·N, inputs]), `gW` ([outputs, inputs]) and
 * `gb` ([outputs]), each of which may be null when not needed. Allocates nothing.
 */
export function fusedTaylorLayerBackward(
  ws: FusedTaylorLayerWorkspace,
  ctOut: Float64Array,
  ctIn: Float64Array | null,
  gW: Float64Array | null,
  gb: Float64Array | null,
): void {
  const input = ws.input;
  const weights = ws.weights;
  if (input === null || weights === null) {
    throw new RangeError(
      "fusedTaylorLayerBackward: the workspace has no forward to differentiate; call fusedTaylorLayerForward first",
    );
  }
  const ok =
    ctOut.length === ws.rows * ws.outputs &&
    (ctIn === null || ctIn.length === ws.rows * ws.inputs) &&
    (gW === null || gW.length === ws.outputs * ws.inputs) &&
    (gb === null || gb.length === ws.outputs);
  if (!ok) {
    throw new RangeError(
      `fusedTaylorLayerBackward: expected ctOut ${ws.rows * ws.outputs}, ctIn ${ws.rows * ws.inputs}, gW ${ws.outputs * ws.inputs} and gb ${ws.outputs} numbers, received ${ctOut.length}, ${ctIn?.length ?? "null"}, ${gW?.length ?? "null"} and ${gb?.length ?? "null"}`,
    );
  }

  const dz = ws.activation === "linear" ? ctOut : ws.dz;
  if (ws.activation === "sine") sineBackward(ws, ctOut);
  else if (ws.activation === "tanh") tanhBackward(ws, ctOut);
  else if (ws.activation === "relu") reluBackward(ws, ctOut);

  const out = ws.outputs;
  if (gW !== null) gemmKernels.AtB(gW, dz, input, ws.rows, out, ws.inputs, true);
  if (gb !== null) {
    for (let p = 0; p < ws.points; p++) {
      for (let o = 0; o < out; o++) gb[o] += dz[p * out + o];
    }
  }
  if (ctIn !== null) gemmKernels.AB(ctIn, dz, weights, ws.rows, out, ws.inputs, true);
}

/** Writes dZ for y = sin(ωz) by reversing the sin/cos recurrence (see the file header). */
function sineBackward(ws: FusedTaylorLayerWorkspace, ct: Float64Array): void {
  const { z, y: s, aux: c, dz, order, omega } = ws;
  const stride = ws.points * ws.outputs;
  const sBar = ws.outputBar;
  const cBar = ws.auxBar;

  for (let e = 0; e < stride; e++) {
    for (let k = 0; k <= order; k++) {
      sBar[k] = ct[k * stride + e];
      cBar[k] = 0;
      dz[k * stride + e] = 0;
    }

    for (let k = order; k >= 1; k--) {
      const ds = sBar[k] / k;
      const dc = cBar[k] / k;
      for (let j = 1; j <= k; j++) {
        const w = omega * z[j * stride + e];
        const rest = (k - j) * stride + e;
        // dz accumulates dw here; the factor ω of dz = ω dw is applied at the end.
        dz[j * stride + e] += j * (c[rest] * ds - s[rest] * dc);
        cBar[k - j] += j * w * ds;
        sBar[k - j] -= j * w * dc;
      }
    }

    dz[e] += c[e] * sBar[0] - s[e] * cBar[0];
    for (let k = 0; k <= order; k++) dz[k * stride + e] *= omega;
  }
}

/** Writes dZ for y = tanh z by reversing the tanh recurrence (see the file header). */
function tanhBackward(ws: FusedTaylorLayerWorkspace, ct: Float64Array): void {
  const { z, y: t, aux: q, dz, order } = ws;
  const stride = ws.points * ws.outputs;
  const tBar = ws.outputBar;
  const qBar = ws.auxBar;

  for (let e = 0; e < stride; e++) {
    for (let k = 0; k <= order; k++) {
      tBar[k] = ct[k * stride + e];
      qBar[k] = 0;
      dz[k * stride + e] = 0;
    }

    for (let k = order; k >= 0; k--) {
      // q_k = −Σ_j t_j t_{k−j} (with q_0 = 1 − t_0²): each t_j gets −2 t_{k−j} dq_k.
      const dq = qBar[k];
      for (let j = 0; j <= k; j++) tBar[j] -= 2 * t[(k - j) * stride + e] * dq;
      if (k === 0) break;

      // t_k = (1/k) Σ_j j z_j q_{k−j}
      const dt = tBar[k] / k;
      for (let j = 1; j <= k; j++) {
        dz[j * stride + e] += j * q[(k - j) * stride + e] * dt;
        qBar[k - j] += j * z[j * stride + e] * dt;
      }
    }

    dz[e] += q[e] * tBar[0];
  }
}

/** Writes dZ for relu: y_k = z_k where z_0 > 0, else 0, so dz_k = [z_0 > 0] dy_k. */
function reluBackward(ws: FusedTaylorLayerWorkspace, ct: Float64Array): void {
  const { z, dz, order } = ws;
  const stride = ws.points * ws.outputs;
  for (let e = 0; e < stride; e++) {
    const z0 = z[e];
    const slope = z0 > 0 ? 1 : Number.isNaN(z0) ? z0 : 0;
    for (let k = 0; k <= order; k++) dz[k * stride + e] = slope * ct[k * stride + e];
  }
}

/**
 * Records the fused Taylor layer on `tape` as one custom op of `input` ([(K + 1)·N, in]),
 * `W` ([out, in]) and `b` ([out]). Returns the output coefficients [(K + 1)·N, out], whose data
 * is `ws.y`.
 */
export function fusedTaylorLayerOp(
  tape: Tape,
  input: Tensor,
  W: Tensor,
  b: Tensor,
  ws: FusedTaylorLayerWorkspace,
): Tensor {
  const expected = [
    [input, [ws.rows, ws.inputs], "input"],
    [W, [ws.outputs, ws.inputs], "W"],
    [b, [ws.outputs], "b"],
  ] as const;
  for (const [tensor, shape, name] of expected) {
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, k) => d !== shape[k])) {
      throw new RangeError(
        `fusedTaylorLayerOp: ${name} must have shape [${shape.join(", ")}] for this workspace, received [${tensor.shape.join(", ")}]; build the workspace for this layer, order and batch`,
      );
    }
  }

  return tape.custom(
    `fusedTaylorLayer(${ws.activation})`,
    [input, W, b],
    [ws.rows, ws.outputs],
    () => {
      fusedTaylorLayerForward(ws, input.data, W.data, b.data);
    },
    (ct, inputCts) => {
      fusedTaylorLayerBackward(ws, ct, inputCts[0], inputCts[1], inputCts[2]);
    },
    { out: ws.y },
  );
}
