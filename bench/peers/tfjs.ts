// TensorFlow.js peer (float32): u'' by a jet written in tf ops, or by nested tf.grad.

import type * as Tf from "@tensorflow/tfjs";
import type { WeightsFile } from "../workload.js";
import type { Peer, PeerFactory } from "./peer.js";
import { PeerUnavailableError } from "./peer.js";

type Backend = "cpu" | "wasm";
type Derivatives = "jet" | "nested";

interface TfLayer {
  readonly W: Tf.Variable;
  readonly b: Tf.Variable;
  readonly omega: number;
  readonly activation: string;
}

/** One step of the harmonic loss in TensorFlow.js, minimised by `tf.train.adam`. */
class TfjsPeer implements Peer {
  readonly precision = "float32";
  readonly info: Record<string, string>;

  private optimizer: Tf.Optimizer;
  private readonly layers: TfLayer[];
  private readonly x: Tf.Tensor;
  private readonly rows: number;

  constructor(
    private readonly tf: typeof Tf,
    private readonly weights: WeightsFile,
    private readonly derivatives: Derivatives,
    backend: string,
  ) {
    this.info = {
      backend: `@tensorflow/tfjs ${tf.version.tfjs}, ${backend}`,
      derivatives: derivatives === "jet" ? "jet in tf ops (stacked streams)" : "nested tf.grad",
    };
    this.rows = weights.x.length;
    this.x = tf.tensor2d(weights.x, [this.rows, 1], "float32");
    this.layers = weights.layers.map((spec, l) => ({
      W: tf.variable(tf.tensor2d(spec.W, [spec.out, spec.in], "float32"), true, `layer${l}.W`),
      b: tf.variable(tf.tensor1d(spec.b, "float32"), true, `layer${l}.b`),
      omega: spec.omega,
      activation: spec.activation,
    }));
    this.optimizer = this.makeOptimizer();
  }

  reset(): void {
    const tf = this.tf;
    this.weights.layers.forEach((spec, l) => {
      const layer = this.layers[l]!;
      tf.tidy(() => {
        layer.W.assign(tf.tensor2d(spec.W, [spec.out, spec.in], "float32"));
        layer.b.assign(tf.tensor1d(spec.b, "float32"));
      });
    });
    this.optimizer.dispose();
    this.optimizer = this.makeOptimizer();
  }

  step(): number {
    const cost = this.optimizer.minimize(() => this.loss(), true);
    if (cost === null) throw new Error("tfjs peer: optimizer.minimize returned no cost");
    const value = cost.dataSync()[0] as number;
    cost.dispose();
    return value;
  }

  private makeOptimizer(): Tf.Optimizer {
    const w = this.weights.workload;
    return this.tf.train.adam(w.learningRate, w.beta1, w.beta2, w.epsilon);
  }

  /** Returns mean((u'' + u)²) over the collocation rows + u(0)² + (u'(0) − 1)². */
  private loss(): Tf.Scalar {
    const tf = this.tf;
    const [u, du, d2u] = this.derivatives === "jet" ? this.jet() : this.nested();
    const n = this.rows - 1;
    const residual = tf.add(tf.slice(d2u, [0, 0], [n, 1]), tf.slice(u, [0, 0], [n, 1]));
    const u0 = tf.slice(u, [n, 0], [1, 1]);
    const slope = tf.sub(tf.slice(du, [n, 0], [1, 1]), 1);
    return tf.add(
      tf.mean(tf.square(residual)),
      tf.sum(tf.add(tf.square(u0), tf.square(slope))),
    ) as Tf.Scalar;
  }

