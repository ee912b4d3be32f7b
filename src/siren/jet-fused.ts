// The fused jet path: the whole network is one tape op on stacked streams in cached workspaces.

import { checkJetPoints } from "../dual/batch-points.js";
import { JetLayout, type JetSpec } from "../dual/batch-spec.js";
import { GemmArena } from "../dual/gemm-arena.js";
import { secondKey, TapeJet } from "../tape/jet.js";
import { slice } from "../tape/ops.js";
import type { Tape } from "../tape/tape.js";
import type { Tensor } from "../tape/tensor.js";
import {
  buildFusedSet,
  type FusedPlan,
  type FusedSet,
  fusedPartRunner,
  planSize,
  runBackward,
  runForward,
} from "./fused-network.js";
import { reduceGradients, stageLayer } from "./fused-rows.js";
import type { Mlp } from "./mlp.js";
import { type LayerTensors, registerParams } from "./params-on-tape.js";

/**
 * Workspace sets kept per (batch size, spec) on one model. A second evaluation on a tape that
 * is still recording needs a second set, because a workspace serves one layer evaluation per
 * tape. Beyond this many sets per key, further sets are built for the call and not kept.
 */
const MAX_CACHED_SETS = 4;

/** A fused set with the tape that used it last; it is free once that tape is released. */
interface WorkspaceSet extends FusedSet {
  owner: Tape | null;
}

/**
 * Returns the jet of `model` at N points on `tape`, computed by one fused op for the whole
 * network on the stacked layout ([K·N, width], stream s in rows s·N .. s·N + N − 1). The input streams are
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
  const input = tape.constant(set.input, [layout.streams * count, dim]);
  const streams = networkOp(tape, input, registerParams(model, tape), set);
  return splitStreams(streams, layout, count);
}

/**
 * Records the whole network as one custom op of the input streams and every W and b. The
 * cotangents between layers stay in the set's buffers instead of tape-allocated arrays, so a
 * step allocates no per-layer buffers and every product finds its operands in the arena.
 */
function networkOp(tape: Tape, input: Tensor, params: LayerTensors[], set: WorkspaceSet): Tensor {
  const layers = set.layers;
  const last = layers[layers.length - 1]!;
  const inputs = [input, ...params.flatMap(({ W, b }) => [W, b])];

  const forward = () => {
    layers.forEach((ws, l) => {
      const { W, b } = params[l]!;
      stageLayer(ws, l === 0 ? set.input : layers[l - 1]!.y, W.data, b.data);
    });
    runForward(set);
  };

  // The input streams are a tape constant, so inputCts[0] is null; parameter l has W at
  // 1 + 2l and b at 2 + 2l.
  const vjp = (ct: Float64Array, inputCts: (Float64Array | null)[]) => {
    set.cotangents[layers.length - 1]!.set(ct);
    runBackward(set);
    layers.forEach((ws, l) => {
      reduceGradients(ws, inputCts[1 + 2 * l] ?? null, inputCts[2 + 2 * l] ?? null);
    });
  };

  return tape.custom("fusedNetwork", inputs, [last.rows, last.outputs], forward, vjp, {
    out: last.y,
  });
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
  const runner = fusedPartRunner();
  if (set !== undefined && runner !== null && set.parts > 1 && !runner.accepts(set)) {
    // Built before these fused threads started: replace it by a set they can attach to.
    const fresh = buildWorkspaces(model, layout, count);
    sets[sets.indexOf(set)] = fresh;
    set = fresh;
  }
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
  const plan: FusedPlan = {
    count,
    inputs: model.inputs,
    spec: layout.spec,
    layers: model.layers.map(({ in: inputs, out, activation, omega }) => ({
      in: inputs,
      out,
      activation,
      omega,
    })),
  };
  // With a part runner installed, the runner makes the arena, so that its threads can attach.
  const size = planSize(plan);
  const arena = fusedPartRunner()?.createArena(size) ?? GemmArena.create(size);
  return { ...buildFusedSet(plan, arena), owner: null };
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
