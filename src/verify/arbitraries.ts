// fast-check arbitraries for derivative tests: finite doubles, points in a box, networks, directions.

import * as fc from "fast-check";
import type { Activation } from "../siren/activation.js";
import { createMlp, type Mlp } from "../siren/mlp.js";
import type { MlpOptions } from "../siren/options.js";
import { randomUnitVector } from "./directions.js";

/** An interval [lower, upper] of the real line. */
export type Interval = readonly [number, number];

/**
 * Finite doubles in [lower, upper]: never NaN or ±Infinity. Without an interval every finite
 * double can appear, including ±Number.MAX_VALUE and −0.
 */
export function finiteDouble(interval?: Interval): fc.Arbitrary<number> {
  if (interval === undefined) return fc.double({ noNaN: true, noDefaultInfinity: true });

  const [lower, upper] = checkInterval("finiteDouble", interval);
  return fc.double({ min: lower, max: upper, noNaN: true, noDefaultInfinity: true });
}

/** Points of a box given as one [lower, upper] per coordinate. */
export function pointInBox(box: readonly Interval[]): fc.Arbitrary<number[]> {
  if (box.length === 0) {
    throw new RangeError("pointInBox: box must have at least one coordinate, received []");
  }
  const coordinates = box.map((interval) => finiteDouble(checkInterval("pointInBox", interval)));
  return fc.tuple(...coordinates).map((point) => [...point]);
}

/**
 * Batches of points of a box, row-major in one Float64Array (N × d), the layout that
 * `Mlp.jet` and `seedJet` take. N lies in [minPoints, maxPoints].
 */
export function pointsInBox(
  box: readonly Interval[],
  { minPoints = 1, maxPoints = 8 }: { minPoints?: number; maxPoints?: number } = {},
): fc.Arbitrary<Float64Array> {
  return fc
    .array(pointInBox(box), { minLength: minPoints, maxLength: maxPoints })
    .map((points) => Float64Array.from(points.flat()));
}

/**
 * Unit vectors of R^dim, uniform on the sphere: a seed draws a standard normal vector that is
 * then normalised. Shrinking moves the seed, not the components.
 */
export function unitDirection(dim: number): fc.Arbitrary<number[]> {
  checkCount("unitDirection", "dim", dim, 1);
  return fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((seed) => randomUnitVector(dim, seed));
}

/** Ranges of the random networks drawn by `mlpOptions` and `mlp`. */
export interface MlpArbitraryOptions {
  inputs: number;
  /** Default 1. */
  outputs?: number;
  /** One activation or a list to draw from. Default all three. */
  activation?: Activation | readonly Activation[];
  /** Number of hidden layers [min, max]. Default [1, 3]. */
  depth?: readonly [number, number];
  /** Width of each hidden layer [min, max]. Default [1, 16]. */
  width?: readonly [number, number];
  /** ω0 of sine networks [min, max]. Default [1, 30]. */
  omega0?: Interval;
  /** Draw hiddenOmega from "one" and "omega0". Default true. */
  bothHiddenOmega?: boolean;
  /** Domain box mapped onto [−1, 1]; none by default. */
  domain?: readonly Interval[];
  /** Draw biases uniform instead of zero, so that biases take part in every derivative. Default true. */
  uniformBias?: boolean;
}

/** Options of random multilayer perceptrons within the given ranges, with a random seed. */
export function mlpOptions(ranges: MlpArbitraryOptions): fc.Arbitrary<MlpOptions> {
  const outputs = ranges.outputs ?? 1;
  checkCount("mlpOptions", "inputs", ranges.inputs, 1);
  checkCount("mlpOptions", "outputs", outputs, 1);
  const [minDepth, maxDepth] = checkRange("depth", ranges.depth ?? [1, 3]);
  const [minWidth, maxWidth] = checkRange("width", ranges.width ?? [1, 16]);
  const activations = toList(ranges.activation ?? ["sine", "tanh", "relu"]);
  const [minOmega, maxOmega] = checkInterval("mlpOptions", ranges.omega0 ?? [1, 30]);
  const hiddenOmegas =
    (ranges.bothHiddenOmega ?? true) ? (["one", "omega0"] as const) : (["one"] as const);

  return fc
    .record({
      hidden: fc.array(fc.integer({ min: minWidth, max: maxWidth }), {
        minLength: minDepth,
        maxLength: maxDepth,
      }),
      activation: fc.constantFrom(...activations),
      omega0: fc.double({ min: minOmega, max: maxOmega, noNaN: true }),
      hiddenOmega: fc.constantFrom(...hiddenOmegas),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    })
    .map((drawn) => ({
      inputs: ranges.inputs,
      outputs,
      ...drawn,
      biasInit: (ranges.uniformBias ?? true) ? "uniform" : "zero",
      ...(ranges.domain === undefined ? {} : { domain: ranges.domain.map(([a, b]) => [a, b]) }),
    }));
}

/**
 * Random multilayer perceptrons (SIREN, tanh or ReLU) within the given ranges. A
 * counterexample prints as the `createMlp` call that rebuilds it, not as its weights.
 */
export function mlp(ranges: MlpArbitraryOptions): fc.Arbitrary<Mlp> {
  return mlpOptions(ranges).map((options) => {
    const model = createMlp(options);
    Object.defineProperty(model, fc.toStringMethod, {
      value: () => `createMlp(${JSON.stringify(options)})`,
    });
    return model;
  });
}

function toList(activation: Activation | readonly Activation[]): Activation[] {
  const list = typeof activation === "string" ? [activation] : [...activation];
  if (list.length === 0) {
    throw new RangeError("mlpOptions: activation must name at least one activation, received []");
  }
  return list;
}

function checkInterval(where: string, interval: Interval): [number, number] {
  const [lower, upper] = interval;
  if (!Number.isFinite(lower) || !Number.isFinite(upper) || lower > upper) {
    throw new RangeError(
      `${where}: interval must be finite with lower <= upper, received [${lower}, ${upper}]`,
    );
  }
  return [lower, upper];
}

function checkRange(name: string, range: readonly [number, number]): [number, number] {
  const [low, high] = range;
  if (!Number.isInteger(low) || !Number.isInteger(high) || low < 1 || low > high) {
    throw new RangeError(
      `mlpOptions: ${name} must be integers [min, max] with 1 <= min <= max, received [${low}, ${high}]`,
    );
  }
  return [low, high];
}

function checkCount(where: string, name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(
      `${where}: ${name} must be an integer >= ${minimum}, received ${String(value)}`,
    );
  }
}
