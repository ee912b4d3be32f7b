// A whole network's fused evaluation on one set of buffers, split into parts of the batch.
//
// The set contains the stacked input streams, one workspace per layer and the cotangent of every
// layer's output, all carved in a fixed order from one arena. A part (a range of points) runs
// its whole forward, or its whole backward, without waiting for the other parts, because every
// row depends only on the same point's rows of the layer below. Only the weight and bias
// gradients mix points: each part sums its own (fused-rows.ts) and the caller adds the parts
// in order. Another thread that carves the same plan from the same shared memory gets the same
// buffers and can run some of the parts (src/node/fused-threads.ts).

import { JetLayout, type JetSpec } from "../dual/batch-spec.js";
import { GemmArena } from "../dual/gemm-arena.js";
import type { LayerActivation } from "./activation.js";
import { FusedLayerWorkspace } from "./fused.js";
import { backwardRows, bindLayer, forwardRows, gradientPart, partRange } from "./fused-rows.js";

/**
 * Points per part below which a batch is not split: the gradient sums of a batch of N points
 * run as two parts when N ≥ 2·PART_POINTS. Below that, a part's matrix products would be too
 * short for a second thread to pay for its hand-off (a 64-wide product on 387 stacked rows ran
 * at 11 GFLOP/s here against 16 on 771).
 */
export const PART_POINTS = 128;

/** Returns the number of parts of a batch of `points` points, which depends on nothing else. */
export function partsFor(points: number): number {
  return points >= 2 * PART_POINTS ? 2 : 1;
}

/** Layout of a fused set: enough for another thread to carve it from the same memory. */
export interface FusedPlan {
  readonly count: number;
  readonly inputs: number;
  readonly spec: JetSpec;
  readonly layers: readonly {
    readonly in: number;
    readonly out: number;
    readonly activation: LayerActivation;
    readonly omega: number;
  }[];
}

/** The buffers of one fused evaluation. */
export interface FusedSet {
  readonly plan: FusedPlan;
  readonly parts: number;
  readonly arena: GemmArena | null;
  /** Stacked input streams [K·N, inputs]. */
  readonly input: Float64Array;
  readonly layers: FusedLayerWorkspace[];
  /** cotangents[l] contains the cotangent of layer l's output streams during the backward. */
  readonly cotangents: Float64Array[];
}

/** Numbers of the arena a plan carves. */
export function planSize(plan: FusedPlan): number {
  const layout = new JetLayout(plan.spec);
  const rows = layout.streams * plan.count;
  const parts = partsFor(plan.count);
  let size = GemmArena.size(rows * plan.inputs);
  for (const layer of plan.layers) {
    size += FusedLayerWorkspace.arenaSize(
      plan.count,
      layout,
      layer.in,
      layer.out,
      layer.activation,
      parts,
    );
    size += GemmArena.size(rows * layer.out);
  }
  return size;
}

/**
 * Carves the set of `plan` from `arena` (plain arrays when null), always in the same order,
 * and binds every layer to its input (the layer below's output) and to its arena copies of W
 * and b.
 */
export function buildFusedSet(plan: FusedPlan, arena: GemmArena | null): FusedSet {
  const layout = new JetLayout(plan.spec);
  const rows = layout.streams * plan.count;
  const parts = partsFor(plan.count);
  const buffer = (length: number) =>
    arena === null ? new Float64Array(length) : arena.plain(length);

  const input = buffer(rows * plan.inputs);
  const layers = plan.layers.map(
    (layer) =>
      new FusedLayerWorkspace(
        plan.count,
        layout,
        layer.in,
        layer.out,
        layer.activation,
        layer.omega,
        {
          arena,
          parts,
        },
      ),
  );
  const cotangents = plan.layers.map((layer) => buffer(rows * layer.out));
  layers.forEach((ws, l) => {
    bindLayer(ws, l === 0 ? input : layers[l - 1]!.y, ws.weightCopy, ws.biasCopy);
  });
  return { plan, parts, arena, input, layers, cotangents };
}

/**
 * Runs part q's forward through every layer (W and b staged, inputs bound), calling
 * `afterLayer` after each.
 */
export function forwardPart(set: FusedSet, q: number, afterLayer?: () => void): void {
  const [p0, p1] = partRange(set.plan.count, set.parts, q);
  for (const ws of set.layers) {
    forwardRows(ws, p0, p1);
    afterLayer?.();
  }
}

/**
 * Runs part q's backward through every layer, from the cotangent in the last entry of
 * `set.cotangents`: the cotangents of the hidden outputs, then part q's gradient sums. Calls
 * `afterLayer` after each layer.
 */
export function backwardPart(set: FusedSet, q: number, afterLayer?: () => void): void {
  const [p0, p1] = partRange(set.plan.count, set.parts, q);
  for (let l = set.layers.length - 1; l >= 0; l--) {
    const ws = set.layers[l]!;
    const ctOut = set.cotangents[l]!;
    backwardRows(ws, ctOut, l > 0 ? set.cotangents[l - 1]! : null, p0, p1, true);
    gradientPart(ws, ctOut, q, p0, p1);
    afterLayer?.();
  }
}

/**
 * Runs the parts of a set's phase on other threads while the calling thread runs part 0.
 * Node provides one (`startFusedThreads` in siren-pinn/node); the library itself starts no
 * threads, so it runs unchanged in a browser.
 */
export interface FusedPartRunner {
  /**
   * An arena of at least `doubles` numbers in memory the runner's threads can attach to, or
   * null when it cannot make one (the set then runs on the calling thread alone).
   */
  createArena(doubles: number): GemmArena | null;
  /** True when `set` lives in an arena this runner made, so its threads can run its parts. */
  accepts(set: FusedSet): boolean;
  /**
   * Starts parts 1 .. set.parts − 1 of `phase` elsewhere, calls `runPartZero`, and returns
   * once every part is done. Throws the error of a part that failed.
   */
  run(set: FusedSet, phase: "forward" | "backward", runPartZero: () => void): void;
}

let partRunner: FusedPartRunner | null = null;

/**
 * Installs (or with null removes) the runner that fused evaluations use for their parts.
 * Sets built while a runner is installed live in shared memory; the bits of every result are
 * the same with and without it.
 */
export function setFusedPartRunner(runner: FusedPartRunner | null): void {
  partRunner = runner;
}

/** Returns the installed runner, or null. */
export function fusedPartRunner(): FusedPartRunner | null {
  return partRunner;
}

/** True when the set's buffers are in shared memory, which other threads can attach to. */
export function isShared(set: FusedSet): boolean {
  return set.arena !== null && set.input.buffer instanceof SharedArrayBuffer;
}

/** Runs every part of the forward: on the runner when there is one, else here. */
export function runForward(set: FusedSet): void {
  const runner = partRunner;
  if (runner !== null && set.parts > 1 && isShared(set)) {
    runner.run(set, "forward", () => forwardPart(set, 0));
    return;
  }
  // One range over all points gives the same bits as the parts and longer products.
  for (const ws of set.layers) forwardRows(ws, 0, set.plan.count);
}

/** Runs every part of the backward: on the runner when there is one, else here. */
export function runBackward(set: FusedSet): void {
  const runner = partRunner;
  if (runner !== null && set.parts > 1 && isShared(set)) {
    runner.run(set, "backward", () => backwardPart(set, 0));
    return;
  }
  for (let q = 0; q < set.parts; q++) backwardPart(set, q);
}
