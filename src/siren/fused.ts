// The fused layer: one layer's jet forward and its hand-derived backward on preallocated buffers.
//
// Forward, per element of the stacked streams (z = S·Wᵀ + b, f the activation):
//   y = f(z),  y_i = f' z_i,  y_ij = f' z_ij + f'' z_i z_j,  y_L = f' z_L + f'' Σ_i z_i².
// Backward, given the cotangents G of y (the transpose of the map above, see
// docs/fused-path.md for the derivation):
//   dz_ij = f' G_ij,   dz_L = f' G_L,
//   dz_i  = f' G_i + Σ_{pairs (i,j)} f'' z_j G_ij + 2 f'' z_i G_L   (a pair (i,i) counts twice),
//   dz    = f' G + f'' Σ_i z_i G_i + Σ_pairs (f'' z_ij + f''' z_i z_j) G_ij
//           + (f'' z_L + f''' Σ_i z_i²) G_L,
// then dW += dZᵀ·S, db += the value rows of dZ summed over points, dS += dZ·W.

import { tanhAndSlope } from "../dual/batch-activation.js";
import { JetLayout, type JetSpec } from "../dual/batch-spec.js";
import { GemmArena } from "../dual/gemm-arena.js";
import { gemmKernels } from "../dual/matmul-simd.js";
import type { Tape } from "../tape/tape.js";
import type { Tensor } from "../tape/tensor.js";
import { ACTIVATIONS, type LayerActivation } from "./activation.js";

const LAYER_ACTIVATIONS: readonly LayerActivation[] = [...ACTIVATIONS, "linear"];

/**
 * Buffers of one fused layer for N points, the streams of `layout`, `inputs` → `outputs`
 * features, sized once and reused by every training step. It stores the input of the last
 * forward and f', f'', f''' at every pre-activation (from one sin and one cos per element for
 * the sine), which the backward reuses.
 *
 * Built on a `GemmArena`, the buffers live in the arena's WebAssembly memory and the matrix
 * products whose operands are all arena buffers run there in place, without copies.
 *
 * NOTE: one workspace serves one layer evaluation per tape. Evaluating the same layer twice on
 * one tape (interior and boundary points, say) needs two workspaces, because the second
 * forward overwrites the buffers the first one's backward reads.
 */
export class FusedLayerWorkspace {
  readonly points: number;
  readonly layout: JetLayout;
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: LayerActivation;
  /** Frequency ω of the sine activation, y = sin(ωz); 1 for the other activations. */
  readonly omega: number;
  /** Pre-activation streams Z, shape [K·N, outputs]. */
  readonly z: Float64Array;
  /** Output streams Y, shape [K·N, outputs]; the same buffer as `z` for "linear". */
  readonly y: Float64Array;
  /** f'(z), f''(z) and f'''(z) at every element of the value stream, [N, outputs] (empty for "linear"). */
  readonly d1: Float64Array;
  readonly d2: Float64Array;
  readonly d3: Float64Array;
  /** Cotangent of Z, shape [K·N, outputs] (unused for "linear", whose dZ is the output cotangent). */
  readonly dz: Float64Array;
  /** The arena holding the buffers, or null for plain Float64Arrays. */
  readonly arena: GemmArena | null;
  /** Arena copies of W for the in-place products: as given, and packed in panels of four rows. */
  readonly weightCopy: Float64Array;
  readonly weightPanels: Float64Array;
  /** Arena buffer for this layer's dW before it is added to the caller's gradient. */
  readonly weightGradient: Float64Array;
  /** Input streams S of the last forward, shape [K·N, inputs]. */
  input: Float64Array | null = null;
  /** Weights W of the last forward, shape [outputs, inputs]. */
  weights: Float64Array | null = null;

