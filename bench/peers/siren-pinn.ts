// siren-pinn peer: the harmonic step through the library's public API, on its fused or generic jet path.

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JetSpec } from "../../src/dual/index.js";
import { gemmKernels } from "../../src/dual/matmul-simd.js";
import { startFusedThreads } from "../../src/node/index.js";
import { Adam } from "../../src/pinn/optim/index.js";
import { createMlp, flatGradient, type JetPath, type Mlp } from "../../src/siren/index.js";
import {
  add,
  mean,
  slice,
  square,
  sub,
  sum,
  Tape,
  type TapeJet,
  type Tensor,
} from "../../src/tape/index.js";
import type { WeightsFile } from "../workload.js";
import type { Peer, PeerFactory } from "./peer.js";

/** One input direction: the value, u' and u''. */
const SPEC: JetSpec = { dim: 1, first: [0], second: [[0, 0]], laplacian: false };

/**
 * Each step records the jet of the N + 1 rows on a new tape, builds the loss from tape ops,
 * runs `tape.backward` into reused gradient buffers, packs them with `flatGradient` and
 * applies the library's `Adam`.
 */
class SirenPinnPeer implements Peer {
  readonly precision = "float64";
  readonly info: Record<string, string>;

  private readonly model: Mlp;
  private readonly initial: Float64Array;
  private readonly points: Float64Array;
  private readonly adam: Adam;
  private readonly grads = new Map<string, Float64Array>();
  private readonly flat: Float64Array;

  /** `threads` describes the threads the step runs on, for the info line. */
  constructor(
    private readonly weights: WeightsFile,
    private readonly path: JetPath,
    private readonly train: boolean,
    threads: string,
  ) {
    const w = weights.workload;
    this.info = {
      backend: `siren-pinn (src), Float64Array, ${gemmKernels.name} matrix products, ${threads}`,
      derivatives: `Mlp.jet "${path}"`,
      threads,
    };
    this.model = createMlp({
      inputs: 1,
      hidden: Array.from({ length: w.hiddenLayers }, () => w.width),
      outputs: 1,
      activation: w.activation,
      omega0: w.omega0,
      hiddenOmega: "one",
      domain: [[0, 2 * Math.PI]],
    });
    this.initial = Float64Array.from(weights.layers.flatMap((layer) => [...layer.W, ...layer.b]));
    this.checkLayout();
    const rows = train ? weights.x.length : w.points;
    this.points = Float64Array.from(weights.x.slice(0, rows));
    this.adam = new Adam(this.model.params.length, {
      learningRate: w.learningRate,
      beta1: w.beta1,
      beta2: w.beta2,
      epsilon: w.epsilon,
    });
    this.flat = new Float64Array(this.model.params.length);
    this.reset();
  }

  reset(): void {
    this.model.setParams(this.initial);
    this.adam.reset();
  }

  step(): number {
    const tape = new Tape();
    const jet = this.model.jet(tape, this.points, SPEC, this.path);
    const loss = this.train ? this.harmonicLoss(jet) : this.streamSum(jet);
    const value = loss.data[0] as number;

    for (const buffer of this.grads.values()) buffer.fill(0);
    tape.backward(loss, { into: this.grads });
    if (this.train) {
      flatGradient(this.model, this.grads, this.flat);
      this.adam.step(this.model.params, this.flat);
    }
    return value;
  }

  /** mean((u'' + u)²) over the N collocation rows + u(0)² + (u'(0) − 1)², row N being x = 0. */
  private harmonicLoss(jet: TapeJet): Tensor {
    const n = this.weights.workload.points;
    const u = jet.value;
    const du = jet.first.get(0)!;
    const d2u = jet.second.get("0,0")!;
    const residual = add(slice(d2u, 0, n), slice(u, 0, n));
    const boundary = add(square(slice(u, n, n + 1)), square(sub(slice(du, n, n + 1), 1)));
    return add(mean(square(residual)), sum(boundary));
  }

  /** Σ u + Σ u' + Σ u'': a scalar whose backward pass runs through every stream of the network. */
  private streamSum(jet: TapeJet): Tensor {
    return add(add(sum(jet.value), sum(jet.first.get(0)!)), sum(jet.second.get("0,0")!));
  }

  /** Throws unless the library's layers have the widths and ω of the weights file. */
  private checkLayout(): void {
    const layers = this.model.layers;
    const expected = this.weights.layers;
    const same =
      layers.length === expected.length &&
      layers.every((layer, l) => {
        const spec = expected[l]!;
        return (
          layer.in === spec.in &&
          layer.out === spec.out &&
          layer.omega === spec.omega &&
          layer.activation === spec.activation
        );
      });
    if (!same || this.initial.length !== this.model.params.length) {
      throw new Error(
        "siren-pinn peer: the model's layers differ from the weights file (widths, ω or activation); " +
          "update bench/workload.ts to the library's layer plan",
      );
    }
  }
}

/** Builds the siren-pinn peer on the given jet path, on the calling thread alone. */
export function createSirenPinnPeer(path: JetPath): PeerFactory {
  return async (weights, mode) => new SirenPinnPeer(weights, path, mode === "train", "one thread");
}

/** Path of the compiled fused worker thread, next to src/node/fused-threads.js, which loads it. */
const COMPILED_FUSED_WORKER = new URL("../../src/node/fused-thread-worker.js", import.meta.url);

/**
 * Builds the fused peer with the library's fused worker thread running. The thread starts
 * before the model is built, because only fused evaluations built while it runs split their
 * N ≥ 256 points between the calling thread and the worker thread. The peer never stops the
 * thread, because `process.exit` in bench/worker.ts ends it with the process.
 */
export function createSirenPinnTwoThreadPeer(): PeerFactory {
  return async (weights, mode) => {
    // Without the compiled file the library would start the worker thread from its .ts
    // source through tsx, the loader that the compiled build keeps out of the worker process.
    if (!existsSync(fileURLToPath(COMPILED_FUSED_WORKER))) {
      throw new Error(
        `siren-pinn-fused-2t: the compiled fused worker thread ${fileURLToPath(COMPILED_FUSED_WORKER)} ` +
          "is missing. Add src/node/fused-thread-worker.ts to include in bench/tsconfig.workers.json.",
      );
    }
    const fused = await startFusedThreads();
    const workers = fused.threads - 1;
    const workerThreads =
      workers === 1 ? "one fused worker thread" : `${workers} fused worker threads`;
    const threads = `${fused.threads} threads (the calling thread and ${workerThreads})`;
    return new SirenPinnPeer(weights, "fused", mode === "train", threads);
  };
}
