import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { latinHypercubePoints } from "../src/pinn/sampling/latin-hypercube.js";
import { SAMPLING_METHODS, samplePoints } from "../src/pinn/sampling/sample.js";
import { uniformPoints } from "../src/pinn/sampling/uniform.js";
import { Random } from "../src/siren/random.js";

const BOX: [number, number][] = [
  [0, 1],
  [-2, 3],
  [10, 10.5],
];

function inBox(points: Float64Array, box: [number, number][]): boolean {
  const dim = box.length;
  return Array.from(points).every((x, k) => x >= box[k % dim][0] && x <= box[k % dim][1]);
}

describe("random samplers input checks", () => {
  it("reject non-finite bounds", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => uniformPoints([[bad, 1]], 4, 1)).toThrow(/uniformPoints: box\[0\]/);
      expect(() => latinHypercubePoints([[0, bad]], 4, 1)).toThrow(
        /latinHypercubePoints: box\[0\]/,
      );
    }
  });

  it("reject empty counts, lo >= hi and bad seeds", () => {
    expect(() => uniformPoints(BOX, 0, 1)).toThrow(/count must be an integer >= 1, received 0/);
    expect(() => latinHypercubePoints(BOX, -3, 1)).toThrow(/count/);
    expect(() => uniformPoints([[2, 1]], 4, 1)).toThrow(/lo < hi, received \[2, 1\]/);
    expect(() => uniformPoints(BOX, 4, 0.5)).toThrow(/random must be a Random or a safe integer/);
  });

  it("reject an unknown method", () => {
    expect(() => samplePoints(BOX, 4, "halton" as never, 1)).toThrow(/method must be one of/);
  });
});

describe("random samplers with seeds", () => {
  for (const method of SAMPLING_METHODS) {
    it(`${method} repeats the same bits for the same seed`, () => {
      const a = samplePoints(BOX, 64, method, 42);
      const b = samplePoints(BOX, 64, method, new Random(42));
      expect(new Uint8Array(a.buffer)).toEqual(new Uint8Array(b.buffer));
    });

    it(`${method} changes with the seed`, () => {
      const a = samplePoints(BOX, 64, method, 42);
      const b = samplePoints(BOX, 64, method, 43);
      let differing = 0;
      for (let k = 0; k < a.length; k++) {
        differing += a[k] === b[k] ? 0 : 1;
      }
      expect(differing).toBeGreaterThan(a.length / 2);
    });

    it(`${method} stays inside the box`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 2 ** 31 }),
          fc.integer({ min: 1, max: 40 }),
          (seed, n) => {
            const points = samplePoints(BOX, n, method, seed);
            expect(points).toHaveLength(n * BOX.length);
            expect(inBox(points, BOX)).toBe(true);
          },
        ),
        { numRuns: 100 },
      );
    });
  }

  it("uniformPoints draws coordinates in point order from the generator", () => {
    const random = new Random(7);
    const expected = [random.uniformIn(0, 1), random.uniformIn(-2, 3), random.uniformIn(10, 10.5)];
    const points = uniformPoints(BOX, 1, 7);
    expect(Array.from(points)).toEqual(expected);
  });

  it("a shared generator gives different batches", () => {
    const random = new Random(5);
    const first = uniformPoints(BOX, 8, random);
    const second = uniformPoints(BOX, 8, random);
    expect(first).not.toEqual(second);
  });
});

describe("latinHypercubePoints strata", () => {
  it("puts one point in each stratum of every coordinate", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 200 }),
        (seed, n) => {
          const unit: [number, number][] = [
            [0, 1],
            [0, 1],
            [0, 1],
          ];
          const points = latinHypercubePoints(unit, n, seed);
          for (let i = 0; i < 3; i++) {
            // The j-th smallest coordinate must lie in stratum j = [j/n, (j+1)/n]. The closed
            // interval allows (j + u)/n to round onto the next stratum's edge.
            const column = Array.from({ length: n }, (_, p) => points[p * 3 + i]).sort(
              (a, b) => a - b,
            );
            column.forEach((x, j) => {
              expect(x).toBeGreaterThanOrEqual(j / n);
              expect(x).toBeLessThanOrEqual((j + 1) / n);
            });
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("keeps strata after scaling to a box", () => {
    const n = 50;
    const points = latinHypercubePoints([[-4, 6]], n, 3);
    const strata = new Set(Array.from(points, (x) => Math.floor(((x + 4) / 10) * n)));
    expect(strata.size).toBe(n);
  });
});
