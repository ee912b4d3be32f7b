// Reference peer: the harmonic step written out in plain Float64Array loops, one stream at a time.

import type { LayerWeights, WeightsFile } from "../workload.js";
import { FlatAdam } from "./adam.js";
import type { Peer, PeerFactory } from "./peer.js";

/** One layer's parameters as views into the flat θ, and its forward caches. */
interface LoopLayer {
  readonly spec: LayerWeights;
  readonly W: Float64Array;
  readonly b: Float64Array;
  readonly gW: Float64Array;
  readonly gb: Float64Array;
  /** Input streams a, a', a'' of shape [rows, in]. */
  readonly input: [Float64Array, Float64Array, Float64Array];
  /** Pre-activation streams z, z', z'' of shape [rows, out]. */
  readonly pre: [Float64Array, Float64Array, Float64Array];
  /** Cotangents of the pre-activation streams. */
  readonly preCt: [Float64Array, Float64Array, Float64Array];
  /** Cotangents of the input streams (unused for the first layer). */
  readonly inputCt: [Float64Array, Float64Array, Float64Array];
}

/**
 * A straightforward jet forward and hand-derived backward: each stream gets its own matrix
 * product, and the activation rules are applied elementwise afterwards. Not fused, not
 * blocked: it is the sanity peer that the others must agree with.
 */
class LoopsPeer implements Peer {
  readonly precision = "float64";
  readonly info = { backend: "plain Float64Array loops", derivatives: "jet (u, u', u'')" };

  private readonly theta: Float64Array;
  private readonly initial: Float64Array;
  private readonly grad: Float64Array;
  private readonly layers: LoopLayer[];
  private readonly adam: FlatAdam;
  private readonly output: [Float64Array, Float64Array, Float64Array];
  private readonly outputCt: [Float64Array, Float64Array, Float64Array];
  private readonly rows: number;

  constructor(
    private readonly weights: WeightsFile,
    private readonly train: boolean,
  ) {
    const n = weights.workload.points;
    this.rows = train ? n + 1 : n;
    const size = weights.layers.reduce(
      (total, layer) => total + layer.W.length + layer.b.length,
      0,
    );
    this.theta = new Float64Array(size);
    this.initial = new Float64Array(size);
    this.grad = new Float64Array(size);
    this.layers = [];

    let offset = 0;
    for (const spec of weights.layers) {
      const W = this.theta.subarray(offset, offset + spec.W.length);
      const gW = this.grad.subarray(offset, offset + spec.W.length);
      this.initial.set(spec.W, offset);
      offset += spec.W.length;
      const b = this.theta.subarray(offset, offset + spec.b.length);
      const gb = this.grad.subarray(offset, offset + spec.b.length);
      this.initial.set(spec.b, offset);
      offset += spec.b.length;
      this.layers.push({
        spec,
        W,
        b,
        gW,
        gb,
        input: streams(this.rows * spec.in),
        pre: streams(this.rows * spec.out),
        preCt: streams(this.rows * spec.out),
        inputCt: streams(this.rows * spec.in),
      });
    }

    this.output = streams(this.rows);
    this.outputCt = streams(this.rows);
    this.seedInput();
    const w = weights.workload;
    this.adam = new FlatAdam(size, w.learningRate, w.beta1, w.beta2, w.epsilon);
    this.reset();
  }

  reset(): void {
    this.theta.set(this.initial);
    this.adam.reset();
  }

  step(): number {
    this.forward();
    const loss = this.train ? this.harmonicLossCt() : this.sumCt();
    this.backward();
    if (this.train) this.adam.update(this.theta, this.grad);
    return loss;
  }

  /** Writes x̂ = scale·x + shift, x̂' = scale (d x̂/dx) and x̂'' = 0 into the first layer's input. */
  private seedInput(): void {
    const [value, first, second] = this.layers[0]!.input;
    for (let r = 0; r < this.rows; r++) {
      value[r] = this.weights.scale * (this.weights.x[r] as number) + this.weights.shift;
      first[r] = this.weights.scale;
      second[r] = 0;
    }
  }

