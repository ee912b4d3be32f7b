// First-order rounding-error bounds of a network jet, the tolerance of the residual check.

import type { Mlp, MlpLayer } from "../siren/mlp.js";
import { hyperDualPartials, type PartialValues, type PointFunction } from "./check-partials.js";
import { UNIT_ROUNDOFF } from "./tolerance.js";

/**
 * Values of one quantity of the jet (value, first partials, second partials) at one point,
 * each with its error bound E in units of the unit roundoff u: |computed − exact| ≤ u·E to
 * first order in u.
 */
interface BoundedJet {
  value: number;
  valueError: number;
  first: number[];
  firstError: number[];
  /** Second partials in the order of the `pairs` argument. */
  second: number[];
  secondError: number[];
}

/** Error bounds of the solution's streams at one point, in units of u. */
export interface StreamErrorBounds {
  value: number;
  first: number[];
  /** In the order of the `pairs` argument. */
  second: number[];
  laplacian: number;
}

// Rounding budget of one library call (Math.sin, Math.cos, Math.tanh): ECMAScript does not
// fix their accuracy, and common engines stay within 1 ulp, so 2 leaves a margin.
const LIBRARY_ROUNDINGS = 2;

/**
 * Returns first-order bounds on the rounding error of the network jet at `point` in units of
 * u, by running error analysis: a dot product of n terms adds at most n·Σ|terms|, and each
 * function application carries its input's error through its derivative. Any summation order
 * obeys the bound, so it holds for the HyperDual, generic and fused paths alike. `pairs` lists
 * the second partials (i, j) to bound and must contain every (i, i) when the Laplacian is wanted.
 */
export function networkErrorBounds(
  model: Mlp,
  point: readonly number[],
  pairs: readonly (readonly [number, number])[],
  laplacian: boolean,
): StreamErrorBounds {
  let jets = inputJets(model, point, pairs);
  for (const layer of model.layers) jets = layerJets(layer, jets, pairs);

  const output = jets[0];
  let laplacianError = 0;
  if (laplacian) {
    let magnitude = 0;
    for (let i = 0; i < point.length; i++) {
      const p = pairs.findIndex(([a, b]) => a === i && b === i);
      laplacianError += output.secondError[p];
      magnitude += Math.abs(output.second[p]);
    }
    // Summing d diagonal terms adds d roundings of at most their absolute sum.
    laplacianError += point.length * magnitude;
  }
  return {
    value: output.valueError,
    first: output.firstError,
    second: output.secondError,
    laplacian: laplacianError,
  };
}

/**
 * Returns the bounds of u = offset + factor·N from the network's bounds by the product rule,
 * with the partials of offset and factor taken as exact (they come from hyper-dual numbers).
 */
export function constrainedErrorBounds(
  network: { values: PartialValues; bounds: StreamErrorBounds },
  offset: PointFunction,
  factor: PointFunction,
  point: readonly number[],
  pairs: readonly (readonly [number, number])[],
  laplacian: boolean,
): StreamErrorBounds {
  const directions = point.map((_, i) => i);
  const g = hyperDualPartials(offset, point, directions, pairs, false);
  const m = hyperDualPartials(factor, point, directions, pairs, false);
  const n = network.values;
  const e = network.bounds;
  const at = (values: PartialValues, i: number): number => values.first?.get(i) ?? 0;
  const pairAt = (values: PartialValues, [i, j]: readonly [number, number]): number =>
    values.second?.get(`${Math.min(i, j)},${Math.max(i, j)}`) ?? 0;
  const m0 = m.value ?? 0;
  const n0 = n.value ?? 0;

  // u = g + m N
  const value = Math.abs(m0) * e.value + 2 * (Math.abs(g.value ?? 0) + Math.abs(m0 * n0));

  // u_i = g_i + m_i N + m N_i
  const first = directions.map(
    (i) =>
      Math.abs(at(m, i)) * e.value +
      Math.abs(m0) * e.first[i] +
      3 * (Math.abs(at(g, i)) + Math.abs(at(m, i) * n0) + Math.abs(m0 * at(n, i))),
  );

  // u_ij = g_ij + m_ij N + m_i N_j + m_j N_i + m N_ij
  const second = pairs.map((pair, p) => {
    const [i, j] = pair;
    const terms =
      Math.abs(pairAt(g, pair)) +
      Math.abs(pairAt(m, pair) * n0) +
      Math.abs(at(m, i) * at(n, j)) +
      Math.abs(at(m, j) * at(n, i)) +
      Math.abs(m0 * pairAt(n, pair));
    return (
      Math.abs(pairAt(m, pair)) * e.value +
      Math.abs(at(m, i)) * e.first[j] +
      Math.abs(at(m, j)) * e.first[i] +
      Math.abs(m0) * e.second[p] +
      5 * terms
    );
  });

  let laplacianError = 0;
  if (laplacian) {
    for (let i = 0; i < point.length; i++) {
      const p = pairs.findIndex(([a, b]) => a === i && b === i);
      laplacianError += second[p] + point.length * Math.abs(pairAt(n, [i, i]));
    }
  }
  return { value, first, second, laplacian: laplacianError };
}

// x̂_k = scale_k·x_k + shift_k, so ∂x̂_k/∂x_i = scale_k when i = k; the seeds are exact.
function inputJets(
  model: Mlp,
  point: readonly number[],
  pairs: readonly (readonly [number, number])[],
): BoundedJet[] {
  const { scale, shift } = model.inputMap;
  return point.map((x, k) => {
    const value = scale[k] * x + shift[k];
    return {
      value,
      valueError: Math.abs(scale[k] * x) + Math.abs(value),
      first: point.map((_, i) => (i === k ? scale[k] : 0)),
      firstError: point.map(() => 0),
      second: pairs.map(() => 0),
      secondError: pairs.map(() => 0),
    };
  });
}

