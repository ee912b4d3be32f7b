// A multilayer perceptron whose weights and biases live in one flat Float64Array.

import type { JetSpec } from "../dual/batch-spec.js";
import type { Scalar } from "../dual/scalar.js";
import type { TapeJet } from "../tape/jet.js";
import type { Tape } from "../tape/tape.js";
import { activate, type LayerActivation } from "./activation.js";
import { createInputMap, type InputMap } from "./domain.js";
import { evaluateScalar } from "./forward-scalar.js";
import { layerPlan } from "./init.js";
import { fusedJet } from "./jet-fused.js";
import { genericJet } from "./jet-generic.js";
import { type MlpOptions, type ResolvedMlpOptions, resolveMlpOptions } from "./options.js";
import { type LayerTensors, registerParams } from "./params-on-tape.js";
import { Random } from "./random.js";

/**
 * Computation path of `Mlp.jet`: "fused" runs each layer as one tape op on preallocated
 * buffers (the fast path), "generic" composes the tape's jet ops (the reference path).
 */
export type JetPath = "fused" | "generic";

/** One affine layer y = act(ω(W a + b)). W and b are views into `Mlp.params`. */
export interface MlpLayer {
  /** Name prefix of the parameters, "layer0", "layer1", ... */
  readonly name: string;
  /** Row-major view of shape [out, in]. */
  readonly W: Float64Array;
  /** View of length out. */
  readonly b: Float64Array;
  readonly out: number;
  readonly in: number;
  /** Factor applied to W a + b before the activation, 1 for tanh, ReLU and the output layer. */
  readonly omega: number;
  readonly activation: LayerActivation;
}

/** One named parameter: "layer0.W" or "layer0.b", with its place in `Mlp.params`. */
export interface ParamEntry {
  readonly name: string;
  readonly offset: number;
  readonly shape: readonly number[];
  /** View of `Mlp.params` from `offset`, of length equal to the product of `shape`. */
  readonly view: Float64Array;
}

/**
 * A multilayer perceptron with sine, tanh or ReLU hidden layers and a linear output layer.
 * All parameters live in `params` in the order layer0.W, layer0.b, layer1.W, ... so that an
 * optimiser can update the flat vector. `layers` and `paramEntries` are views into it.
 */
export class Mlp {
  readonly options: ResolvedMlpOptions;
  readonly params: Float64Array;
  readonly layers: readonly MlpLayer[];
  readonly paramEntries: readonly ParamEntry[];
  /** Map from the domain box onto [−1, 1]^d applied before the first layer. */
  readonly inputMap: InputMap;
  /**
   * Per-model cache for the jet paths (for example fused-layer workspaces keyed by batch
   * size and jet spec), so that a training loop allocates nothing per step.
   */
  readonly cache = new Map<string, unknown>();

  /** Builds the layers of resolved `options` and draws the weights from the seed unless `initial` is given. */
  constructor(options: ResolvedMlpOptions, initial?: ArrayLike<number>) {
    this.options = options;
    this.inputMap = createInputMap(options.inputs, options.domain ?? undefined);
    const widths = [options.inputs, ...options.hidden, options.outputs];
    this.params = new Float64Array(countParams(widths));

    const layers: MlpLayer[] = [];
    const entries: ParamEntry[] = [];
    let offset = 0;
    for (let l = 0; l < widths.length - 1; l++) {
      const fanIn = widths[l] as number;
      const fanOut = widths[l + 1] as number;
      const plan = layerPlan(options, widths, l);
      const W = this.params.subarray(offset, offset + fanOut * fanIn);
      entries.push({ name: `layer${l}.W`, offset, shape: [fanOut, fanIn], view: W });
      offset += fanOut * fanIn;
      const b = this.params.subarray(offset, offset + fanOut);
      entries.push({ name: `layer${l}.b`, offset, shape: [fanOut], view: b });
      offset += fanOut;
      layers.push({
        name: `layer${l}`,
        W,
        b,
        out: fanOut,
        in: fanIn,
        omega: plan.omega,
        activation: plan.activation,
      });
    }
    this.layers = layers;
    this.paramEntries = entries;

    if (initial === undefined) {
      this.initialise();
    } else {
      this.setParams(initial);
    }
  }

  /** Number of input coordinates. */
  get inputs(): number {
    return this.options.inputs;
  }

  /** Number of outputs. */
  get outputs(): number {
    return this.options.outputs;
  }

  /**
   * Draws every weight and bias again from `options.seed`: per layer, W in row-major order
   * as bound·(2u − 1) with u uniform on [0, 1), then b the same way when biases are uniform.
   */
  initialise(): void {
    const random = new Random(this.options.seed);
    const widths = [this.options.inputs, ...this.options.hidden, this.options.outputs];
    this.layers.forEach((layer, l) => {
      const plan = layerPlan(this.options, widths, l);
      fillUniform(random, layer.W, plan.weightBound);
      if (plan.biasBound > 0) {
        fillUniform(random, layer.b, plan.biasBound);
      } else {
        layer.b.fill(0);
      }
    });
  }