  constructor(
    points: number,
    spec: JetSpec | JetLayout,
    inputs: number,
    outputs: number,
    activation: LayerActivation,
    omega = 1,
    arena: GemmArena | null = null,
  ) {
    for (const [name, value] of [
      ["points", points],
      ["inputs", inputs],
      ["outputs", outputs],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new RangeError(
          `FusedLayerWorkspace: ${name} must be a positive integer, received ${String(value)}`,
        );
      }
    }
    if (!LAYER_ACTIVATIONS.includes(activation)) {
      throw new TypeError(
        `FusedLayerWorkspace: activation must be one of ${LAYER_ACTIVATIONS.join(", ")}, received ${JSON.stringify(activation)}`,
      );
    }
    if (!Number.isFinite(omega)) {
      throw new RangeError(`FusedLayerWorkspace: omega must be finite, received ${omega}`);
    }

    this.points = points;
    this.layout = spec instanceof JetLayout ? spec : new JetLayout(spec);
    this.inputs = inputs;
    this.outputs = outputs;
    this.activation = activation;
    this.omega = activation === "sine" ? omega : 1;

    this.arena = arena;
    const rows = this.layout.streams * points;
    const linear = activation === "linear";
    const rowBuffer = (width: number) =>
      arena === null ? new Float64Array(rows * width) : arena.rows(rows, width);
    const plain = (length: number) =>
      arena === null ? new Float64Array(length) : arena.plain(length);

    this.z = rowBuffer(outputs);
    this.y = linear ? this.z : rowBuffer(outputs);
    this.dz = linear ? new Float64Array(0) : rowBuffer(outputs);
    const valueSize = linear ? 0 : points * outputs;
    this.d1 = plain(valueSize);
    this.d2 = plain(valueSize);
    this.d3 = plain(valueSize);
    const weightSize = arena === null ? 0 : inputs * outputs;
    this.weightCopy = plain(weightSize);
    this.weightPanels = plain(weightSize);
    this.weightGradient = plain(weightSize);
  }

  /** Numbers of a `GemmArena` that a workspace with these arguments carves from it. */
  static arenaSize(
    points: number,
    spec: JetSpec | JetLayout,
    inputs: number,
    outputs: number,
    activation: LayerActivation,
  ): number {
    const layout = spec instanceof JetLayout ? spec : new JetLayout(spec);
    const rows = layout.streams * points;
    const linear = activation === "linear";
    const rowBuffers = linear ? 1 : 3;
    const valueBuffers = linear ? 0 : 3;
    return (
      rowBuffers * GemmArena.rowsSize(rows, outputs) +
      valueBuffers * GemmArena.plainSize(points * outputs) +
      3 * GemmArena.plainSize(inputs * outputs)
    );
  }

  /** K·N, the number of rows of every stacked buffer. */
  get rows(): number {
    return this.layout.streams * this.points;
  }
}

/**
 * Runs the layer's jet forward: Z = S·Wᵀ over all streams, b added to the value stream, then
 * the activation on every stream. Writes into and returns `ws.y` ([K·N, outputs]); allocates
 * nothing. `input` is the stacked [K·N, inputs] buffer, W is [outputs, inputs], b has `outputs`.
 */
export function fusedLayerForward(
  ws: FusedLayerWorkspace,
  input: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
): Float64Array {
  checkForwardSizes(ws, input, weights, bias);
  const rows = ws.rows;
  const out = ws.outputs;
  ws.input = input;
  ws.weights = weights;

  const arena = ws.arena;
  if (arena !== null && out % 4 === 0 && arena.padded4(input)) {
    arena.ABt(ws.z, input, weights, ws.weightPanels, rows, ws.inputs, out);
  } else {
    gemmKernels.ABt(ws.z, input, weights, rows, ws.inputs, out);
  }
  if (arena !== null) ws.weightCopy.set(weights);
  for (let p = 0; p < ws.points; p++) {
    const row = p * out;
    for (let o = 0; o < out; o++) ws.z[row + o] += bias[o];
  }
  if (ws.activation === "linear") return ws.y;

  fillDerivatives(ws);
  applyActivation(ws);
  return ws.y;
}

