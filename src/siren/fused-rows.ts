// The fused layer on a range of points: what one thread runs when a batch is split.
//
// Stream s of the stacked layout contains rows s·N .. (s + 1)·N − 1, so the points [p0, p1)
// are K row ranges, one per stream. The forward and the input cotangent compute every row on
// its own, so their bits do not depend on the split. The weight and bias gradients sum over
// points: each part of the batch (fixed by N alone, see `partRange`) sums its own rows into
// its own buffer, and `reduceGradients` adds the parts in order. One thread running every part
// and two threads running one each therefore give the same bits.

import { SINCOS_LIMIT } from "../dual/jet-simd.js";
import { gemmKernels, packPanels } from "../dual/matmul-simd.js";
import type { FusedLayerWorkspace } from "./fused.js";
import {
  activationBackward,
  applyActivation,
  fillDerivatives,
  sineElement,
} from "./fused-activation.js";

/**
 * Returns the points [p0, p1) of part q when N points are split into `parts` parts. Every
 * boundary is rounded up to a multiple of 4 points, so all parts but the last fill whole 4-row
 * tiles. The first parts are then slightly larger, which suits the calling thread (part 0).
 */
export function partRange(points: number, parts: number, q: number): [number, number] {
  const boundary = (j: number) => Math.min(points, 4 * Math.ceil((j * points) / (4 * parts)));
  return [boundary(q), boundary(q + 1)];
}

/**
 * Binds the layer's operands for the next forward and backward. With an arena, W and b are
 * copied into it (and W packed for the forward product), so that threads attached to the
 * arena read them there.
 */
export function stageLayer(
  ws: FusedLayerWorkspace,
  input: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
): void {
  if (ws.arena === null) {
    bindLayer(ws, input, weights, bias);
    return;
  }
  ws.weightCopy.set(weights);
  ws.biasCopy.set(bias);
  if (ws.outputs % 4 === 0)
    packPanels(ws.weightPanels, 0, weights, ws.outputs, ws.outputs, ws.inputs);
  bindLayer(ws, input, ws.weightCopy, ws.biasCopy);
}

/** Points the workspace at its operands without copying (a thread whose W is staged already). */
export function bindLayer(
  ws: FusedLayerWorkspace,
  input: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
): void {
  ws.input = input;
  ws.weights = weights;
  ws.bias = bias;
}

/** Runs the layer's jet forward for points [p0, p1): Z = S·Wᵀ, b on the value rows, then f. */
export function forwardRows(ws: FusedLayerWorkspace, p0: number, p1: number): void {
  const { input, weights, bias } = operands(ws);
  const out = ws.outputs;
  eachRowRange(ws, p0, p1, (r0, m) => {
    const z = ws.z.subarray(r0 * out, (r0 + m) * out);
    const s = input.subarray(r0 * ws.inputs, (r0 + m) * ws.inputs);
    const arena = ws.arena;
    if (arena !== null && out % 4 === 0 && arena.holds(s)) {
      arena.ABt(z, s, weights, ws.weightPanels, m, ws.inputs, out);
    } else {
      gemmKernels.ABt(z, s, weights, m, ws.inputs, out);
    }
  });

  if (sineValueInArena(ws, bias, p0, p1)) {
    applyActivation(ws, p0 * out, p1 * out);
    return;
  }

  const z = ws.z;
  for (let p = p0; p < p1; p++) {
    const row = p * out;
    for (let o = 0; o < out; o++) z[row + o] += bias[o];
  }
  if (ws.activation === "linear") return;

  fillDerivatives(ws, p0 * out, p1 * out);
  applyActivation(ws, p0 * out, p1 * out);
}

/**
 * For a sine layer in an arena: adds b and writes f, f', f'' and f''' at points [p0, p1) with
 * the SIMD kernel, which takes sin and cos from one range reduction. Returns false when it did
 * not run. Where some |ωz| is beyond the kernel's range (or not finite), the bias is in z
 * already and Math.sin and Math.cos redo those elements.
 */
function sineValueInArena(
  ws: FusedLayerWorkspace,
  bias: Float64Array,
  p0: number,
  p1: number,
): boolean {
  const arena = ws.arena;
  const jet = arena?.jet ?? null;
  if (jet === null || ws.activation !== "sine" || !arena!.holds(bias)) return false;

  const out = ws.outputs;
  const range = (buffer: Float64Array) => buffer.subarray(p0 * out, p1 * out);
  const omega = ws.omega;
  // The same constants as fillDerivatives: −ω² and −ω²·ω, so the bits agree.
  const k2 = -(omega * omega);
  const done = jet.sineValue(
    range(ws.z),
    bias,
    range(ws.y),
    range(ws.d1),
    range(ws.d2),
    range(ws.d3),
    p1 - p0,
    out,
    omega,
    k2,
    k2 * omega,
  );
  if (!done) redoBeyondKernel(ws, p0 * out, p1 * out);
  return true;
}