  /** Copies `values` into `params`. Throws a RangeError if the length differs. */
  setParams(values: ArrayLike<number>): void {
    if (values.length !== this.params.length) {
      throw new RangeError(
        `Mlp.setParams: values must have ${this.params.length} entries (the parameter count), received ${values.length}`,
      );
    }
    this.params.set(values);
  }

  /** Returns an independent copy with the same options and parameters. */
  clone(): Mlp {
    return new Mlp(this.options, this.params);
  }

  /** Maps raw input `x` onto the normalised coordinates x̂ that the first layer receives, written into `out`. */
  normaliseInput(
    x: ArrayLike<number>,
    out: Float64Array = new Float64Array(this.inputs),
  ): Float64Array {
    const { scale, shift } = this.inputMap;
    for (let i = 0; i < this.inputs; i++) {
      out[i] = scale[i]! * (x[i] as number) + shift[i]!;
    }
    return out;
  }

  /** Evaluates the network at one point given in raw (unnormalised) coordinates. */
  evaluate(point: readonly number[] | Float64Array): number[] {
    if (point.length !== this.inputs) {
      throw new RangeError(
        `Mlp.evaluate: point must have ${this.inputs} coordinates, received ${point.length}`,
      );
    }
    return Array.from(this.forward(this.normaliseInput(point)));
  }

  /**
   * Evaluates the network at one point whose coordinates may be AD values (Dual, HyperDual,
   * nested), with src/dual's generic ops: the slow reference for the jet paths. `params`
   * optionally replaces `this.params` in the same flat order, for derivatives in parameter space.
   */
  evaluateScalar(point: readonly Scalar[], params?: readonly Scalar[]): Scalar[] {
    return evaluateScalar(this, point, params);
  }

  /**
   * Evaluates the network at N points stored row-major in `points` (length N·inputs) and
   * returns the outputs row-major (length N·outputs).
   */
  evaluateBatch(points: Float64Array): Float64Array {
    if (points.length % this.inputs !== 0) {
      throw new RangeError(
        `Mlp.evaluateBatch: points length must be a multiple of inputs (${this.inputs}), received ${points.length}`,
      );
    }
    const n = points.length / this.inputs;
    const result = new Float64Array(n * this.outputs);
    const xhat = new Float64Array(this.inputs);
    for (let p = 0; p < n; p++) {
      this.normaliseInput(points.subarray(p * this.inputs, (p + 1) * this.inputs), xhat);
      result.set(this.forward(xhat), p * this.outputs);
    }
    return result;
  }

  /**
   * Returns the jet (value and the input partials that `spec` requests) of the output at N points,
   * row-major in `points` (N·inputs raw coordinates), recorded on `tape`. Each coefficient is
   * an [N, outputs] tensor, and partials are with respect to the raw inputs.
   */
  jet(tape: Tape, points: Float64Array, spec: JetSpec, path: JetPath = "fused"): TapeJet {
    if (spec.dim !== this.inputs) {
      throw new RangeError(
        `Mlp.jet: spec.dim must equal the number of inputs (${this.inputs}), received ${spec.dim}`,
      );
    }
    if (path === "fused") {
      return fusedJet(this, tape, points, spec);
    }
    if (path === "generic") {
      return genericJet(this, tape, points, spec);
    }
    throw new TypeError(
      `Mlp.jet: path must be "fused" or "generic", received ${JSON.stringify(path)}`,
    );
  }

  /** Registers every parameter on `tape` by name ("layer0.W", "layer0.b", ...) and returns the leaves. */
  paramTensors(tape: Tape): LayerTensors[] {
    return registerParams(this, tape);
  }

  private forward(xhat: Float64Array): Float64Array {
    let a = xhat;
    for (const layer of this.layers) {
      const y = new Float64Array(layer.out);
      for (let j = 0; j < layer.out; j++) {
        let z = layer.b[j]!;
        const row = j * layer.in;
        for (let k = 0; k < layer.in; k++) {
          z += layer.W[row + k]! * a[k]!;
        }
        y[j] = layer.activation === "linear" ? z : activate(layer.activation, layer.omega, z);
      }
      a = y;
    }
    return a;
  }
}

/** Builds a network from `options`, drawing the weights from `options.seed`. */
export function createMlp(options: MlpOptions): Mlp {
  return new Mlp(resolveMlpOptions(options));
}

function countParams(widths: readonly number[]): number {
  let count = 0;
  for (let l = 0; l < widths.length - 1; l++) {
    count += (widths[l + 1] as number) * ((widths[l] as number) + 1);
  }
  return count;
}

function fillUniform(random: Random, into: Float64Array, bound: number): void {
  for (let i = 0; i < into.length; i++) {
    into[i] = bound * (2 * random.uniform() - 1);
  }
}
