// Tests of the fast-check arbitraries: domains, boxes, unit directions and random networks.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  finiteDouble,
  mlp,
  mlpOptions,
  pointInBox,
  pointsInBox,
  unitDirection,
} from "../src/verify/arbitraries.js";
import { randomUnitVector } from "../src/verify/directions.js";

// A normalised vector has norm 1 up to the rounding of d squares, a sum and a square root.
const NORM_TOLERANCE = 1e-14;

describe("arbitraries reject invalid ranges", () => {
  it("rejects non-finite or reversed intervals", () => {
    expect(() => finiteDouble([Number.NaN, 1])).toThrow(RangeError);
    expect(() => finiteDouble([0, Number.POSITIVE_INFINITY])).toThrow(/finite/);
    expect(() => finiteDouble([1, 0])).toThrow(/lower <= upper/);
    expect(() => pointInBox([])).toThrow(/at least one coordinate/);
  });

  it("rejects invalid network ranges", () => {
    expect(() => mlpOptions({ inputs: 0 })).toThrow(/inputs must be an integer >= 1/);
    expect(() => mlpOptions({ inputs: 1, depth: [2, 1] })).toThrow(/depth/);
    expect(() => mlpOptions({ inputs: 1, width: [0, 3] })).toThrow(/width/);
    expect(() => mlpOptions({ inputs: 1, activation: [] })).toThrow(/at least one activation/);
    expect(() => unitDirection(0)).toThrow(/dim must be an integer >= 1/);
  });
});

describe("arbitraries", () => {
  it("finite doubles are finite", () => {
    fc.assert(
      fc.property(finiteDouble(), (x) => {
        expect(Number.isFinite(x)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it("finite doubles stay in their interval", () => {
    fc.assert(
      fc.property(finiteDouble([-2, 0.5]), (x) => {
        expect(x).toBeGreaterThanOrEqual(-2);
        expect(x).toBeLessThanOrEqual(0.5);
      }),
      { numRuns: 300 },
    );
  });

  it("points stay in their box", () => {
    const box = [
      [0, 1],
      [-3, -2],
      [10, 20],
    ] as const;
    fc.assert(
      fc.property(pointInBox(box), (point) => {
        expect(point.length).toBe(3);
        point.forEach((x, i) => {
          expect(x).toBeGreaterThanOrEqual(box[i][0]);
          expect(x).toBeLessThanOrEqual(box[i][1]);
        });
      }),
      { numRuns: 200 },
    );
  });

  it("point batches are row-major", () => {
    fc.assert(
      fc.property(
        pointsInBox(
          [
            [0, 1],
            [0, 1],
          ],
          { minPoints: 2, maxPoints: 5 },
        ),
        (points) => {
          expect(points).toBeInstanceOf(Float64Array);
          expect(points.length % 2).toBe(0);
          expect(points.length / 2).toBeGreaterThanOrEqual(2);
          expect(points.length / 2).toBeLessThanOrEqual(5);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("unit directions have norm 1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((dim) => unitDirection(dim)),
        (v) => {
          expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThanOrEqual(NORM_TOLERANCE);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("unit vectors are reproducible from their seed", () => {
    expect(randomUnitVector(5, 42)).toEqual(randomUnitVector(5, 42));
    expect(randomUnitVector(5, 42)).not.toEqual(randomUnitVector(5, 43));
  });

  it("networks respect depth, width and activation", () => {
    fc.assert(
      fc.property(
        mlp({ inputs: 2, outputs: 3, activation: ["tanh", "relu"], depth: [2, 3], width: [4, 6] }),
        (model) => {
          expect(model.inputs).toBe(2);
          expect(model.outputs).toBe(3);
          expect(model.options.hidden.length).toBeGreaterThanOrEqual(2);
          expect(model.options.hidden.length).toBeLessThanOrEqual(3);
          for (const width of model.options.hidden) {
            expect(width).toBeGreaterThanOrEqual(4);
            expect(width).toBeLessThanOrEqual(6);
          }
          expect(["tanh", "relu"]).toContain(model.options.activation);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("sine networks draw ω0 in range", () => {
    fc.assert(
      fc.property(mlpOptions({ inputs: 1, activation: "sine", omega0: [2, 5] }), (options) => {
        expect(options.omega0).toBeGreaterThanOrEqual(2);
        expect(options.omega0).toBeLessThanOrEqual(5);
        expect(options.biasInit).toBe("uniform");
      }),
      { numRuns: 100 },
    );
  });

  it("a network counterexample prints as createMlp", () => {
    const [model] = fc.sample(mlp({ inputs: 1, activation: "tanh" }), { numRuns: 1, seed: 1 });
    expect(fc.stringify(model)).toMatch(/^createMlp\(\{"inputs":1,/);
  });
});
