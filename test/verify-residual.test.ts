// Tests of checkResidual and the verify command: the three jet paths agree, a wrong path is flagged.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as dual from "../src/dual/index.js";
import type { JetFields } from "../src/pinn/fields.js";
import { solutionJet } from "../src/pinn/loss.js";
import { definePde } from "../src/pinn/problem.js";
import { getProblem, harmonic, poisson2d } from "../src/pinn/problems/index.js";
import { createMlp } from "../src/siren/index.js";
import { add, scale, type Tape } from "../src/tape/index.js";
import { mlp } from "../src/verify/arbitraries.js";
import { checkResidual } from "../src/verify/check-residual.js";
import { formatReport } from "../src/verify/report.js";
import { runVerifyCommand } from "../src/verify/verify-command.js";

// The paths compute the same sums in another order, so they differ by rounding only: about
// u·(Σ fan-in) relative to a stream's scale, near 1e-15 for 3 × 64 layers. A path that
// differs by more than 1e-12 of the stream's scale has a wrong rule, not rounding.
const PATH_AGREEMENT = 1e-12;

describe("checkResidual with non-finite values", () => {
  it("never passes a path that returns NaN", () => {
    const problem = harmonic();
    const model = createMlp({
      inputs: 1,
      hidden: [8],
      outputs: 1,
      activation: "sine",
      domain: problem.domain,
    });
    const nanPath = (tape: Tape, points: Float64Array): JetFields => {
      const jet = solutionJet(tape, model, problem, points, problem.spec, "generic");
      return { ...jet, value: scale(jet.value, Number.NaN) };
    };
    const report = checkResidual(problem, model, { paths: [], extraPaths: { nan: nanPath } });
    expect(report.pass).toBe(false);
    const failed = report.comparisons.filter((c) => !c.pass).map((c) => c.label.split(" ")[0]);
    expect(failed).toEqual(["u", "residual"]);
    expect(report.disagreements.find((d) => d.stream === "u")?.maxAbsolute).toBeNaN();
  });
});