  private forward(): void {
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l]!;
      const next = l + 1 < this.layers.length ? this.layers[l + 1]!.input : this.output;
      for (let s = 0; s < 3; s++) {
        affine(
          layer.input[s]!,
          layer.W,
          s === 0 ? layer.b : null,
          layer.pre[s]!,
          this.rows,
          layer.spec.in,
          layer.spec.out,
        );
      }
      activationJet(layer.spec, layer.pre, next);
    }
  }

  /**
   * Returns L = mean((u'' + u)²) over the N collocation rows + u(0)² + (u'(0) − 1)² and writes
   * ∂L/∂u, ∂L/∂u', ∂L/∂u'' into the output cotangents.
   */
  private harmonicLossCt(): number {
    const [u, du, d2u] = this.output;
    const [gu, gdu, gd2u] = this.outputCt;
    const n = this.rows - 1;
    let sum = 0;
    for (let r = 0; r < n; r++) {
      const residual = (d2u[r] as number) + (u[r] as number);
      sum += residual * residual;
      gu[r] = (2 * residual) / n;
      gd2u[r] = (2 * residual) / n;
      gdu[r] = 0;
    }
    const u0 = u[n] as number;
    const slope = (du[n] as number) - 1;
    gu[n] = 2 * u0;
    gdu[n] = 2 * slope;
    gd2u[n] = 0;
    return sum / n + u0 * u0 + slope * slope;
  }

  /** Returns the sum of all three output streams and seeds every output cotangent with 1. */
  private sumCt(): number {
    let sum = 0;
    for (let s = 0; s < 3; s++) {
      const stream = this.output[s]!;
      for (let r = 0; r < this.rows; r++) sum += stream[r] as number;
      this.outputCt[s]!.fill(1);
    }
    return sum;
  }

  private backward(): void {
    this.grad.fill(0);
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l]!;
      const outCt = l + 1 < this.layers.length ? this.layers[l + 1]!.inputCt : this.outputCt;
      activationJetVjp(layer.spec, layer.pre, outCt, layer.preCt);
      for (let s = 0; s < 3; s++) {
        const inputCt = l > 0 ? layer.inputCt[s]! : null;
        affineVjp(
          layer.input[s]!,
          layer.W,
          layer.preCt[s]!,
          layer.gW,
          s === 0 ? layer.gb : null,
          inputCt,
          this.rows,
          layer.spec.in,
          layer.spec.out,
        );
      }
    }
  }
}

function streams(size: number): [Float64Array, Float64Array, Float64Array] {
  return [new Float64Array(size), new Float64Array(size), new Float64Array(size)];
}

/** z = a·Wᵀ (+ b), a of shape [rows, inputs], W of shape [outputs, inputs]. */
function affine(
  a: Float64Array,
  W: Float64Array,
  b: Float64Array | null,
  z: Float64Array,
  rows: number,
  inputs: number,
  outputs: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outputs; j++) {
      let sum = b === null ? 0 : (b[j] as number);
      for (let k = 0; k < inputs; k++)
        sum += (a[r * inputs + k] as number) * (W[j * inputs + k] as number);
      z[r * outputs + j] = sum;
    }
  }
}

/** gW += gzᵀ·a, gb += Σ_rows gz, ga = gz·W. */
function affineVjp(
  a: Float64Array,
  W: Float64Array,
  gz: Float64Array,
  gW: Float64Array,
  gb: Float64Array | null,
  ga: Float64Array | null,
  rows: number,
  inputs: number,
  outputs: number,
): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < outputs; j++) {
      const g = gz[r * outputs + j] as number;
      if (gb !== null) gb[j] = (gb[j] as number) + g;
      for (let k = 0; k < inputs; k++)
        gW[j * inputs + k] = (gW[j * inputs + k] as number) + g * (a[r * inputs + k] as number);
    }
  }
  if (ga === null) return;
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < inputs; k++) {
      let sum = 0;
      for (let j = 0; j < outputs; j++)
        sum += (gz[r * outputs + j] as number) * (W[j * inputs + k] as number);
      ga[r * inputs + k] = sum;
    }
  }
}

