// The scalar reference path: one point through the network with src/dual's generic Scalar ops.

import { add, mul } from "../dual/arith.js";
import { sin, tanh } from "../dual/elementary.js";
import { relu } from "../dual/kinks.js";
import type { Scalar } from "../dual/scalar.js";
import type { Mlp, MlpLayer } from "./mlp.js";

/**
 * Evaluates `model` at one point whose coordinates may be AD values (Dual, HyperDual,
 * nested), so the outputs carry exact input partials. `params`, when given, replaces
 * `model.params` entry for entry (same flat order) and may hold AD values too, which
 * gives derivatives with respect to the parameters. Slow and short on purpose: it is the
 * oracle the tape paths are tested against.
 */
export function evaluateScalar(
  model: Mlp,
  point: readonly Scalar[],
  params?: readonly Scalar[],
): Scalar[] {
  if (point.length !== model.inputs) {
    throw new RangeError(
      `Mlp.evaluateScalar: point must have ${model.inputs} coordinates, received ${point.length}`,
    );
  }
  if (params !== undefined && params.length !== model.params.length) {
    throw new RangeError(
      `Mlp.evaluateScalar: params must have ${model.params.length} entries (the parameter count), received ${params.length}`,
    );
  }
  const theta: ArrayLike<Scalar> = params ?? model.params;

  // x̂ = scale·x + shift, so the seed tangents of x pick up d(x̂)/dx = scale.
  const { scale, shift } = model.inputMap;
  let a: Scalar[] = point.map((x, i) => add(mul(scale[i]!, x), shift[i]!));

  let offset = 0;
  for (const layer of model.layers) {
    a = scalarLayer(layer, theta, offset, a);
    offset += layer.out * (layer.in + 1);
  }
  return a;
}

/** y_j = act(ω (Σ_k W_jk a_k + b_j)) with W and b read from `theta` at `offset`. */
function scalarLayer(
  layer: MlpLayer,
  theta: ArrayLike<Scalar>,
  offset: number,
  a: Scalar[],
): Scalar[] {
  const biasOffset = offset + layer.out * layer.in;
  const y: Scalar[] = [];
  for (let j = 0; j < layer.out; j++) {
    let z: Scalar = theta[biasOffset + j]!;
    for (let k = 0; k < layer.in; k++) {
      z = add(z, mul(theta[offset + j * layer.in + k]!, a[k]!));
    }
    y.push(activateScalar(layer, z));
  }
  return y;
}

function activateScalar(layer: MlpLayer, z: Scalar): Scalar {
  switch (layer.activation) {
    case "sine":
      // ω multiplies the whole pre-activation W a + b.
      return sin(mul(layer.omega, z));
    case "tanh":
      return tanh(z);
    case "relu":
      return relu(z);
    case "linear":
      return z;
  }
}
