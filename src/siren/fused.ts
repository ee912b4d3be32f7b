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

import { JetLayout, type JetSpec } from "../dual/batch-spec.js";
import { GemmArena } from "../dual/gemm-arena.js";
import type { Tape } from "../tape/tape.js";
import type { Tensor } from "../tape/tensor.js";
import { ACTIVATIONS, type LayerActivation } from "./activation.js";
import {
  backwardRows,
  forwardRows,
  gradientPart,
  partRange,
  reduceGradients,
  stageLayer,
} from "./fused-rows.js";

const LAYER_ACTIVATIONS: readonly LayerActivation[] = [...ACTIVATIONS, "linear"];

/** Options of a `FusedLayerWorkspace`. */
export interface FusedWorkspaceOptions {
  /** Carve the buffers from this arena, so the matrix products run in place. */
  readonly arena?: GemmArena | null;
  /** Split the points into this many parts for the gradient sums (default 1). */
  readonly parts?: number;
}

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
  /** Arena copy of b. */
  readonly biasCopy: Float64Array;
  /**
   * Number of parts the points are split into for the gradient sums (see fused-rows.ts), and
   * each part's sums of dW ([outputs, inputs]) and db ([outputs]).
   */
  readonly parts: number;
  readonly partialW: Float64Array[];
  readonly partialB: Float64Array[];
  /** Input streams S of the last forward, shape [K·N, inputs]. */
  input: Float64Array | null = null;
  /** Weights W and bias b of the last forward (the arena copies when there is an arena). */
  weights: Float64Array | null = null;
  bias: Float64Array | null = null;

  constructor(
    points: number,
    spec: JetSpec | JetLayout,
    inputs: number,
    outputs: number,
    activation: LayerActivation,
    omega = 1,
    options: FusedWorkspaceOptions = {},
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

    const arena = options.arena ?? null;
    const parts = options.parts ?? 1;
    if (!Number.isInteger(parts) || parts < 1 || parts > points) {
      throw new RangeError(
        `FusedLayerWorkspace: parts must be an integer from 1 to the number of points (${points}), received ${String(parts)}`,
      );
    }
    this.arena = arena;
    this.parts = parts;
    const rows = this.layout.streams * points;
    const linear = activation === "linear";
    const buffer = (length: number) =>
      arena === null ? new Float64Array(length) : arena.plain(length);

    this.z = buffer(rows * outputs);
    this.y = linear ? this.z : buffer(rows * outputs);
    this.dz = linear ? new Float64Array(0) : buffer(rows * outputs);
    const valueSize = linear ? 0 : points * outputs;
    this.d1 = buffer(valueSize);
    this.d2 = buffer(valueSize);
    this.d3 = buffer(valueSize);
    const copies = arena === null ? 0 : 1;
    this.weightCopy = buffer(copies * inputs * outputs);
    this.weightPanels = buffer(copies * inputs * outputs);
    this.biasCopy = buffer(copies * outputs);
    this.partialW = Array.from({ length: parts }, () => buffer(inputs * outputs));
    this.partialB = Array.from({ length: parts }, () => buffer(outputs));
  }

  /** Numbers of a `GemmArena` that a workspace with these arguments carves from it. */
  static arenaSize(
    points: number,
    spec: JetSpec | JetLayout,
    inputs: number,
    outputs: number,
    activation: LayerActivation,
    parts = 1,
  ): number {
    const layout = spec instanceof JetLayout ? spec : new JetLayout(spec);
    const rows = layout.streams * points;
    const linear = activation === "linear";
    const size = GemmArena.size;
    return (
      (linear ? 1 : 3) * size(rows * outputs) +
      (linear ? 0 : 3) * size(points * outputs) +
      2 * size(inputs * outputs) +
      size(outputs) +
      parts * (size(inputs * outputs) + size(outputs))
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
  stageLayer(ws, input, weights, bias);
  forwardRows(ws, 0, ws.points);
  return ws.y;
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
  if (ws.input === null || ws.weights === null) {
    throw new RangeError(
      "fusedLayerBackward: the workspace has no forward to differentiate; call fusedLayerForward first",
    );
  }
  checkBackwardSizes(ws, ctOut, ctIn, gW, gb);

  backwardRows(ws, ctOut, ctIn, 0, ws.points, overwriteCtIn);
  if (gW === null && gb === null) return;
  for (let q = 0; q < ws.parts; q++) {
    const [p0, p1] = partRange(ws.points, ws.parts, q);
    gradientPart(ws, ctOut, q, p0, p1);
  }
  reduceGradients(ws, gW, gb);
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
