// The fused Taylor path of a network: order-K coefficients along one direction, one tape op per layer.

import { checkJetPoints } from "../dual/batch-points.js";
import { BatchTaylor, seedBatchTaylor } from "../dual/batch-taylor.js";
import { slice } from "../tape/ops.js";
import type { Tape } from "../tape/tape.js";
import type { Tensor } from "../tape/tensor.js";
import { FusedTaylorLayerWorkspace, fusedTaylorLayerOp } from "./fused-taylor.js";
import type { Mlp } from "./mlp.js";
import { registerParams } from "./params-on-tape.js";

/** Buffers of one fused Taylor evaluation: the seeded input and one workspace per layer. */
interface TaylorWorkspaceSet {
  readonly input: BatchTaylor;
  readonly layers: FusedTaylorLayerWorkspace[];
  /** The tape that used this set last; the set is free once that tape has been released. */
  owner: Tape | null;
}

/**
 * Returns the Taylor coefficients u_0..u_K of the network output along `direction` at N
 * points, recorded on `tape`: coefficient k is the [N, outputs] tensor
 * (d/dt)^k u(x + t v) / k! at t = 0, with v an axis index or a vector in raw input
 * coordinates. Multiply coefficient k by k! for the k-th directional derivative.
 * Workspaces are cached on `model.cache` per (N, K) and reused once their tape is released.
 * Throws a RangeError when `points` is empty, not N·inputs long, or has a NaN or ±Infinity.
 *
 * NOTE: the returned tensors are views of the cached workspace, so a later call with the same
 * (N, K) after this tape is released overwrites their data. Copy it to keep it longer.
 */
export function fusedTaylorJet(
  model: Mlp,
  tape: Tape,
  points: Float64Array,
  direction: number | ArrayLike<number>,
  order: number,
): Tensor[] {
  const dim = model.inputs;
  const count = checkJetPoints("fusedTaylorJet", points, dim);
  if (!Number.isInteger(order) || order < 0) {
    throw new RangeError(
      `fusedTaylorJet: order must be a non-negative integer, received ${String(order)}`,
    );
  }
  const set = acquireWorkspaces(model, tape, count, order);

  const { scale, shift } = model.inputMap;
  seedBatchTaylor(points, dim, direction, order, scale, shift, set.input);
  let coefficients = tape.constant(set.input.data, [(order + 1) * count, dim]);
  const tensors = registerParams(model, tape);
  model.layers.forEach((_layer, l) => {
    const { W, b } = tensors[l]!;
    coefficients = fusedTaylorLayerOp(tape, coefficients, W, b, set.layers[l]!);
  });

  const result: Tensor[] = [];
  for (let k = 0; k <= order; k++) result.push(slice(coefficients, k * count, (k + 1) * count));
  return result;
}

function acquireWorkspaces(
  model: Mlp,
  tape: Tape,
  count: number,
  order: number,
): TaylorWorkspaceSet {
  const key = `fusedTaylor|${count}|${order}`;
  const cached = model.cache.get(key) as TaylorWorkspaceSet | undefined;
  if (cached !== undefined && (cached.owner === null || cached.owner.released)) {
    cached.owner = tape;
    return cached;
  }

  // A set still in use by a live tape stays cached; this call gets a set of its own.
  const set: TaylorWorkspaceSet = {
    input: new BatchTaylor(order, count, model.inputs),
    layers: model.layers.map(
      (layer) =>
        new FusedTaylorLayerWorkspace(
          count,
          order,
          layer.in,
          layer.out,
          layer.activation,
          layer.omega,
        ),
    ),
    owner: tape,
  };
  if (cached === undefined) model.cache.set(key, set);
  return set;
}
