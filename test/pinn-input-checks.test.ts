// Input checks of the PINN API: reused point buffers, unknown keys, condition validation,
// the time rule, predict's dimension checks and the residual's return type.

import { describe, expect, it } from "vitest";
import { mul as dualMul } from "../src/dual/index.js";
import { compileConditions } from "../src/pinn/conditions.js";
import { predict } from "../src/pinn/evaluate.js";
import { residualAt } from "../src/pinn/loss.js";
import { Adam } from "../src/pinn/optim/adam.js";
import { lbfgs } from "../src/pinn/optim/lbfgs.js";
import {
  type Condition,
  definePde,
  type ProblemDefinition,
  ProblemDefinitionError,
} from "../src/pinn/problem.js";
import { heat, poisson1d } from "../src/pinn/problems/index.js";
import { train } from "../src/pinn/train.js";
import { createMlp } from "../src/siren/index.js";
import { add, Tape } from "../src/tape/index.js";

const SMALL = { hidden: [8], omega0: 3, steps: 1, lbfgs: 0, points: 8, testPointsPerAxis: 2 };

function smallModel(inputs: number) {
  return createMlp({ inputs, hidden: [6], outputs: 1, activation: "sine", omega0: 3, seed: 1 });
}

function residualValues(
  problem: ReturnType<typeof poisson1d>,
  points: Float64Array,
  model = smallModel(problem.dim),
): number[] {
  const tape = new Tape();
  try {
    return Array.from(residualAt(tape, model, problem, points, "generic").data);
  } finally {
    tape.release();
  }
}

/** Builds a 1-d Poisson problem on [−1, 1] with "boundary" Dirichlet conditions. */
function poissonBoundary(conditions: readonly Condition[]): ProblemDefinition {
  return {
    name: "poisson-boundary",
    coordinates: ["x"],
    domain: [[-1, 1]],
    partials: ["xx"],
    residual: ({ u_xx }) => u_xx,
    conditions,
  };
}

describe("non-finite and missing condition values", () => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`rejects value ${bad}`, () => {
      const define = () =>
        definePde(poissonBoundary([{ kind: "dirichlet", on: "boundary", value: bad }]));
      expect(define).toThrow(ProblemDefinitionError);
      expect(define).toThrow(
        new RegExp(
          `conditions\\[0\\] \\(dirichlet\\): value must be a finite number .*received ${bad}`,
        ),
      );
    });
  }

  it("rejects a missing value", () => {
    const condition = { kind: "initial" } as unknown as Condition;
    expect(() => definePde(poissonBoundary([condition]))).toThrow(
      /definePde\("poisson-boundary"\): conditions\[0\] \(initial\): value must be .* received nothing; write value: 0/,
    );
  });

  it("rejects a missing or empty on", () => {
    const missing = { kind: "neumann", value: 0 } as unknown as Condition;
    expect(() => definePde(poissonBoundary([missing]))).toThrow(
      /conditions\[0\] \(neumann\): on must be "boundary", a face/,
    );
    const empty: Condition = { kind: "dirichlet", on: [], value: 0 };
    expect(() => definePde(poissonBoundary([empty]))).toThrow(
      /conditions\[0\] \(dirichlet\): on is an empty list of faces/,
    );
  });

  it("names the index of the bad condition", () => {
    const conditions: Condition[] = [
      { kind: "dirichlet", on: { x: -1 }, value: 0 },
      { kind: "dirichlet", on: { x: 1 }, value: Number.NaN },
    ];
    expect(() => definePde(poissonBoundary(conditions))).toThrow(/conditions\[1\] \(dirichlet\)/);
  });
});