/** Writes f(z) into the value stream of y and f', f'', f''' into d1, d2, d3. */
function fillDerivatives(ws: FusedLayerWorkspace): void {
  const size = ws.points * ws.outputs;
  const { z, y, d1, d2, d3 } = ws;

  if (ws.activation === "sine") {
    // d sin(ωz) = ω cos(ωz) dz; then −ω² sin(ωz), −ω³ cos(ωz).
    const omega = ws.omega;
    const omega2 = omega * omega;
    for (let e = 0; e < size; e++) {
      const w = omega * z[e];
      const s = Math.sin(w);
      const c = Math.cos(w);
      y[e] = s;
      d1[e] = omega * c;
      d2[e] = -omega2 * s;
      d3[e] = -omega2 * omega * c;
    }
  } else if (ws.activation === "tanh") {
    // t' = sech², t'' = −2t sech², t''' = −2 sech² (1 − 3t²). sech² comes from exp(−2|z|), not
    // from 1 − t², which cancels once t² rounds near 1 (see src/dual/batch-activation.ts).
    for (let e = 0; e < size; e++) {
      tanhAndSlope(z[e], e, y, d1);
      const t = y[e];
      const slope = d1[e];
      d2[e] = -2 * t * slope;
      d3[e] = -2 * slope * (1 - 3 * t * t);
    }
  } else {
    // relu'(z) = 1 for z > 0, else 0 (so relu'(0) = 0); relu'' = relu''' = 0. NaN stays NaN.
    for (let e = 0; e < size; e++) {
      const x = z[e];
      // Math.max returns NaN for NaN, where x > 0 ? x : 0 would hide it.
      y[e] = Math.max(x, 0);
      d1[e] = x > 0 ? 1 : 0;
      if (Number.isNaN(x)) d1[e] = x;
      d2[e] = 0;
      d3[e] = 0;
    }
  }
}

/** Writes the derivative streams of y from those of z (the value stream is already set). */
function applyActivation(ws: FusedLayerWorkspace): void {
  const layout = ws.layout;
  const size = ws.points * ws.outputs;
  const { z, y, d1, d2 } = ws;

  for (let s = 1; s <= layout.spec.first.length; s++) {
    const base = s * size;
    for (let e = 0; e < size; e++) y[base + e] = d1[e] * z[base + e];
  }

  for (let k = 0; k < layout.secondStreams.length; k++) {
    const base = layout.secondStreams[k] * size;
    const baseI = layout.secondFactors[2 * k] * size;
    const baseJ = layout.secondFactors[2 * k + 1] * size;
    for (let e = 0; e < size; e++) {
      y[base + e] = d1[e] * z[base + e] + d2[e] * z[baseI + e] * z[baseJ + e];
    }
  }

  const lap = layout.laplacianStream;
  if (lap >= 0) {
    const base = lap * size;
    const factors = layout.laplacianFactors;
    for (let e = 0; e < size; e++) {
      let squares = 0;
      for (let q = 0; q < factors.length; q++) {
        const zi = z[factors[q] * size + e];
        squares += zi * zi;
      }
      y[base + e] = d1[e] * z[base + e] + d2[e] * squares;
    }
  }
}

/**
 * Runs the layer's backward for the cotangent `ctOut` ([K·N, outputs]) of the last forward's
 * output. It ADDS the contributions into `ctIn` ([K·N, inputs]), `gW` ([outputs, inputs]) and
 * `gb` ([outputs]), each of which may be null when not needed. With `overwriteCtIn` it writes
 * ctIn instead of adding to it. Allocates nothing.
 */
