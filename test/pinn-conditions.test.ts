// Condition terms: sampled faces, names, outward normals, periodic jumps and hard constraints.

import { describe, expect, it } from "vitest";
import { mul as dualMul } from "../src/dual/index.js";
import { compileConditions } from "../src/pinn/conditions.js";
import type { JetFields } from "../src/pinn/fields.js";
import { buildLoss, type TrainingBatch } from "../src/pinn/loss.js";
import { definePde, type Problem, ProblemDefinitionError } from "../src/pinn/problem.js";
import { getProblem } from "../src/pinn/problems/index.js";
import type { Mlp } from "../src/siren/index.js";
import { add, Tape, type Tensor } from "../src/tape/index.js";
import type { JetSpec } from "../src/tape/jet.js";

/** A few ulps of the largest term: the fake jets below are closed forms evaluated in float64. */
const CLOSED_FORM_TOLERANCE = 1e-12;

type Closed = {
  u: (x: number[]) => number;
  d: (x: number[], i: number) => number;
  dd: (x: number[], i: number, j: number) => number;
};

/** A stand-in for a network whose jet is a closed-form function, so loss terms have known values. */
function fakeModel(closed: Closed): Mlp {
  const jet = (tape: Tape, points: Float64Array, spec: JetSpec): JetFields => {
    const dim = spec.dim;
    const count = points.length / dim;
    const rows = Array.from({ length: count }, (_, n) =>
      Array.from(points.subarray(n * dim, (n + 1) * dim)),
    );
    const column = (f: (x: number[]) => number): Tensor =>
      tape.constant(Float64Array.from(rows.map(f)), [count, 1]);
    const first = new Map(spec.first.map((i) => [i, column((x) => closed.d(x, i))] as const));
    const second = new Map(
      spec.second.map(([i, j]) => [`${i},${j}`, column((x) => closed.dd(x, i, j))] as const),
    );
    const laplacian = spec.laplacian
      ? column((x) => x.reduce((sum, _, i) => sum + closed.dd(x, i, i), 0))
      : null;
    return { value: column(closed.u), first, second, laplacian };
  };
  return { jet } as unknown as Mlp;
}

function terms(problem: Problem, closed: Closed, seed = 0): Record<string, number> {
  const batch: TrainingBatch = {
    collocation: Float64Array.from(
      [0.3, 0.7].flatMap((v) => problem.domain.map(([lo, hi]) => lo + v * (hi - lo))),
    ),
    conditions: compileConditions(problem, seed, 8),
  };
  const { terms: list } = buildLoss(new Tape(), fakeModel(closed), problem, batch, "generic");
  return Object.fromEntries(list.map((term) => [term.name, term.tensor.data[0]]));
}

function newTape(): Tape {
  return new Tape();
}

const sine: Closed = {
  u: ([x]) => Math.sin(x),
  d: ([x]) => Math.cos(x),
  dd: ([x]) => -Math.sin(x),
};

describe("condition points", () => {
  it("heat samples its faces", () => {
    const batch = compileConditions(getProblem("heat"), 0, 8);
    expect(batch.terms.map((term) => term.name)).toEqual(["dirichlet boundary", "initial t=0"]);
    expect(batch.rows).toBe(8 * 3);
    const [dirichlet, initial] = batch.terms;
    for (const block of dirichlet.blocks) {
      for (let n = block.start; n < block.start + block.rows; n++) {
        expect([0, 1]).toContain(batch.points[2 * n]);
      }
    }
    const block = initial.blocks[0];
    for (let n = block.start; n < block.start + block.rows; n++)
      expect(batch.points[2 * n + 1]).toBe(0);
  });

  it("a 1-d face is one point", () => {
    const batch = compileConditions(getProblem("harmonic"), 0, 8);
    expect(batch.rows).toBe(2);
    expect(batch.spec.first).toEqual([0]);
    expect(Array.from(batch.points)).toEqual([0, 0]);
  });
});