/**
 * Recomputes, with Math.sin and Math.cos, the elements of [e0, e1) whose |ωz| is beyond the
 * SIMD kernel's range or not finite. Element by element, so the result of each element does
 * not depend on which other points share its call (one thread or two).
 */
function redoBeyondKernel(ws: FusedLayerWorkspace, e0: number, e1: number): void {
  for (let e = e0; e < e1; e++) {
    if (!(Math.abs(ws.omega * ws.z[e]) <= SINCOS_LIMIT)) sineElement(ws, e);
  }
}

/**
 * Runs the backward for points [p0, p1) of the cotangent `ctOut` of the layer's output: dZ,
 * then the input cotangent rows. Those are written with `overwrite` and added otherwise, and
 * skipped when ctIn is null.
 */
export function backwardRows(
  ws: FusedLayerWorkspace,
  ctOut: Float64Array,
  ctIn: Float64Array | null,
  p0: number,
  p1: number,
  overwrite: boolean,
): void {
  const { weights } = operands(ws);
  const out = ws.outputs;
  const inputs = ws.inputs;
  if (ws.activation !== "linear") activationBackward(ws, ctOut, p0 * out, p1 * out);
  if (ctIn === null) return;

  const dz = cotangentOfZ(ws, ctOut);
  const arena = ws.arena;
  eachRowRange(ws, p0, p1, (r0, m) => {
    const a = dz.subarray(r0 * out, (r0 + m) * out);
    const c = ctIn.subarray(r0 * inputs, (r0 + m) * inputs);
    if (arena !== null && overwrite && inputs % 4 === 0 && arena.holds(a) && arena.holds(c)) {
      arena.AB(c, a, ws.weightCopy, m, out, inputs);
    } else {
      gemmKernels.AB(c, a, weights, m, out, inputs, !overwrite);
    }
  });
}

/**
 * Writes part q's sums over its points [p0, p1) of dW = dZᵀ·S and db = Σ dZ (value rows)
 * into ws.partialW[q] and ws.partialB[q]. Call after `backwardRows` for the same points.
 */
export function gradientPart(
  ws: FusedLayerWorkspace,
  ctOut: Float64Array,
  q: number,
  p0: number,
  p1: number,
): void {
  const { input } = operands(ws);
  const dz = cotangentOfZ(ws, ctOut);
  const out = ws.outputs;
  const inputs = ws.inputs;
  const sums = ws.partialW[q]!;
  const arena = ws.arena;
  const inPlace =
    arena !== null && inputs % 4 === 0 && out % 4 === 0 && arena.holds(dz) && arena.holds(input);

  let first = true;
  for (let s = 0; s < ws.layout.streams; s++) {
    const r0 = s * ws.points + p0;
    const m = p1 - p0;
    const a = dz.subarray(r0 * out, (r0 + m) * out);
    const b = input.subarray(r0 * inputs, (r0 + m) * inputs);
    // The sum over the part's rows runs stream after stream, each call carrying the last.
    if (inPlace) {
      arena.AtB(sums, a, b, m, out, inputs, !first);
    } else {
      gemmKernels.AtB(sums, a, b, m, out, inputs, !first);
    }
    first = false;
  }

  const bias = ws.partialB[q]!;
  bias.fill(0);
  for (let p = p0; p < p1; p++) {
    const row = p * out;
    for (let o = 0; o < out; o++) bias[o] += dz[row + o];
  }
}

/** Adds the parts' sums, in part order, into gW and gb (either may be null). */
export function reduceGradients(
  ws: FusedLayerWorkspace,
  gW: Float64Array | null,
  gb: Float64Array | null,
): void {
  for (const [into, parts] of [
    [gW, ws.partialW],
    [gb, ws.partialB],
  ] as const) {
    if (into === null) continue;
    const first = parts[0]!;
    for (let e = 0; e < into.length; e++) {
      let total = first[e];
      for (let q = 1; q < parts.length; q++) total += parts[q]![e];
      into[e] += total;
    }
  }
}

/** Returns the cotangent of Z: ws.dz, or for a linear layer (Z = Y) the output cotangent. */
function cotangentOfZ(ws: FusedLayerWorkspace, ctOut: Float64Array): Float64Array {
  return ws.activation === "linear" ? ctOut : ws.dz;
}

/** Calls `run(r0, m)` for the row ranges of points [p0, p1): one range when they are all N. */
function eachRowRange(
  ws: FusedLayerWorkspace,
  p0: number,
  p1: number,
  run: (r0: number, m: number) => void,
): void {
  if (p0 === 0 && p1 === ws.points) {
    run(0, ws.rows);
    return;
  }
  for (let s = 0; s < ws.layout.streams; s++) run(s * ws.points + p0, p1 - p0);
}

function operands(ws: FusedLayerWorkspace): {
  input: Float64Array;
  weights: Float64Array;
  bias: Float64Array;
} {
  const { input, weights, bias } = ws;
  if (input === null || weights === null || bias === null) {
    throw new RangeError(
      "fused layer: the workspace has no operands; call fusedLayerForward (or stageLayer) first",
    );
  }
  return { input, weights, bias };
}
