// jax-js peer (wasm device, jit): u'' by a jet in jax-js ops or by nested jvp, float64 or float32.

import type * as Jax from "@jax-js/jax";
import type { WeightsFile } from "../workload.js";
import type { Peer, PeerFactory, Precision } from "./peer.js";
import { PeerUnavailableError } from "./peer.js";

type JaxModule = typeof Jax;
type JaxArray = Jax.Array;
type Derivatives = "jet" | "nested";

/** Parameters as a flat list [W0, b0, W1, b1, …]; W has shape [out, in]. */
type Params = JaxArray[];

/**
 * The harmonic step in jax-js: value and gradient of the loss plus the Adam update, all in one
 * jit-compiled function. jax-js arrays are reference-counted: every function consumes its
 * arguments, so a value used twice is passed as `.ref` the first time.
 */
class JaxPeer implements Peer {
  readonly info: Record<string, string>;

  private params: Params = [];
  private m: Params = [];
  private v: Params = [];
  private t = 0;
  private readonly x: JaxArray;
  private readonly trainStep: (...args: JaxArray[]) => JaxArray[];

  constructor(
    private readonly jax: JaxModule,
    private readonly weights: WeightsFile,
    readonly precision: Precision,
    private readonly derivatives: Derivatives,
  ) {
    this.info = {
      backend: `@jax-js/jax 0.1.25, wasm device, jit, ${precision}, ${threading()}`,
      derivatives: derivatives === "jet" ? "jet in jax-js ops (stacked streams)" : "jvp of jvp",
    };
    this.x = this.array(weights.x, [weights.x.length, 1]);
    this.trainStep = jax.jit((...args: JaxArray[]) => this.adamStep(args)) as unknown as (
      ...a: JaxArray[]
    ) => JaxArray[];
    this.reset();
  }

  reset(): void {
    this.jax.tree.dispose([this.params, this.m, this.v]);
    this.params = [];
    this.m = [];
    this.v = [];
    for (const layer of this.weights.layers) {
      this.params.push(
        this.array(layer.W, [layer.out, layer.in]),
        this.array(layer.b, [layer.out]),
      );
      this.m.push(this.zeros([layer.out, layer.in]), this.zeros([layer.out]));
      this.v.push(this.zeros([layer.out, layer.in]), this.zeros([layer.out]));
    }
    this.t = 0;
  }

  async step(): Promise<number> {
    this.t += 1;
    const w = this.weights.workload;
    const c1 = this.scalar(1 / (1 - w.beta1 ** this.t));
    const c2 = this.scalar(1 / (1 - w.beta2 ** this.t));
    const count = this.params.length;
    const out = this.trainStep(...this.params, ...this.m, ...this.v, this.x.ref, c1, c2);
    const loss = out[0] as JaxArray;
    this.params = out.slice(1, 1 + count);
    this.m = out.slice(1 + count, 1 + 2 * count);
    this.v = out.slice(1 + 2 * count);
    const value = (await loss.data())[0] as number;
    await this.jax.blockUntilReady([this.params, this.m, this.v]);
    return value;
  }

  private array(values: number[], shape: number[]): JaxArray {
    const data =
      this.precision === "float64" ? Float64Array.from(values) : Float32Array.from(values);
    return this.jax.numpy.array(data).reshape(shape);
  }

  private zeros(shape: number[]): JaxArray {
    return this.jax.numpy.zeros(shape, { dtype: this.dtype() });
  }

  private scalar(value: number): JaxArray {
    return this.jax.numpy.full([], value, { dtype: this.dtype() });
  }

  private dtype(): Jax.DType {
    return this.precision === "float64" ? this.jax.numpy.float64 : this.jax.numpy.float32;
  }

