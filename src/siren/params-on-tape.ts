// Registration of a network's parameters on a tape, and packing of their gradients.

import type { Gradients, Tape } from "../tape/tape.js";
import type { Tensor } from "../tape/tensor.js";
import type { Mlp } from "./mlp.js";

/** Tape leaves of one layer: W of shape [out, in] and b of shape [out]. */
export interface LayerTensors {
  readonly W: Tensor;
  readonly b: Tensor;
}

/**
 * Registers every parameter of `model` on `tape` under its name ("layer0.W", "layer0.b", ...)
 * as a view of `model.params`, so gradients come back by name. Registering twice on one tape
 * returns the same tensors.
 */
export function registerParams(model: Mlp, tape: Tape): LayerTensors[] {
  return model.layers.map((layer) => ({
    W: tape.param(`${layer.name}.W`, layer.W, [layer.out, layer.in]),
    b: tape.param(`${layer.name}.b`, layer.b, [layer.out]),
  }));
}

/**
 * Packs the named gradients of `grads` into one flat vector in `model.params` order, which
 * is what the optimisers take. Writes into `into` when given (no allocation) and returns it.
 * Throws a RangeError when a parameter is missing or has the wrong length.
 */
export function flatGradient(model: Mlp, grads: Gradients, into?: Float64Array): Float64Array {
  const flat = into ?? new Float64Array(model.params.length);
  if (flat.length !== model.params.length) {
    throw new RangeError(
      `flatGradient: into must have ${model.params.length} entries (the parameter count), received ${flat.length}`,
    );
  }

  for (const entry of model.paramEntries) {
    const gradient = grads.get(entry.name);
    if (gradient === undefined || gradient.length !== entry.view.length) {
      const received = gradient === undefined ? "none" : `${gradient.length} values`;
      throw new RangeError(
        `flatGradient: expected a gradient of ${entry.view.length} values for ${entry.name}, received ${received}; ` +
          "build the loss from model.jet or model.paramTensors on the same tape",
      );
    }
    flat.set(gradient, entry.offset);
  }
  return flat;
}
