// A fused layer built on an arena (in-place products, SIMD passes) against one on plain arrays.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JetSpec } from "../src/dual/batch-spec.js";
import { GemmArena } from "../src/dual/gemm-arena.js";
import type { LayerActivation } from "../src/siren/activation.js";
import { FusedLayerWorkspace, fusedLayerBackward, fusedLayerForward } from "../src/siren/fused.js";

const available = GemmArena.create(8)?.jet != null;
const EPS = Number.EPSILON;

const SPECS: JetSpec[] = [
  { dim: 1, first: [0], second: [[0, 0]], laplacian: false },
  { dim: 2, first: [0, 1], second: [[0, 1]], laplacian: true },
];

interface Built {
  ws: FusedLayerWorkspace;
  input: Float64Array;
  ct: Float64Array;
  ctIn: Float64Array;
}

/** Builds a workspace and its operands, carved from `arena` when given, filled from `seed`. */
function build(
  arena: GemmArena | null,
  spec: JetSpec,
  points: number,
  inputs: number,
  outputs: number,
  activation: LayerActivation,
  seed: number,
): Built {
  const ws = new FusedLayerWorkspace(points, spec, inputs, outputs, activation, 2.5, { arena });
  const buffer = (length: number) =>
    arena === null ? new Float64Array(length) : arena.plain(length);
  const input = buffer(ws.rows * inputs);
  const ct = buffer(ws.rows * outputs);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin(seed + 0.7 * i);
  for (let i = 0; i < ct.length; i++) ct[i] = Math.cos(seed + 1.3 * i);
  return { ws, input, ct, ctIn: buffer(ws.rows * inputs) };
}

function arenaFor(spec: JetSpec, points: number, inputs: number, outputs: number): GemmArena {
  const rows = (1 + spec.first.length + spec.second.length + (spec.laplacian ? 1 : 0)) * points;
  const size =
    FusedLayerWorkspace.arenaSize(points, spec, inputs, outputs, "sine") +
    GemmArena.size(rows * inputs) * 2 +
    GemmArena.size(rows * outputs);
  return GemmArena.create(size)!;
}

/** Runs forward and backward; returns y, ctIn, gW and gb. */
function run(built: Built, weights: Float64Array, bias: Float64Array): Float64Array[] {
  const { ws, input, ct, ctIn } = built;
  const y = Float64Array.from(fusedLayerForward(ws, input, weights, bias));
  const gW = new Float64Array(weights.length);
  const gb = new Float64Array(bias.length);
  fusedLayerBackward(ws, ct, ctIn, gW, gb, true);
  return [y, Float64Array.from(ctIn), gW, gb];
}

describe.skipIf(!available)("fused layer on an arena", () => {
  // y, the input cotangent and db run the same formulas in the same order on both sides. dW
  // sums R = K·N products per entry in another association (the arena carries one sum across
  // the streams; plain arrays add each stream's sum), so each side is within R·eps·Σ|terms| of
  // the exact sum and the two within 2R·eps·R·max|dZ|·max|S|.
  it("matches plain arrays for tanh and ReLU", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SPECS),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 3 }).map((q) => 4 * q),
        fc.integer({ min: 1, max: 3 }).map((q) => 4 * q),
        fc.constantFrom<LayerActivation>("tanh", "relu", "linear"),
        fc.integer({ min: 0, max: 100 }),
        (spec, points, inputs, outputs, activation, seed) => {
          const weights = Float64Array.from({ length: inputs * outputs }, (_, i) => Math.sin(i));
          const bias = Float64Array.from({ length: outputs }, (_, i) => 0.1 * i);
          const arena = arenaFor(spec, points, inputs, outputs);
          const args = [spec, points, inputs, outputs, activation, seed] as const;
          const inArena = run(build(arena, ...args), weights, bias);
          const plainBuilt = build(null, ...args);
          const plain = run(plainBuilt, weights, bias);

          for (const k of [0, 1, 3]) {
            inArena[k]!.forEach((value, i) => {
              if (!Object.is(value, plain[k]![i])) {
                throw new Error(
                  `output ${k} entry ${i}: ${value} on the arena, ${plain[k]![i]} plain`,
                );
              }
            });
          }
          const rows = plainBuilt.ws.rows;
          const dz = activation === "linear" ? plainBuilt.ct : plainBuilt.ws.dz;
          const maxAbs = (x: Float64Array) => Math.max(...x.map(Math.abs));
          const bound = 2 * rows * EPS * rows * maxAbs(dz) * maxAbs(plainBuilt.input);
          inArena[2]!.forEach((value, i) => {
            expect(Math.abs(value - plain[2]![i]!)).toBeLessThanOrEqual(bound);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  // For the sine, the kernel's sin and cos are within 1 ulp of the true values, as are
  // Math.sin and Math.cos (test/jet-simd.test.ts), so f, f', f'', f''' differ by at most 2 ulp
  // of their size, |f^(k)| <= ω^k. Each later result is a sum of at most S = 3·inputs·outputs
  // products of such values with data of size <= 1, in the same order on both sides, so the
  // difference stays below S·2 eps·ω³ times the data scale; 16·S·eps·ω³ is a margin of 4 over it.
  it("matches plain arrays for the sine", () => {
    const spec = SPECS[0]!;
    const [points, inputs, outputs] = [7, 8, 12];
    const weights = Float64Array.from({ length: inputs * outputs }, (_, i) => 0.3 * Math.sin(i));
    const bias = Float64Array.from({ length: outputs }, (_, i) => 0.05 * i);
    const arena = arenaFor(spec, points, inputs, outputs);
    const inArena = run(build(arena, spec, points, inputs, outputs, "sine", 3), weights, bias);
    const plain = run(build(null, spec, points, inputs, outputs, "sine", 3), weights, bias);
    const bound = 16 * 3 * inputs * outputs * EPS * 2.5 ** 3;
    inArena.forEach((values, k) => {
      const scale = Math.max(1, ...plain[k]!.map(Math.abs));
      values.forEach((value, i) => {
        expect(Math.abs(value - plain[k]![i]!)).toBeLessThanOrEqual(bound * scale);
      });
    });
  });
});
