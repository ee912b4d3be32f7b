// The generic jet path: a network's input partials built from the tape's jet ops.

import { checkJetPoints } from "../dual/batch-points.js";
import type { JetSpec } from "../dual/batch-spec.js";
import { jetAffine, jetRelu, jetSine, jetTanh, seedJet, type TapeJet } from "../tape/jet.js";
import type { Tape } from "../tape/tape.js";
import type { Mlp, MlpLayer } from "./mlp.js";
import { registerParams } from "./params-on-tape.js";

/**
 * Returns the jet of `model` at N points (row-major, N·inputs values) on `tape`. The seed
 * is x̂ = scale·x + shift with tangent scale_i along direction i, so every partial is with
 * respect to the raw input x. Each layer is jetAffine followed by its activation's jet rule.
 * Throws a RangeError when `points` is empty, not N·inputs long, or has a NaN or ±Infinity.
 */
export function genericJet(model: Mlp, tape: Tape, points: Float64Array, spec: JetSpec): TapeJet {
  checkJetPoints("Mlp.jet", points, model.inputs);
  const { scale, shift } = model.inputMap;
  let jet = seedJet(tape, points, spec, Array.from(scale), Array.from(shift));
  const tensors = registerParams(model, tape);

  model.layers.forEach((layer, l) => {
    const { W, b } = tensors[l]!;
    jet = activateJet(jetAffine(jet, W, b), layer);
  });
  return jet;
}

function activateJet(jet: TapeJet, layer: MlpLayer): TapeJet {
  switch (layer.activation) {
    case "sine":
      return jetSine(jet, layer.omega);
    case "tanh":
      return jetTanh(jet);
    case "relu":
      return jetRelu(jet);
    case "linear":
      return jet;
  }
}
