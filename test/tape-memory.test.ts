import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { Random } from "../src/siren/random.js";
import {
  add,
  jetAffine,
  jetSine,
  matmulTransposeB,
  mean,
  seedJet,
  sin,
  square,
  Tape,
  type TapeJet,
  type Tensor,
} from "../src/tape/index.js";

// How the heap is measured: the garbage collector is exposed at run time (the --expose-gc flag
// set through node:v8, and the gc function taken from a fresh vm context), and heapUsed is
// read after full collections. The baseline comes after FIRST_READING warm-up steps and
// BASELINE_GC_ROUNDS collections, because under vitest the heap first settles. V8's optimising
// compiler and type feedback keep about 130 KB over the first few hundred steps. Code the test
// runner no longer uses is dropped after many collections (about 800 KB at once, measured with
// Node 20 and vitest 4). The final value is the smallest of the readings after the last
// FINAL_READINGS hundred-step blocks, so one transient allocation cannot fail the test while a
// steady leak raises all of them. Each step allocates about 60 KB of tape buffers, so keeping a
// tape or tensor per step would add megabytes. The bound allows 128 bytes a step.
const GC_ROUNDS = 4;
const BASELINE_GC_ROUNDS = 60;
const FIRST_READING = 500;
const LAST_READING = 2000;
const FINAL_READINGS = 3;
const HEAP_GROWTH_BOUND = 128 * (LAST_READING - FIRST_READING);

// The control run keeps every step's output jet (its tensors and their buffers, about 1.9 KB a
// step, measured), which the same measurement must report as growth well above the bound.
const CONTROL_LAST_READING = 1200;
const CONTROL_GROWTH_MINIMUM = 2 * HEAP_GROWTH_BOUND;

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

function heapAfterCollection(rounds: number): number {
  for (let k = 0; k < rounds; k++) collectGarbage();
  return process.memoryUsage().heapUsed;
}

interface Network {
  layers: { W: Float64Array; b: Float64Array; out: number; in: number }[];
}

function makeNetwork(seed: number, widths: number[]): Network {
  const rng = new Random(seed);
  const layers = widths.slice(1).map((out, k) => {
    const inWidth = widths[k];
    const W = Float64Array.from({ length: out * inWidth }, () => rng.uniformIn(-1, 1));
    const b = Float64Array.from({ length: out }, () => rng.uniformIn(-0.1, 0.1));
    return { W, b, out, in: inWidth };
  });
  return { layers };
}

/** Computes one step's gradient: jets through a sine network, L = mean((u'' + u)²), backward. */
function gradientStep(
  network: Network,
  points: Float64Array,
  into: Map<string, Float64Array>,
): TapeJet {
  const tape = new Tape();
  let jet = seedJet(tape, points, { dim: 1, first: [], second: [[0, 0]], laplacian: false });
  network.layers.forEach((layer, k) => {
    const W = tape.param(`layer${k}.W`, layer.W, [layer.out, layer.in]);
    const b = tape.param(`layer${k}.b`, layer.b, [layer.out]);
    jet = jetAffine(jet, W, b);
    if (k < network.layers.length - 1) jet = jetSine(jet, 1);
  });
  const residual = add(jet.secondPartial(0, 0), jet.value);
  for (const buffer of into.values()) buffer.fill(0);
  tape.backward(mean(square(residual)), { into });
  return jet;
}

/** Heap growth between the baseline after step `first` and the readings up to step `last`. */
function heapGrowth(keep: TapeJet[] | null, first: number, last: number): number {
  const network = makeNetwork(3, [1, 16, 16, 1]);
  const points = Float64Array.from({ length: 16 }, (_, i) => -1 + (2 * i) / 15);
  const into = new Map<string, Float64Array>();

  let baseline = 0;
  let final = Number.POSITIVE_INFINITY;
  for (let step = 1; step <= last; step++) {
    const jet = gradientStep(network, points, into);
    if (keep !== null && step > first) keep.push(jet);
    if (step === first) baseline = heapAfterCollection(BASELINE_GC_ROUNDS);
    if (step % 100 === 0 && step > last - 100 * FINAL_READINGS) {
      final = Math.min(final, heapAfterCollection(GC_ROUNDS));
    }
  }
  return final - baseline;
}

/** Runs `steps` small gradient steps, keeping each loss and a weak reference to a hidden layer. */
function recordSteps(steps: number, losses: Tensor[], intermediates: WeakRef<Tensor>[]): void {
  const network = makeNetwork(5, [1, 8, 1]);
  const points = Float64Array.from({ length: 8 }, (_, i) => i / 8);
  const layer = network.layers[0];
  for (let step = 0; step < steps; step++) {
    const tape = new Tape();
    const W = tape.param("W", layer.W, [layer.out, layer.in]);
    const hidden = sin(matmulTransposeB(tape.constant(points, [8, 1]), W));
    const loss = mean(square(hidden));
    tape.backward(loss);
    losses.push(loss);
    intermediates.push(new WeakRef(hidden));
  }
}

describe("tape memory", () => {
  it("a training loop does not grow the heap", () => {
    const growth = heapGrowth(null, FIRST_READING, LAST_READING);
    expect(growth).toBeLessThan(HEAP_GROWTH_BOUND);
  });

  it("a kept loss does not keep its graph alive", async () => {
    // Keeping each step's loss (as a loss history would) keeps its tape, which contains no
    // nodes after backward, so the step's intermediate tensors can be collected.
    const losses: Tensor[] = [];
    const intermediates: WeakRef<Tensor>[] = [];
    recordSteps(20, losses, intermediates);

    // A WeakRef target stays alive until the current job ends, so collect in a later task.
    await new Promise((resolve) => setTimeout(resolve, 0));
    heapAfterCollection(GC_ROUNDS);
    const alive = intermediates.filter((ref) => ref.deref() !== undefined).length;

    expect(losses.every((loss) => loss.tape.nodeCount === 0)).toBe(true);
    expect(alive).toBe(0);
  });

  it("the measurement sees a per-step leak", () => {
    const kept: TapeJet[] = [];
    const growth = heapGrowth(kept, FIRST_READING, CONTROL_LAST_READING);
    expect(kept.length).toBe(CONTROL_LAST_READING - FIRST_READING);
    expect(growth).toBeGreaterThan(CONTROL_GROWTH_MINIMUM);
  });
});