describe("condition terms", () => {
  it("vanish on the exact solution", () => {
    const values = terms(getProblem("harmonic"), sine);
    for (const [name, value] of Object.entries(values))
      expect(value, name).toBeLessThan(CLOSED_FORM_TOLERANCE);
  });

  it("measure a shifted solution", () => {
    const shift = 0.25;
    const values = terms(getProblem("harmonic"), { ...sine, u: ([x]) => Math.sin(x) + shift });
    expect(values["initial x=0"]).toBeCloseTo(shift * shift, 14);
    expect(values["initial-slope x=0"]).toBeLessThan(CLOSED_FORM_TOLERANCE);
    // u'' + u = shift at every collocation point.
    expect(values.residual).toBeCloseTo(shift * shift, 14);
  });

  it("neumann uses the outward normal", () => {
    const problem = definePde({
      name: "neumann-line",
      coordinates: ["x"],
      domain: [[0, 1]],
      partials: ["xx"],
      residual: ({ u_xx }) => u_xx,
      conditions: [
        { kind: "neumann", on: { x: 0 }, value: -1 },
        { kind: "neumann", on: { x: 1 }, value: 1 },
      ],
    });
    const line: Closed = { u: ([x]) => x, d: () => 1, dd: () => 0 };
    const values = terms(problem, line);
    expect(values["neumann x=0"]).toBe(0);
    expect(values["neumann x=1"]).toBe(0);
  });

  it("periodic measures the jump", () => {
    const problem = definePde({
      name: "periodic-line",
      coordinates: ["x"],
      domain: [[0, 2 * Math.PI]],
      partials: ["x"],
      residual: ({ u_x }) => u_x,
      conditions: [{ kind: "periodic", coordinate: "x" }],
    });
    expect(terms(problem, sine)["periodic x"]).toBeLessThan(CLOSED_FORM_TOLERANCE);
    const ramp: Closed = { u: ([x]) => x, d: () => 1, dd: () => 0 };
    // Rows: the value jump 2π, then the slope jump 0; the mean of their squares is (2π)²/2.
    expect(terms(problem, ramp)["periodic x"]).toBeCloseTo((2 * Math.PI) ** 2 / 2, 12);
  });

  it("weights scale the loss, not the reported term", () => {
    const problem = definePde({
      name: "weighted",
      coordinates: ["x"],
      domain: [[0, 1]],
      partials: ["xx"],
      residual: ({ u_xx }) => u_xx,
      conditions: [{ kind: "dirichlet", on: { x: 0 }, value: 0, weight: 10 }],
    });
    const constant: Closed = { u: () => 2, d: () => 0, dd: () => 0 };
    const batch: TrainingBatch = {
      collocation: Float64Array.of(0.5),
      conditions: compileConditions(problem, 0),
    };
    const { loss, terms: list } = buildLoss(
      newTape(),
      fakeModel(constant),
      problem,
      batch,
      "generic",
    );
    expect(list[1].tensor.data[0]).toBe(4);
    expect(loss.data[0]).toBe(40);
  });
});

describe("hard constraint", () => {
  it("applies the product rule exactly", () => {
    const problem = definePde({
      name: "hard-harmonic",
      coordinates: ["x"],
      domain: [[0, 2 * Math.PI]],
      partials: ["xx"],
      // The residual returns u'' itself so the test reads the transformed second partial.
      residual: ({ u_xx }) => add(u_xx, 0),
      hardConstraint: { offset: ([x]) => x, factor: ([x]) => dualMul(x, x) },
    });
    const points = Float64Array.of(0.4, 1.3, 2.9);
    const { terms: list } = buildLoss(
      newTape(),
      fakeModel(sine),
      problem,
      { collocation: points, conditions: compileConditions(problem, 0) },
      "generic",
    );
    // u = x + x² sin x, u'' = 2 sin x + 4x cos x − x² sin x.
    const expected = Array.from(
      points,
      (x) => (2 * Math.sin(x) + 4 * x * Math.cos(x) - x * x * Math.sin(x)) ** 2,
    );
    const meanSquare = expected.reduce((a, b) => a + b, 0) / expected.length;
    expect(list[0].tensor.data[0]).toBeCloseTo(meanSquare, 10);
  });
});

describe("definePde", () => {
  const base = {
    name: "bad",
    coordinates: ["x"],
    domain: [[0, 1]] as [number, number][],
    partials: ["xx"],
    residual: ({ u }: Record<string, Tensor>) => u,
  };

  it("rejects an unknown coordinate in a partial", () => {
    expect(() => definePde({ ...base, partials: ["yy"] })).toThrow(ProblemDefinitionError);
    expect(() => definePde({ ...base, partials: ["yy"] })).toThrow(/not a coordinate; valid: x/);
  });

  it("rejects a face off the bounds", () => {
    expect(() =>
      definePde({ ...base, conditions: [{ kind: "dirichlet", on: { x: 0.5 }, value: 0 }] }),
    ).toThrow(/must sit on a bound/);
  });

  it("rejects an empty or reversed domain", () => {
    expect(() => definePde({ ...base, domain: [[1, 0]] })).toThrow(/lower < upper/);
  });

  it("derives the jet spec", () => {
    expect(getProblem("wave").spec).toEqual({
      dim: 2,
      first: [0, 1],
      second: [
        [0, 0],
        [1, 1],
      ],
      laplacian: false,
    });
    expect(getProblem("poisson-2d").spec.laplacian).toBe(true);
  });

  it("names an undeclared field", () => {
    const problem = definePde({ ...base, partials: ["x"], residual: ({ u_xx }) => u_xx });
    const batch: TrainingBatch = {
      collocation: Float64Array.of(0.5),
      conditions: compileConditions(problem, 0),
    };
    expect(() => buildLoss(newTape(), fakeModel(sine), problem, batch, "generic")).toThrow(
      /"u_xx" is not available/,
    );
  });
});
