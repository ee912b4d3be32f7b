// A training loop of your own: u'' + u = 0 with u(0) = 0, u'(0) = 1 on [0, 2π], on the fused
// path, first on one thread and then on two. Both give the same parameters to the bit.
//
// Run after `npm run build`: node examples/own-loop-threads.mjs [--small]

import { startFusedThreads } from "siren-pinn/node";
import { Adam } from "siren-pinn/pinn";
import { createMlp, flatGradient } from "siren-pinn/siren";
import { add, mean, slice, square, sub, sum, Tape } from "siren-pinn/tape";

const small = process.argv.includes("--small");
const steps = small ? 20 : 2000;

// N = 256 collocation points and the point x = 0 as one batch of 257 rows, so the fused path
// splits it into two parts (it does from 256 points on).
const n = 256;
const points = Float64Array.from({ length: n + 1 }, (_, i) =>
  i < n ? (2 * Math.PI * (i + 0.5)) / n : 0,
);

// The jet spec: the value, ∂/∂x_0 and ∂²/∂x_0² of a 1-input network. jet.second is keyed "i,j".
const spec = { dim: 1, first: [0], second: [[0, 0]], laplacian: false };

/** Trains a fresh seeded SIREN for `steps` Adam steps and returns its parameters. */
function trainOnce() {
  const model = createMlp({
    inputs: 1,
    hidden: [32, 32],
    outputs: 1,
    activation: "sine",
    omega0: 3,
    domain: [[0, 2 * Math.PI]],
    seed: 0,
  });
  const adam = new Adam(model.params.length, { learningRate: 3e-3 });
  const gradient = new Float64Array(model.params.length);

  let loss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    // model.jet registers the parameters on the tape, so backward returns them by name. The
    // "fused" path (the default) runs the network as one tape op; "generic" builds it from
    // primitive tape ops, as a slower reference.
    const tape = new Tape();
    const jet = model.jet(tape, points, spec, "fused");
    const u = jet.value;
    const residual = add(slice(jet.second.get("0,0"), 0, n), slice(u, 0, n));
    const initial = add(
      square(slice(u, n, n + 1)),
      square(sub(slice(jet.first.get(0), n, n + 1), 1)),
    );
    const total = add(mean(square(residual)), sum(initial));
    loss = total.data[0];

    const grads = tape.backward(total);
    adam.step(model.params, flatGradient(model, grads, gradient));
  }
  return { params: Float64Array.from(model.params), loss };
}

let started = performance.now();
const oneThread = trainOnce();
const oneSeconds = (performance.now() - started) / 1000;

// startFusedThreads installs a process-wide runner: every fused evaluation of 256 points or
// more built from now on (the model below included) is split between this thread and a
// worker thread. trainOnce itself does not change.
const threads = await startFusedThreads();
started = performance.now();
const twoThreads = trainOnce();
const twoSeconds = (performance.now() - started) / 1000;
const { phases, byWorker } = threads.stats();
await threads.stop();

const same = oneThread.params.every((value, i) => Object.is(value, twoThreads.params[i]));
console.log(
  `loss after ${steps} steps: ${oneThread.loss.toExponential(3)} (one thread), ${twoThreads.loss.toExponential(3)} (two)`,
);
console.log(`time: ${oneSeconds.toFixed(2)} s on one thread, ${twoSeconds.toFixed(2)} s on two`);
console.log(`the worker ran ${byWorker} of ${phases} split phases; same parameters: ${same}`);
if (!same) process.exitCode = 1;
