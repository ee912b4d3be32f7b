// The fused jet path: every layer is one tape op on stacked streams in cached workspaces.

import { checkJetPoints } from "../dual/batch-points.js";
import { JetLayout, type JetSpec } from "../dual/batch-spec.js";
import { secondKey, TapeJet } from "../tape/jet.js";
import { slice } from "../tape/ops.js";
import type { Tape } from "../tape/tape.js";
import type { Tensor } from "../tape/tensor.js";
import { FusedLayerWorkspace, fusedLayerOp } from "./fused.js";
import type { Mlp } from "./mlp.js";
import { registerParams } from "./params-on-tape.js";

/**
 * Workspace sets kept per (batch size, spec) on one model. A second evaluation on a tape that
 * is still recording needs a second set, because a workspace serves one layer evaluation per
 * tape. Beyond this many sets per key, further sets are built for the call and not kept.
 */
const MAX_CACHED_SETS = 4;

/** Buffers of one fused evaluation: the stacked input streams and one workspace per layer. */
interface WorkspaceSet {
  readonly input: Float64Array;
  readonly layers: FusedLayerWorkspace[];
  /** The tape that used this set last; the set is free once that tape has been released. */
  owner: Tape | null;
}

/**
 * Returns the jet of `model` at N points on `tape`, computed with one fused op per layer on
 * the stacked layout ([K·N, width], stream s in rows s·N .. s·N + N − 1). The input streams are
 * x̂ = scale·x + shift in the value rows, scale_i in column i of the rows of ∂/∂x_i, and zero
 * second partials. The coefficients of the returned jet are row slices of the last layer's output.
 * Throws a RangeError when `points` is empty, not N·inputs long, or has a NaN or ±Infinity.
 */
export function fusedJet(model: Mlp, tape: Tape, points: Float64Array, spec: JetSpec): TapeJet {
  const dim = model.inputs;
  const count = checkJetPoints("Mlp.jet", points, dim);
  const layout = new JetLayout(spec);
  const set = acquireWorkspaces(model, tape, layout, count);

  fillInputStreams(model, points, layout, set.input);
  let streams = tape.constant(set.input, [layout.streams * count, dim]);
  const tensors = registerParams(model, tape);
  model.layers.forEach((_layer, l) => {
    const { W, b } = tensors[l]!;
    streams = fusedLayerOp(tape, streams, W, b, set.layers[l]!);
  });

  return splitStreams(streams, layout, count);
}

function acquireWorkspaces(model: Mlp, tape: Tape, layout: JetLayout, count: number): WorkspaceSet {
  const spec = layout.spec;
  const key = `fused|${count}|${spec.dim}|${spec.first.join(",")}|${spec.second.join(";")}|${spec.laplacian}`;
  let sets = model.cache.get(key) as WorkspaceSet[] | undefined;
  if (sets === undefined) {
    sets = [];
    model.cache.set(key, sets);
  }

  // NOTE: a tape dropped without backward or release keeps its set busy for good. After
  // MAX_CACHED_SETS such tapes, every call builds fresh workspaces.
  let set = sets.find((candidate) => candidate.owner === null || candidate.owner.released);
  if (set === undefined) {
    set = buildWorkspaces(model, layout, count);
    if (sets.length < MAX_CACHED_SETS) {
      sets.push(set);
    }
  }
  set.owner = tape;
  return set;
}

function buildWorkspaces(model: Mlp, layout: JetLayout, count: number): WorkspaceSet {
  const layers = model.layers.map(
    (layer) =>
      new FusedLayerWorkspace(count, layout, layer.in, layer.out, layer.activation, layer.omega),
  );
  return { input: new Float64Array(layout.streams * count * model.inputs), layers, owner: null };
}

/** Writes the seed streams: the value x̂ = scale·x + shift, the tangents d(x̂)/dx, zero curvature. */
function fillInputStreams(
  model: Mlp,
  points: Float64Array,
  layout: JetLayout,
  input: Float64Array,
): void {
  const dim = model.inputs;
  const count = points.length / dim;
  const { scale, shift } = model.inputMap;
  input.fill(0);

  for (let p = 0; p < count; p++) {
    for (let i = 0; i < dim; i++) {
      input[p * dim + i] = scale[i]! * points[p * dim + i]! + shift[i]!;
    }
  }
  for (const i of layout.spec.first) {
    const base = layout.firstStream[i]! * count * dim;
    for (let p = 0; p < count; p++) {
      input[base + p * dim + i] = scale[i]!;
    }
  }
}

function splitStreams(streams: Tensor, layout: JetLayout, count: number): TapeJet {
  const stream = (s: number): Tensor => slice(streams, s * count, (s + 1) * count);
  const spec = layout.spec;

  const first = new Map<number, Tensor>();
  for (const i of spec.first) {
    first.set(i, stream(layout.firstStream[i]!));
  }
  const second = new Map<string, Tensor>();
  spec.second.forEach(([i, j], k) => {
    second.set(secondKey(i, j), stream(layout.secondStreams[k]!));
  });
  const laplacian = layout.laplacianStream >= 0 ? stream(layout.laplacianStream) : null;
  return new TapeJet(spec, stream(0), first, second, laplacian);
}