describe("reused point buffers", () => {
  it("residual reads the new coordinates", () => {
    const problem = poisson1d();
    const first = [-0.5, 0.1, 0.7];
    const second = [0.3, -0.9, 0.25];
    const buffer = new Float64Array(first);
    const model = smallModel(1);

    residualValues(problem, buffer, model);
    buffer.set(second);
    const reused = residualValues(problem, buffer, model);
    const fresh = residualValues(problem, new Float64Array(second), model);

    expect(reused).toEqual(fresh);
  });

  it("hard constraint reads the new coordinates", () => {
    const problem = definePde({
      name: "hard",
      coordinates: ["x"],
      domain: [[0, 1]],
      partials: ["xx"],
      residual: ({ u, u_xx }) => add(u_xx, u),
      hardConstraint: { offset: ([x]) => x, factor: ([x]) => dualMul(x, x) },
    });
    const buffer = new Float64Array([0.2, 0.4]);
    const model = smallModel(1);

    residualValues(problem, buffer, model);
    buffer.set([0.9, 0.05]);
    const reused = residualValues(problem, buffer, model);
    const fresh = residualValues(problem, new Float64Array([0.9, 0.05]), model);

    expect(reused).toEqual(fresh);
    expect(Array.from(predict(problem, model, buffer))).toEqual(
      Array.from(predict(problem, model, new Float64Array([0.9, 0.05]))),
    );
  });
});

describe("unknown keys", () => {
  it("train suggests the closest option", () => {
    expect(() => train(poisson1d(), { stpes: 3 } as never)).toThrow(TypeError);
    expect(() => train(poisson1d(), { stpes: 3 } as never)).toThrow(
      /train\(poisson-1d\): unknown option "stpes" \(did you mean "steps"\?\); valid keys: activation/,
    );
  });

  it("createMlp rejects a misspelt omega0", () => {
    const options = { inputs: 1, hidden: [4], outputs: 1, activation: "sine", omgea0: 3 };
    expect(() => createMlp(options as never)).toThrow(
      /createMlp: unknown option "omgea0" \(did you mean "omega0"\?\)/,
    );
  });

  it("definePde rejects top-level and condition keys", () => {
    const topLevel = { ...poissonBoundary([]), conditons: [] };
    expect(() => definePde(topLevel as never)).toThrow(ProblemDefinitionError);
    expect(() => definePde(topLevel as never)).toThrow(
      /unknown field "conditons" \(did you mean "conditions"\?\)/,
    );

    const condition = { kind: "dirichlet", on: "boundary", value: 0, wieght: 2 };
    expect(() => definePde(poissonBoundary([condition as never]))).toThrow(
      /conditions\[0\] \(dirichlet\): unknown field "wieght" \(did you mean "weight"\?\)/,
    );
  });

  it("definePde rejects defaults keys", () => {
    const definition = { ...poissonBoundary([]), defaults: { step: 3 } };
    expect(() => definePde(definition as never)).toThrow(
      /defaults: unknown field "step" \(did you mean "steps"\?\)/,
    );
  });

  it("definePde accepts a spread problem", () => {
    const problem = poisson1d();
    expect(definePde({ ...problem, name: "copy" }).dim).toBe(1);
  });

  it("gives no suggestion for a distant key", () => {
    expect(() => new Adam(2, { momentum: 0.9 } as never)).toThrow(
      /^Adam: unknown option "momentum"; valid keys: learningRate, beta1, beta2, epsilon, schedule$/,
    );
  });

  it("lbfgs rejects option and lineSearch keys", () => {
    const objective = (theta: Float64Array, grad: Float64Array) => {
      grad[0] = 2 * theta[0];
      return theta[0] * theta[0];
    };
    const start = new Float64Array([1]);
    expect(() => lbfgs(objective, start, { maxIteration: 3 } as never)).toThrow(
      /lbfgs: unknown option "maxIteration" \(did you mean "maxIterations"\?\)/,
    );
    expect(() => lbfgs(objective, start, { lineSearch: { c3: 0.5 } } as never)).toThrow(
      /lbfgs: unknown lineSearch option "c3"/,
    );
  });
});