/**
 * Maps the pre-activation jet (z, z', z'') to the activation's jet (y, y', y''):
 * sine  y = sin(ωz), y' = ω cos(ωz) z', y'' = ω cos(ωz) z'' − ω² sin(ωz) z'²;
 * tanh  y = t, y' = (1 − t²) z', y'' = (1 − t²) z'' − 2t(1 − t²) z'²;
 * relu  y = H(z) z, y' = H(z) z', y'' = H(z) z'' (H(0) = 0);
 * linear copies the streams.
 */
function activationJet(
  spec: LayerWeights,
  pre: [Float64Array, Float64Array, Float64Array],
  out: [Float64Array, Float64Array, Float64Array],
): void {
  const [z, z1, z2] = pre;
  const [y, y1, y2] = out;
  const omega = spec.omega;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i] as number;
    const d1 = z1[i] as number;
    const d2 = z2[i] as number;
    if (spec.activation === "sine") {
      const s = Math.sin(omega * zi);
      const c = Math.cos(omega * zi);
      y[i] = s;
      y1[i] = omega * c * d1;
      y2[i] = omega * c * d2 - omega * omega * s * d1 * d1;
    } else if (spec.activation === "tanh") {
      const t = Math.tanh(zi);
      const dt = 1 - t * t;
      y[i] = t;
      y1[i] = dt * d1;
      y2[i] = dt * d2 - 2 * t * dt * d1 * d1;
    } else if (spec.activation === "relu") {
      const h = zi > 0 ? 1 : 0;
      y[i] = h * zi;
      y1[i] = h * d1;
      y2[i] = h * d2;
    } else {
      y[i] = zi;
      y1[i] = d1;
      y2[i] = d2;
    }
  }
}

/**
 * Pulls the output cotangents (gy, gy', gy'') back to the pre-activation streams, the
 * transpose of the jet rules above. For the sine (s = sin ωz, c = cos ωz):
 * gz = ωc·gy − ω²s z'·gy' − (ω²s z'' + ω³c z'²)·gy'', gz' = ωc·gy' − 2ω²s z'·gy'', gz'' = ωc·gy''.
 * For tanh (t, d = 1 − t²): gz = d·gy − 2td z'·gy' − (2td z'' + 2d(1 − 3t²) z'²)·gy'',
 * gz' = d·gy' − 4td z'·gy'', gz'' = d·gy''.
 */
function activationJetVjp(
  spec: LayerWeights,
  pre: [Float64Array, Float64Array, Float64Array],
  outCt: [Float64Array, Float64Array, Float64Array],
  preCt: [Float64Array, Float64Array, Float64Array],
): void {
  const [z, z1, z2] = pre;
  const [gy, gy1, gy2] = outCt;
  const [gz, gz1, gz2] = preCt;
  const omega = spec.omega;
  for (let i = 0; i < z.length; i++) {
    const zi = z[i] as number;
    const d1 = z1[i] as number;
    const d2 = z2[i] as number;
    const g0 = gy[i] as number;
    const g1 = gy1[i] as number;
    const g2 = gy2[i] as number;
    if (spec.activation === "sine") {
      const s = Math.sin(omega * zi);
      const c = Math.cos(omega * zi);
      const wc = omega * c;
      const w2s = omega * omega * s;
      gz[i] = wc * g0 - w2s * d1 * g1 - (w2s * d2 + omega * omega * omega * c * d1 * d1) * g2;
      gz1[i] = wc * g1 - 2 * w2s * d1 * g2;
      gz2[i] = wc * g2;
    } else if (spec.activation === "tanh") {
      const t = Math.tanh(zi);
      const dt = 1 - t * t;
      gz[i] =
        dt * g0 -
        2 * t * dt * d1 * g1 -
        (2 * t * dt * d2 + 2 * dt * (1 - 3 * t * t) * d1 * d1) * g2;
      gz1[i] = dt * g1 - 4 * t * dt * d1 * g2;
      gz2[i] = dt * g2;
    } else if (spec.activation === "relu") {
      const h = zi > 0 ? 1 : 0;
      gz[i] = h * g0;
      gz1[i] = h * g1;
      gz2[i] = h * g2;
    } else {
      gz[i] = g0;
      gz1[i] = g1;
      gz2[i] = g2;
    }
  }
}

/** Builds the loops peer. */
export const createLoopsPeer: PeerFactory = async (weights, mode) =>
  new LoopsPeer(weights, mode === "train");