describe("checkResidual on the shipped paths", () => {
  it("agrees on every shipped problem", () => {
    for (const name of ["harmonic", "oscillator-k", "poisson-1d", "poisson-2d", "heat", "wave"]) {
      const result = runVerifyCommand({ problem: name, hidden: [16, 16], points: 8 });
      if (!result.report.pass) throw new Error(result.text);
      expect(result.exitCode).toBe(0);
      expect(result.report.maxRelative).toBeLessThan(PATH_AGREEMENT);
    }
  });

  it("agrees on random sine, tanh and ReLU networks", () => {
    const problem = poisson2d();
    fc.assert(
      fc.property(
        mlp({ inputs: 2, depth: [1, 3], width: [1, 12], domain: problem.domain }),
        fc.integer({ min: 0, max: 1000 }),
        (model, seed) => {
          const report = checkResidual(problem, model, { count: 6, seed });
          if (!report.pass) throw new Error(formatReport(report));
          expect(report.maxRelative).toBeLessThan(PATH_AGREEMENT);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("passes a network that once failed", () => {
    // u_x cancels from terms near 30 down to 0.07 here, so a tolerance scaled by max|u_x|
    // failed; the running error bound scales with the terms instead.
    const problem = poisson2d();
    const model = createMlp({
      inputs: 2,
      hidden: [7, 1, 6],
      outputs: 1,
      activation: "sine",
      omega0: 29.806690361646655,
      hiddenOmega: "one",
      seed: 2147221451,
      domain: problem.domain,
      biasInit: "uniform",
    });
    const report = checkResidual(problem, model, { count: 6, seed: 610 });
    if (!report.pass) throw new Error(formatReport(report));
    expect(report.maxRelative).toBeLessThan(PATH_AGREEMENT);
  });

  it("verify harmonic agrees near 1e-15", () => {
    const result = runVerifyCommand({ problem: "harmonic" });
    expect(result.exitCode).toBe(0);
    expect(result.text).toMatch(/largest relative disagreement: .*; all paths agree/);
    expect(result.report.disagreements.map((d) => `${d.stream} ${d.path}`)).toEqual([
      "u generic",
      "u_x generic",
      "u_xx generic",
      "residual generic",
      "u fused",
      "u_x fused",
      "u_xx fused",
      "residual fused",
    ]);
    expect(result.report.maxRelative).toBeLessThan(PATH_AGREEMENT);
  });

  it("prints JSON with --json", () => {
    const parsed = JSON.parse(runVerifyCommand({ problem: "heat", json: true, points: 4 }).text);
    expect(parsed.pass).toBe(true);
    expect(parsed.network.activation).toBe("sine");
    expect(parsed.disagreements.length).toBeGreaterThan(0);
  });

  it("rejects an unknown problem", () => {
    expect(() => runVerifyCommand({ problem: "nope" })).toThrow(/unknown problem "nope"; valid:/);
  });
});

describe("checkResidual with a hard constraint", () => {
  it("agrees on u = x + x²·N and on a 2-d product constraint", () => {
    // u(0) = 0 and u'(0) = 1 hold exactly for u = x + x²·N.
    const oscillator = definePde({
      name: "constrained-oscillator",
      coordinates: ["x"],
      domain: [[0, 2 * Math.PI]],
      partials: ["xx"],
      residual: ({ u, u_xx }) => add(u_xx, u),
      hardConstraint: { offset: ([x]) => x, factor: ([x]) => dual.mul(x, x) },
    });
    // u = 0 on the boundary of [0, 1]² for u = x(1 − x)y(1 − y)·N.
    const plate = definePde({
      name: "constrained-plate",
      coordinates: ["x", "y"],
      domain: [
        [0, 1],
        [0, 1],
      ],
      partials: ["laplacian", "xy"],
      residual: ({ laplacian, u_xy }) => add(laplacian, u_xy),
      hardConstraint: {
        factor: ([x, y]) => dual.mul(dual.mul(x, dual.sub(1, x)), dual.mul(y, dual.sub(1, y))),
      },
    });
    for (const problem of [oscillator, plate]) {
      const model = createMlp({
        inputs: problem.dim,
        hidden: [12, 12],
        outputs: 1,
        activation: "sine",
        omega0: 3,
        biasInit: "uniform",
        domain: problem.domain,
      });
      const report = checkResidual(problem, model, { count: 8 });
      if (!report.pass) throw new Error(formatReport(report));
      expect(report.maxRelative).toBeLessThan(PATH_AGREEMENT);
    }
  });
});

describe("checkResidual on a wrong path", () => {
  it("flags a Laplacian that adds 2·u_xy", () => {
    // A 2-d problem reading both the Laplacian and u_xy; the buggy path adds 2·u_xy to Δu.
    const problem = getProblem("poisson-2d");
    const withMixed = {
      ...problem,
      spec: { ...problem.spec, second: [[0, 1]] as [number, number][] },
    };
    const model = createMlp({
      inputs: 2,
      hidden: [16, 16],
      outputs: 1,
      activation: "sine",
      omega0: 3,
      biasInit: "uniform",
      domain: problem.domain,
    });
    const buggy = (tape: Tape, points: Float64Array): JetFields => {
      const jet = solutionJet(tape, model, withMixed, points, withMixed.spec, "generic");
      const mixed = jet.second.get("0,1");
      if (mixed === undefined || jet.laplacian === null) throw new Error("jet lacks u_xy or Δu");
      return { ...jet, laplacian: add(jet.laplacian, scale(mixed, 2)) };
    };

    const report = checkResidual(withMixed, model, { extraPaths: { buggy } });
    const failed = report.comparisons
      .filter((c) => !c.pass)
      .map((c) => c.label.replace(/ @\d+$/, ""));
    expect(failed).toEqual(["laplacian buggy", "residual buggy"]);
    const laplacian = report.disagreements.find(
      (d) => d.stream === "laplacian" && d.path === "buggy",
    );
    expect(laplacian?.maxRelative).toBeGreaterThan(1e-3);
  });
});