describe("definePde functions", () => {
  it("rejects a residual or exact that is not a function", () => {
    const definition = poissonBoundary([]);
    expect(() => definePde({ ...definition, residual: 0 as never })).toThrow(
      /residual must be a function \(fields\) => Tensor, received number/,
    );
    expect(() => definePde({ ...definition, exact: "sin" as never })).toThrow(
      /exact must be a function \(point\) => number, received string/,
    );
  });

  it("rejects a residual returning a number", () => {
    const problem = definePde({ ...poissonBoundary([]), residual: (() => 0) as never });
    expect(() => residualValues(problem, new Float64Array([0.5]))).toThrow(TypeError);
    expect(() => train(problem, SMALL)).toThrow(
      /poisson-boundary: residual must return a tape Tensor of shape \[8, 1\], received number/,
    );
  });
});

describe("time coordinate rule", () => {
  it("1-d boundary means both ends", () => {
    const problem = definePde(poissonBoundary([{ kind: "dirichlet", on: "boundary", value: 0 }]));
    expect(problem.time).toBeUndefined();
    const batch = compileConditions(problem, 0);
    expect(Array.from(batch.points)).toEqual([-1, 1]);
    expect(batch.terms[0].name).toBe("dirichlet boundary");
  });

  it("1-d initial sits at the lower bound", () => {
    const problem = definePde(
      poissonBoundary([
        { kind: "initial", value: 1 },
        { kind: "initial-slope", value: 0 },
      ]),
    );
    expect(problem.initialCoordinate).toBe("x");
    const batch = compileConditions(problem, 0);
    expect(Array.from(batch.points)).toEqual([-1, -1]);
    expect(batch.terms.map((term) => term.name)).toEqual(["initial x=-1", "initial-slope x=-1"]);
  });

  it("t is time, boundary skips it", () => {
    const problem = heat();
    expect(problem.time).toBe("t");
    const definition: ProblemDefinition = {
      name: "two-d",
      coordinates: ["x", "y"],
      domain: [
        [0, 1],
        [0, 2],
      ],
      partials: ["laplacian"],
      residual: ({ laplacian }) => laplacian,
      conditions: [{ kind: "initial", value: 0 }],
    };
    expect(() => definePde(definition)).toThrow(/no coordinate is named "t"; set "time"/);
    expect(definePde({ ...definition, time: "y" }).initialCoordinate).toBe("y");
  });

  it("explicit time makes 1-d boundary invalid", () => {
    const definition = {
      ...poissonBoundary([{ kind: "dirichlet", on: "boundary", value: 0 }]),
      time: "x",
    };
    expect(() => definePde(definition)).toThrow(/the only coordinate "x" is time/);
  });
});

describe("predict dimension checks", () => {
  it("rejects a model of the wrong input count", () => {
    expect(() => predict(heat(), smallModel(1), new Float64Array([0.5, 0.5]))).toThrow(
      /predict\(heat\): the model has 1 inputs but the problem has 2 coordinates \(x, t\)/,
    );
  });

  it("rejects a ragged points buffer", () => {
    expect(() => predict(heat(), smallModel(2), new Float64Array([0.5, 0.5, 0.1]))).toThrow(
      /points has length 3, which is not a multiple of the 2 coordinates/,
    );
  });

  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    it(`rejects a ${bad} coordinate`, () => {
      const points = new Float64Array([0.5, 0.5, 0.2, bad]);
      expect(() => predict(heat(), smallModel(2), points)).toThrow(
        new RegExp(`points\\[3\\] \\(point 1, coordinate "t"\\) is ${bad}`),
      );
    });
  }

  it("returns one value per point", () => {
    const values = predict(heat(), smallModel(2), new Float64Array([0.5, 0.5, 0.2, 0.1]));
    expect(values).toHaveLength(2);
  });
});

describe("domain overflow in definePde", () => {
  it("names the coordinate", () => {
    const narrow = { ...poissonBoundary([]), domain: [[0, 5e-324]] as [number, number][] };
    expect(() => definePde(narrow)).toThrow(/domain of "x" is \[0, 5e-324\], whose width/);
    const wide = { ...poissonBoundary([]), domain: [[-1.7e308, 1.7e308]] as [number, number][] };
    expect(() => definePde(wide)).toThrow(/domain of "x" .* overflows the map onto/);
  });
});