  /** Traced body of the training step: [loss, params', m', v'] from [params, m, v, x, 1/(1−β1^t), 1/(1−β2^t)]. */
  private adamStep(args: JaxArray[]): JaxArray[] {
    const np = this.jax.numpy;
    const count = (args.length - 3) / 3;
    const params = args.slice(0, count);
    const m = args.slice(count, 2 * count);
    const v = args.slice(2 * count, 3 * count);
    const [x, c1, c2] = args.slice(3 * count) as [JaxArray, JaxArray, JaxArray];
    const w = this.weights.workload;

    const [loss, grads] = this.jax.valueAndGrad((p: Params) => this.loss(p, x))(
      this.jax.tree.ref(params),
    );
    const nextParams: JaxArray[] = [];
    const nextM: JaxArray[] = [];
    const nextV: JaxArray[] = [];
    for (let i = 0; i < count; i++) {
      const g = grads[i] as JaxArray;
      // m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², θ ← θ − lr·m̂/(√v̂ + ε)
      const mi = (m[i] as JaxArray).mul(w.beta1).add(g.ref.mul(1 - w.beta1));
      const vi = (v[i] as JaxArray).mul(w.beta2).add(np.square(g).mul(1 - w.beta2));
      const numerator = mi.ref.mul(c1.ref).mul(w.learningRate);
      const denominator = np.sqrt(vi.ref.mul(c2.ref)).add(w.epsilon);
      nextParams.push((params[i] as JaxArray).sub(numerator.div(denominator)));
      nextM.push(mi);
      nextV.push(vi);
    }
    c1.dispose();
    c2.dispose();
    return [loss, ...nextParams, ...nextM, ...nextV];
  }

  /** Returns mean((u'' + u)²) over the collocation rows + u(0)² + (u'(0) − 1)². */
  private loss(params: Params, x: JaxArray): JaxArray {
    const np = this.jax.numpy;
    const n = this.weights.workload.points;
    const [u, du, d2u] = this.streams(params, x);
    const residual = d2u.slice([0, n]).add(u.ref.slice([0, n]));
    const u0 = u.slice([n, n + 1]);
    const slope = du.slice([n, n + 1]).sub(1);
    return np
      .mean(np.square(residual))
      .add(np.sum(np.square(u0)))
      .add(np.sum(np.square(slope)));
  }

  private streams(params: Params, x: JaxArray): [JaxArray, JaxArray, JaxArray] {
    return this.derivatives === "jet" ? this.jet(params, x) : this.nested(params, x);
  }

  /** Propagates (u, u', u'') through the network as one [3R, m] array, one matrix product per layer. */
  private jet(params: Params, x: JaxArray): [JaxArray, JaxArray, JaxArray] {
    const np = this.jax.numpy;
    const rows = x.shape[0] as number;
    const value = x.mul(this.weights.scale).add(this.weights.shift);
    const first = np.full([rows, 1], this.weights.scale, { dtype: this.dtype() });
    let streams = np.concatenate([value, first, this.zeros([rows, 1])], 0);

    this.weights.layers.forEach((layer, l) => {
      const W = params[2 * l] as JaxArray;
      const b = params[2 * l + 1] as JaxArray;
      const product = np.matmul(streams, np.transpose(W));
      const z = product.ref.slice([0, rows]).add(b);
      const z1 = product.ref.slice([rows, 2 * rows]);
      const z2 = product.slice([2 * rows, 3 * rows]);
      streams = np.concatenate(this.activationJet(layer.activation, layer.omega, z, z1, z2), 0);
    });

    const u = streams.ref.slice([0, rows]);
    const du = streams.ref.slice([rows, 2 * rows]);
    return [u, du, streams.slice([2 * rows, 3 * rows])];
  }