export function fusedLayerBackward(
  ws: FusedLayerWorkspace,
  ctOut: Float64Array,
  ctIn: Float64Array | null,
  gW: Float64Array | null,
  gb: Float64Array | null,
  overwriteCtIn = false,
): void {
  const input = ws.input;
  const weights = ws.weights;
  if (input === null || weights === null) {
    throw new RangeError(
      "fusedLayerBackward: the workspace has no forward to differentiate; call fusedLayerForward first",
    );
  }
  checkBackwardSizes(ws, ctOut, ctIn, gW, gb);
  const rows = ws.rows;
  const out = ws.outputs;

  const dz = ws.activation === "linear" ? ctOut : ws.dz;
  if (ws.activation !== "linear") activationBackward(ws, ctOut);

  if (gW !== null) weightGradient(ws, dz, input, gW);
  if (gb !== null) {
    for (let p = 0; p < ws.points; p++) {
      const row = p * out;
      for (let o = 0; o < out; o++) gb[o] += dz[row + o];
    }
  }
  if (ctIn === null) return;

  const arena = ws.arena;
  if (arena !== null && ws.inputs % 4 === 0 && arena.padded4(ctIn) && arena.padded4(dz)) {
    arena.AB(ctIn, dz, ws.weightCopy, rows, out, ws.inputs, !overwriteCtIn);
  } else {
    gemmKernels.AB(ctIn, dz, weights, rows, out, ws.inputs, !overwriteCtIn);
  }
}

/** gW += dZᵀ·S, in place in the arena when dZ and S are arena buffers and the widths allow. */
function weightGradient(
  ws: FusedLayerWorkspace,
  dz: Float64Array,
  input: Float64Array,
  gW: Float64Array,
): void {
  const arena = ws.arena;
  const fits = ws.inputs % 4 === 0 && ws.outputs % 4 === 0;
  if (arena === null || !fits || !arena.holds(dz) || !arena.holds(input)) {
    gemmKernels.AtB(gW, dz, input, ws.rows, ws.outputs, ws.inputs, true);
    return;
  }

  const sums = ws.weightGradient;
  arena.AtB(sums, dz, input, ws.rows, ws.outputs, ws.inputs);
  for (let e = 0; e < sums.length; e++) gW[e] += sums[e];
}

/** Writes dZ = (the activation's jet map)ᵀ G into ws.dz; the formulas head this file. */
function activationBackward(ws: FusedLayerWorkspace, g: Float64Array): void {
  const layout = ws.layout;
  const size = ws.points * ws.outputs;
  const { z, dz, d1, d2, d3 } = ws;
  const firstCount = layout.spec.first.length;

  // y = f(z): the value gets f' G.
  for (let e = 0; e < size; e++) dz[e] = d1[e] * g[e];

  // y_i = f' z_i: z_i gets f' G_i and the value gets f'' z_i G_i.
  for (let s = 1; s <= firstCount; s++) {
    const base = s * size;
    for (let e = 0; e < size; e++) {
      const gi = g[base + e];
      dz[base + e] = d1[e] * gi;
      dz[e] += d2[e] * z[base + e] * gi;
    }
  }

  // y_ij = f' z_ij + f'' z_i z_j: z_ij gets f' G_ij, z_i gets f'' z_j G_ij, z_j gets
  // f'' z_i G_ij and the value (f'' z_ij + f''' z_i z_j) G_ij. For i = j both of the middle
  // updates land on the same stream.
  for (let k = 0; k < layout.secondStreams.length; k++) {
    const base = layout.secondStreams[k] * size;
    const baseI = layout.secondFactors[2 * k] * size;
    const baseJ = layout.secondFactors[2 * k + 1] * size;
    for (let e = 0; e < size; e++) {
      const gij = g[base + e];
      const zi = z[baseI + e];
      const zj = z[baseJ + e];
      const weighted = d2[e] * gij;
      dz[base + e] = d1[e] * gij;
      dz[baseI + e] += weighted * zj;
      dz[baseJ + e] += weighted * zi;
      dz[e] += weighted * z[base + e] + d3[e] * zi * zj * gij;
    }
  }

  // y_L = f' z_L + f'' Σ z_i²: z_L gets f' G_L, z_i gets 2 f'' z_i G_L and the value
  // (f'' z_L + f''' Σ z_i²) G_L.
  const lap = layout.laplacianStream;
  if (lap >= 0) {
    const base = lap * size;
    const factors = layout.laplacianFactors;
    for (let e = 0; e < size; e++) {
      const gl = g[base + e];
      dz[base + e] = d1[e] * gl;
      const twice = 2 * d2[e] * gl;
      let squares = 0;
      for (let q = 0; q < factors.length; q++) {
        const offset = factors[q] * size + e;
        const zi = z[offset];
        squares += zi * zi;
        dz[offset] += twice * zi;
      }
      dz[e] += (d2[e] * z[base + e] + d3[e] * squares) * gl;
    }
  }
}

