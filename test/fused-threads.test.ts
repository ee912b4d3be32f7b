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

/**
 * Trains `steps` Adam steps on a loss over every stream of the jet and returns the parameters.
 * `edit` may change the points first.
 */
function train(
  setup: Setup,
  steps: number,
  edit: (points: Float64Array) => void = () => undefined,
): Float64Array {
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
  edit(points);
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

  /** Throws at the first parameter whose bits differ. */
  function expectSameBits(together: Float64Array, alone: Float64Array): void {
    for (let i = 0; i < alone.length; i++) {
      if (!Object.is(together[i], alone[i])) {
        throw new Error(`parameter ${i}: ${together[i]} on two threads, ${alone[i]} on one`);
      }
    }
  }

  for (const setup of SETUPS) {
    const name = `${setup.activation}, ${setup.inputs}-D, widths ${setup.hidden.join("×")}, N = ${setup.points}`;

    // takeOver false: the caller always waits, so the worker runs every second part.
    it(`train the same bits on the worker: ${name}`, async () => {
      const alone = train(setup, 4);
      const threads = await startFusedThreads({ takeOver: false });
      stop = threads.stop;
      const together = train(setup, 4);
      // Four steps of one forward and one backward each.
      expect(threads.stats()).toEqual({ phases: 8, byWorker: 8 });
      expectSameBits(together, alone);
    }, 60_000);
  }

  // With take-over, whichever thread claims a second part runs it; the bits must not care.
  it("train the same bits with take-over", async () => {
    const setup = SETUPS[0]!;
    const alone = train(setup, 4);
    const threads = await startFusedThreads();
    stop = threads.stop;
    const together = train(setup, 4);
    expect(threads.stats().phases).toBe(8);
    expectSameBits(together, alone);
  }, 60_000);

  // A point beyond the SIMD sine's range falls back to Math.sin element by element, so the
  // split into parts must not change any other element.
  it("keep the bits with one point beyond the sine kernel's range", async () => {
    const setup = { ...SETUPS[0]!, points: 300 };
    const far = (points: Float64Array) => {
      points[250] = 1e6;
    };
    const alone = train(setup, 2, far);
    const threads = await startFusedThreads({ takeOver: false });
    stop = threads.stop;
    expectSameBits(train(setup, 2, far), alone);
  }, 60_000);

  /** Returns a function that runs one fused forward and backward of a fixed small model. */
  function oneStep(seed: number): () => void {
    const setup = SETUPS[0]!;
    const model = createMlp({
      inputs: 1,
      hidden: [16],
      outputs: 1,
      activation: "sine",
      omega0: 3,
      seed,
    });
    const points = Float64Array.from({ length: setup.points }, (_, i) => i / setup.points);
    return () => {
      const tape = new Tape();
      tape.backward(sum(model.jet(tape, points, setup.spec, "fused").value));
    };
  }

  it("move a model used before the start onto the threads", async () => {
    const step = oneStep(1);
    step();
    const threads = await startFusedThreads({ takeOver: false });
    stop = threads.stop;
    step();
    expect(threads.stats().byWorker).toBe(2);
  }, 60_000);

  it("move a model from stopped threads onto new ones", async () => {
    const step = oneStep(2);
    const first = await startFusedThreads({ takeOver: false });
    step();
    await first.stop();
    const second = await startFusedThreads({ takeOver: false });
    stop = second.stop;
    step();
    expect(second.stats().byWorker).toBe(2);
  }, 60_000);

  it("reject a second start while the first is loading", async () => {
    const [first, second] = await Promise.allSettled([startFusedThreads(), startFusedThreads()]);
    if (first.status === "fulfilled") stop = first.value.stop;
    expect(first.status).toBe("fulfilled");
    expect(second.status).toBe("rejected");
  }, 60_000);

  it("reject an unknown option", async () => {
    await expect(startFusedThreads({ takeover: false } as never)).rejects.toThrow(
      /unknown option "takeover"; the only option is takeOver/,
    );
  });

  it("reject a takeOver that is not a boolean", async () => {
    await expect(startFusedThreads({ takeOver: "no" } as never)).rejects.toThrow(
      /takeOver must be true or false, received "no"/,
    );
  });

  it("refuse a second start and uninstall on stop", async () => {
    const threads = await startFusedThreads();
    stop = threads.stop;
    await expect(startFusedThreads()).rejects.toThrow(/already running; call stop\(\)/);
    await threads.stop();
    stop = null;
    expect(fusedPartRunner()).toBeNull();
  }, 60_000);
});