  private activationJet(
    activation: string,
    w: number,
    z: JaxArray,
    z1: JaxArray,
    z2: JaxArray,
  ): JaxArray[] {
    const np = this.jax.numpy;
    if (activation === "sine") {
      // y = sin(ωz), y' = ω cos(ωz) z', y'' = ω cos(ωz) z'' − ω² sin(ωz) z'²
      const wz = z.mul(w);
      const s = np.sin(wz.ref);
      const wc = np.cos(wz).mul(w);
      const y1 = wc.ref.mul(z1.ref);
      const y2 = wc.mul(z2).sub(s.ref.mul(w * w).mul(np.square(z1)));
      return [s, y1, y2];
    }
    if (activation === "tanh") {
      // y = t, y' = (1 − t²) z', y'' = (1 − t²) z'' − 2t(1 − t²) z'²
      const t = np.tanh(z);
      const d = np.square(t.ref).mul(-1).add(1);
      const y1 = d.ref.mul(z1.ref);
      const y2 = d.ref.mul(z2).sub(t.ref.mul(d).mul(2).mul(np.square(z1)));
      return [t, y1, y2];
    }
    if (activation === "relu") {
      // H(z) has zero derivative, so y = H(z)·z differentiates to H(z), with H(0) = 0.
      const h = np.heaviside(z.ref, 0);
      return [h.ref.mul(z), h.ref.mul(z1), h.mul(z2)];
    }
    return [z, z1, z2];
  }

  /** u' and u'' by forward over forward mode: rows are independent, so a tangent of ones gives per-row derivatives. */
  private nested(params: Params, x: JaxArray): [JaxArray, JaxArray, JaxArray] {
    const rows = x.shape[0] as number;
    const network = (input: JaxArray): JaxArray => this.network(params, input);
    const withFirst = (input: JaxArray): JaxArray[] =>
      this.jax.jvp(network, [input], [this.ones(rows)]);
    const [primal, tangent] = this.jax.jvp(withFirst, [x], [this.ones(rows)]);
    const [u, du] = primal as [JaxArray, JaxArray];
    const [duAgain, d2u] = tangent as [JaxArray, JaxArray];
    duAgain.dispose();
    return [u, du, d2u];
  }

  private ones(rows: number): JaxArray {
    return this.jax.numpy.ones([rows, 1], { dtype: this.dtype() });
  }

  private network(params: Params, x: JaxArray): JaxArray {
    const np = this.jax.numpy;
    let a = x.mul(this.weights.scale).add(this.weights.shift);
    this.weights.layers.forEach((layer, l) => {
      const z = np
        .matmul(a, np.transpose(params[2 * l] as JaxArray))
        .add(params[2 * l + 1] as JaxArray);
      if (layer.activation === "sine") a = np.sin(z.mul(layer.omega));
      else if (layer.activation === "tanh") a = np.tanh(z);
      else if (layer.activation === "relu") a = np.heaviside(z.ref, 0).mul(z);
      else a = z;
    });
    return a;
  }
}

/** Describes the wasm device's threading: jax-js runs kernels on a pool only where Web Workers exist. */
function threading(): string {
  const hasWorker = typeof (globalThis as { Worker?: unknown }).Worker !== "undefined";
  return hasWorker ? "Web Worker pool" : "one thread (no Web Worker global)";
}

/** Loads jax-js on its wasm device and builds the peer. */
export function createJaxPeer(precision: Precision, derivatives: Derivatives): PeerFactory {
  return async (weights, mode) => {
    if (mode !== "train")
      throw new PeerUnavailableError("jax-js peer: only the training step is benchmarked");
    // jax-js 0.1.25 refers to Float16Array, which Node 20 lacks; a Float32Array stand-in
    // satisfies the reference, and no float16 array is created here.
    const globals = globalThis as { Float16Array?: unknown };
    globals.Float16Array ??= class Float16Stub extends Float32Array {};
    const jax = await import("@jax-js/jax");
    const devices = await jax.init("wasm");
    if (!devices.includes("wasm"))
      throw new PeerUnavailableError("jax-js peer: the wasm device failed to initialise");
    jax.defaultDevice("wasm");
    return new JaxPeer(jax, weights, precision, derivatives);
  };
}