  /**
   * Propagates (u, u', u'') through the network as one [3R, m] tensor, so each layer is one
   * matrix product; the bias goes to the value rows only.
   */
  private jet(): [Tf.Tensor, Tf.Tensor, Tf.Tensor] {
    const tf = this.tf;
    const R = this.rows;
    const value = tf.add(tf.mul(this.x, this.weights.scale), this.weights.shift);
    let streams: Tf.Tensor = tf.concat(
      [value, tf.fill([R, 1], this.weights.scale), tf.zeros([R, 1])],
      0,
    );

    for (const layer of this.layers) {
      const product = tf.matMul(streams, layer.W, false, true);
      const [z0, z1, z2] = tf.split(product, 3, 0) as [Tf.Tensor, Tf.Tensor, Tf.Tensor];
      const z = tf.add(z0, layer.b);
      streams = tf.concat(this.activationJet(layer, z, z1, z2), 0);
    }
    return tf.split(streams, 3, 0) as [Tf.Tensor, Tf.Tensor, Tf.Tensor];
  }

  private activationJet(layer: TfLayer, z: Tf.Tensor, z1: Tf.Tensor, z2: Tf.Tensor): Tf.Tensor[] {
    const tf = this.tf;
    const w = layer.omega;
    if (layer.activation === "sine") {
      // y = sin(ωz), y' = ω cos(ωz) z', y'' = ω cos(ωz) z'' − ω² sin(ωz) z'²
      const s = tf.sin(tf.mul(z, w));
      const wc = tf.mul(tf.cos(tf.mul(z, w)), w);
      return [s, tf.mul(wc, z1), tf.sub(tf.mul(wc, z2), tf.mul(tf.mul(s, w * w), tf.square(z1)))];
    }
    if (layer.activation === "tanh") {
      // y = t, y' = (1 − t²) z', y'' = (1 − t²) z'' − 2t(1 − t²) z'²
      const t = tf.tanh(z);
      const d = tf.sub(1, tf.square(t));
      return [
        t,
        tf.mul(d, z1),
        tf.sub(tf.mul(d, z2), tf.mul(tf.mul(tf.mul(t, d), 2), tf.square(z1))),
      ];
    }
    if (layer.activation === "relu") {
      const h = tf.step(z, 0);
      return [tf.relu(z), tf.mul(h, z1), tf.mul(h, z2)];
    }
    return [z, z1, z2];
  }

  /** u' and u'' by tf.grad of tf.grad; rows are independent, so a ones cotangent gives per-row derivatives. */
  private nested(): [Tf.Tensor, Tf.Tensor, Tf.Tensor] {
    const tf = this.tf;
    const network = (x: Tf.Tensor): Tf.Tensor => this.network(x);
    const first = tf.grad(network);
    const second = tf.grad((x: Tf.Tensor) => first(x));
    return [network(this.x), first(this.x), second(this.x)];
  }

  private network(x: Tf.Tensor): Tf.Tensor {
    const tf = this.tf;
    let a = tf.add(tf.mul(x, this.weights.scale), this.weights.shift) as Tf.Tensor;
    for (const layer of this.layers) {
      const z = tf.add(tf.matMul(a, layer.W, false, true), layer.b) as Tf.Tensor;
      if (layer.activation === "sine") a = tf.sin(tf.mul(z, layer.omega));
      else if (layer.activation === "tanh") a = tf.tanh(z);
      else if (layer.activation === "relu") a = tf.relu(z);
      else a = z;
    }
    return a;
  }
}

/** Loads TensorFlow.js on `backend` and builds the peer. */
export function createTfjsPeer(backend: Backend, derivatives: Derivatives): PeerFactory {
  return async (weights, mode) => {
    if (mode !== "train")
      throw new PeerUnavailableError("tfjs peer: only the training step is benchmarked");
    const tf = await import("@tensorflow/tfjs");
    if (backend === "wasm") await import("@tensorflow/tfjs-backend-wasm");
    else await import("@tensorflow/tfjs-backend-cpu");

    const ready = await tf.setBackend(backend);
    if (!ready)
      throw new PeerUnavailableError(`tfjs peer: the ${backend} backend failed to initialise`);
    await tf.ready();
    let description = `${backend} backend`;
    if (backend === "wasm") {
      const simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
      const threads = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
      description += ` (SIMD ${simd ? "on" : "off"}, threads ${threads ? "on" : "off"})`;
    }
    return new TfjsPeer(tf, weights, derivatives, description);
  };
}