function layerJets(
  layer: MlpLayer,
  inputs: readonly BoundedJet[],
  pairs: readonly (readonly [number, number])[],
): BoundedJet[] {
  const outputs: BoundedJet[] = [];
  for (let j = 0; j < layer.out; j++) {
    const z = affine(layer, j, inputs, pairs);
    outputs.push(layer.activation === "linear" ? z : activate(layer, z, pairs));
  }
  return outputs;
}

// z = b_j + Σ_k W_jk a_k per stream; n + 1 additions each round at most Σ|terms|.
function affine(
  layer: MlpLayer,
  j: number,
  inputs: readonly BoundedJet[],
  pairs: readonly (readonly [number, number])[],
): BoundedJet {
  const dim = inputs[0].first.length;
  const row = j * layer.in;
  const roundings = layer.in + 1;
  const stream = (
    pick: (a: BoundedJet) => number,
    error: (a: BoundedJet) => number,
    bias: number,
  ) => {
    let value = bias;
    let magnitude = Math.abs(bias);
    let carried = 0;
    for (let k = 0; k < layer.in; k++) {
      const w = layer.W[row + k];
      value += w * pick(inputs[k]);
      magnitude += Math.abs(w * pick(inputs[k]));
      carried += Math.abs(w) * error(inputs[k]);
    }
    return { value, error: carried + roundings * magnitude };
  };

  const value = stream(
    (a) => a.value,
    (a) => a.valueError,
    layer.b[j],
  );
  const first = Array.from({ length: dim }, (_, i) =>
    stream(
      (a) => a.first[i],
      (a) => a.firstError[i],
      0,
    ),
  );
  const second = pairs.map((_, p) =>
    stream(
      (a) => a.second[p],
      (a) => a.secondError[p],
      0,
    ),
  );
  return {
    value: value.value,
    valueError: value.error,
    first: first.map((s) => s.value),
    firstError: first.map((s) => s.error),
    second: second.map((s) => s.value),
    secondError: second.map((s) => s.error),
  };
}

/**
 * Applies y = σ(Z) with Z = ω·z to every stream:
 *   y_i = σ'(Z) Z_i,   y_ij = σ'(Z) Z_ij + σ''(Z) Z_i Z_j,
 * and carries each input error through the derivative of these formulas.
 */
function activate(
  layer: MlpLayer,
  z: BoundedJet,
  pairs: readonly (readonly [number, number])[],
): BoundedJet {
  const omega = layer.omega;
  // Z = ω z rounds once per stream.
  const Z = z.value * omega;
  const ZError = omega * z.valueError + Math.abs(Z);
  const Zi = z.first.map((d) => d * omega);
  const ZiError = z.firstError.map((e, i) => omega * e + Math.abs(Zi[i]));
  const Zij = z.second.map((d) => d * omega);
  const ZijError = z.secondError.map((e, p) => omega * e + Math.abs(Zij[p]));

  const [s0, s1, s2, s3] = activationDerivatives(layer.activation, Z);
  const calls = layer.activation === "relu" ? 0 : LIBRARY_ROUNDINGS;

  const first = Zi.map((d) => s1 * d);
  const firstError = Zi.map(
    (d, i) =>
      Math.abs(s1) * ZiError[i] + Math.abs(s2 * d) * ZError + (calls + 1) * Math.abs(s1 * d),
  );

  const second = pairs.map(([i, j], p) => s1 * Zij[p] + s2 * Zi[i] * Zi[j]);
  const secondError = pairs.map(([i, j], p) => {
    const carried =
      Math.abs(s1) * ZijError[p] +
      Math.abs(s2) * (Math.abs(Zi[i]) * ZiError[j] + Math.abs(Zi[j]) * ZiError[i]) +
      (Math.abs(s2 * Zij[p]) + Math.abs(s3 * Zi[i] * Zi[j])) * ZError;
    return carried + (calls + 3) * (Math.abs(s1 * Zij[p]) + Math.abs(s2 * Zi[i] * Zi[j]));
  });

  // At a ReLU kink the rounding of Z (in either of two compared paths) can flip the branch,
  // which moves y_i by all of Z_i.
  if (layer.activation === "relu" && Math.abs(Z) <= 2 * UNIT_ROUNDOFF * ZError) {
    Zi.forEach((d, i) => {
      firstError[i] += Math.abs(d) / UNIT_ROUNDOFF;
    });
  }

  return {
    value: s0,
    valueError: Math.abs(s1) * ZError + calls * Math.abs(s0),
    first,
    firstError,
    second,
    secondError,
  };
}

// σ(Z), σ'(Z), σ''(Z), σ'''(Z) of a hidden activation.
function activationDerivatives(
  activation: MlpLayer["activation"],
  Z: number,
): [number, number, number, number] {
  switch (activation) {
    case "sine": {
      const s = Math.sin(Z);
      const c = Math.cos(Z);
      return [s, c, -s, -c];
    }
    case "tanh": {
      // tanh' = 1 − t², tanh'' = −2t(1 − t²), tanh''' = −2(1 − t²)(1 − 3t²).
      const t = Math.tanh(Z);
      const d = 1 - t * t;
      return [t, d, -2 * t * d, -2 * d * (1 - 3 * t * t)];
    }
    case "relu":
      // relu'(0) = 0 by the library's convention, and relu'' = relu''' = 0.
      return Z > 0 ? [Z, 1, 0, 0] : [0, 0, 0, 0];
    case "linear":
      return [Z, 1, 0, 0];
  }
}