/**
 * Records the fused layer on `tape` as one custom op of `input` ([K·N, in], the stacked
 * streams), `W` ([out, in]) and `b` ([out]). Returns the output streams [K·N, out], whose data
 * is `ws.y`. The vjp adds into the cotangents of the inputs that need one.
 */
export function fusedLayerOp(
  tape: Tape,
  input: Tensor,
  W: Tensor,
  b: Tensor,
  ws: FusedLayerWorkspace,
): Tensor {
  const expected = [
    [input, [ws.rows, ws.inputs], "input"],
    [W, [ws.outputs, ws.inputs], "W"],
    [b, [ws.outputs], "b"],
  ] as const;
  for (const [tensor, shape, name] of expected) {
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, k) => d !== shape[k])) {
      throw new RangeError(
        `fusedLayerOp: ${name} must have shape [${shape.join(", ")}] for this workspace, received [${tensor.shape.join(", ")}]; build the workspace for this layer and batch`,
      );
    }
  }

  return tape.custom(
    `fusedLayer(${ws.activation})`,
    [input, W, b],
    [ws.rows, ws.outputs],
    () => {
      fusedLayerForward(ws, input.data, W.data, b.data);
    },
    (ct, inputCts) => {
      fusedLayerBackward(ws, ct, inputCts[0], inputCts[1], inputCts[2]);
    },
    { out: ws.y },
  );
}

function checkForwardSizes(
  ws: FusedLayerWorkspace,
  input: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
): void {
  if (
    input.length !== ws.rows * ws.inputs ||
    weights.length !== ws.outputs * ws.inputs ||
    bias.length !== ws.outputs
  ) {
    throw new RangeError(
      `fusedLayerForward: expected input [${ws.rows}, ${ws.inputs}], W [${ws.outputs}, ${ws.inputs}] and b [${ws.outputs}] (${ws.rows * ws.inputs}, ${ws.outputs * ws.inputs} and ${ws.outputs} numbers), received ${input.length}, ${weights.length} and ${bias.length}; build the workspace for this layer and batch`,
    );
  }
}

function checkBackwardSizes(
  ws: FusedLayerWorkspace,
  ctOut: Float64Array,
  ctIn: Float64Array | null,
  gW: Float64Array | null,
  gb: Float64Array | null,
): void {
  const ok =
    ctOut.length === ws.rows * ws.outputs &&
    (ctIn === null || ctIn.length === ws.rows * ws.inputs) &&
    (gW === null || gW.length === ws.outputs * ws.inputs) &&
    (gb === null || gb.length === ws.outputs);
  if (!ok) {
    throw new RangeError(
      `fusedLayerBackward: expected ctOut ${ws.rows * ws.outputs}, ctIn ${ws.rows * ws.inputs}, gW ${ws.outputs * ws.inputs} and gb ${ws.outputs} numbers, received ${ctOut.length}, ${ctIn?.length ?? "null"}, ${gW?.length ?? "null"} and ${gb?.length ?? "null"}`,
    );
  }
}
