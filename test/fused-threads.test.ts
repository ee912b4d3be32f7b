// The fused path on two threads gives the same bits as on one, on every layer kind and spec.

import { afterEach, describe, expect, it } from "vitest";
import type { JetSpec } from "../src/dual/batch-spec.js";
import { GemmArena } from "../src/dual/gemm-arena.js";
import { startFusedThreads } from "../src/node/index.js";
import { Adam } from "../src/pinn/optim/index.js";
import type { Activation } from "../src/siren/activation.js";
import {
  createMlp,
  flatGradient,
  fusedPartRunner,
  partRange,
  partsFor,
} from "../src/siren/index.js";
import { add, mean, square, sum, Tape, type TapeJet } from "../src/tape/index.js";

const sharedMemory = GemmArena.create(8, true) !== null;

interface Setup {
  inputs: number;
  hidden: number[];
  activation: Activation;
  spec: JetSpec;
  points: number;
}

/** Trains `steps` Adam steps on a loss over every stream of the jet; returns the parameters. */
function train(setup: Setup, steps: number): Float64Array {
  const model = createMlp({
    inputs: setup.inputs,
    hidden: setup.hidden,
    outputs: 1,
    activation: setup.activation,
    omega0: 3,
    seed: 7,
  });
  const points = Float64Array.from(
    { length: setup.points * setup.inputs },
    (_, i) => Math.sin(0.37 * i) * 0.9,
  );
  const adam = new Adam(model.params.length, { learningRate: 1e-2 });
  const flat = new Float64Array(model.params.length);

  for (let step = 0; step < steps; step++) {
    const tape = new Tape();
    const jet = model.jet(tape, points, setup.spec, "fused");
    const grads = tape.backward(everyStream(jet));
    adam.step(model.params, flatGradient(model, grads, flat));
  }
  return Float64Array.from(model.params);
}

/** mean(u²) + Σ of the squares of every derivative stream: touches every cotangent path. */
function everyStream(jet: TapeJet) {
  let loss = mean(square(jet.value));
  for (const stream of [...jet.first.values(), ...jet.second.values()]) {
    loss = add(loss, mean(square(stream)));
  }
  if (jet.laplacian !== null) loss = add(loss, sum(square(jet.laplacian)));
  return loss;
}

const SETUPS: Setup[] = [
  {
    inputs: 1,
    hidden: [16, 16],
    activation: "sine",
    spec: { dim: 1, first: [0], second: [[0, 0]], laplacian: false },
    points: 301,
  },
  {
    inputs: 2,
    hidden: [6, 5],
    activation: "tanh",
    spec: { dim: 2, first: [0, 1], second: [[0, 1]], laplacian: true },
    points: 257,
  },
  {
    inputs: 1,
    hidden: [8],
    activation: "relu",
    spec: { dim: 1, first: [0], second: [], laplacian: false },
    points: 1030,
  },
];

describe("parts of a batch", () => {
  it("split N points into contiguous parts that cover them once", () => {
    for (const points of [1, 255, 256, 257, 1000]) {
      const parts = partsFor(points);
      let next = 0;
      for (let q = 0; q < parts; q++) {
        const [p0, p1] = partRange(points, parts, q);
        expect(p0).toBe(next);
        expect(p1).toBeGreaterThan(p0);
        next = p1;
      }
      expect(next).toBe(points);
    }
  });
});

describe.skipIf(!sharedMemory)("fused threads", () => {
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await stop?.();
    stop = null;
  });

  for (const setup of SETUPS) {
    it(`train the same bits on two threads: ${setup.activation}, ${setup.inputs}-D, widths ${setup.hidden.join("×")}, N = ${setup.points}`, async () => {
      const alone = train(setup, 4);
      const threads = await startFusedThreads();
      stop = threads.stop;
      const runner = fusedPartRunner()!;
      const run = runner.run.bind(runner);
      let handOffs = 0;
      runner.run = (set, phase, runPartZero) => {
        handOffs++;
        run(set, phase, runPartZero);
      };
      const together = train(setup, 4);
      // Four steps, each a forward and a backward hand-off: the worker really ran part 1.
      expect(handOffs).toBe(8);
      for (let i = 0; i < alone.length; i++) {
        if (!Object.is(together[i], alone[i])) {
          throw new Error(`parameter ${i}: ${together[i]} on two threads, ${alone[i]} on one`);
        }
      }
    }, 60_000);
  }

  it("refuse a second start and uninstall on stop", async () => {
    const threads = await startFusedThreads();
    stop = threads.stop;
    await expect(startFusedThreads()).rejects.toThrow(/already running; call stop\(\)/);
    await threads.stop();
    stop = null;
    expect(fusedPartRunner()).toBeNull();
  }, 60_000);
});
