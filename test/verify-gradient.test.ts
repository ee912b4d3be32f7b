// Tests of checkGradient: the dot-product test passes true gradients and flags a wrong entry.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Scalar } from "../src/dual/index.js";
import * as dual from "../src/dual/index.js";
import { sampleCollocation } from "../src/pinn/collocation.js";
import { compileConditions } from "../src/pinn/conditions.js";
import { buildLoss, residualAt } from "../src/pinn/loss.js";
import { getProblem, harmonic } from "../src/pinn/problems/index.js";
import { createMlp } from "../src/siren/index.js";
import {
  add,
  exp,
  matmulTransposeB,
  mean,
  square,
  type Tape,
  type Tensor,
  tanh,
} from "../src/tape/index.js";
import { mlp } from "../src/verify/arbitraries.js";
import { checkGradient, type GradientParam } from "../src/verify/check-gradient.js";
import { formatReport } from "../src/verify/report.js";

// A one-layer loss L(W, b) = mean(tanh(X Wᵀ + b)²) over 4 points of R³ and 2 outputs.
const X = Float64Array.of(0.3, -0.5, 0.9, 1.1, 0.2, -0.7, -0.4, 0.8, 0.1, 0.6, -1.2, 0.5);

function layerParams(seed: number): GradientParam[] {
  const random = Array.from({ length: 8 }, (_, i) => Math.sin(seed + 1.7 * i));
  return [
    { name: "W", data: Float64Array.from(random.slice(0, 6)) },
    { name: "b", data: Float64Array.from(random.slice(6)) },
  ];
}

function layerLoss(params: readonly GradientParam[]): (tape: Tape) => Tensor {
  const [W, b] = params.map((p) => ("data" in p ? p.data : p.view));
  return (tape) => {
    const z = add(
      matmulTransposeB(tape.constant(X, [4, 3]), tape.param("W", W, [2, 3])),
      tape.param("b", b, [2]),
    );
    return mean(square(tanh(z)));
  };
}

// The same loss on Scalars, θ = [W (row-major 2×3), b].
function layerLossScalar(theta: readonly Scalar[]): Scalar {
  let total: Scalar = 0;
  for (let n = 0; n < 4; n++) {
    for (let o = 0; o < 2; o++) {
      let z: Scalar = theta[6 + o];
      for (let k = 0; k < 3; k++) z = dual.add(z, dual.mul(theta[3 * o + k], X[3 * n + k]));
      const y = dual.tanh(z);
      total = dual.add(total, dual.mul(y, y));
    }
  }
  return dual.div(total, 8);
}

describe("checkGradient with non-finite values", () => {
  it("never passes a loss that overflows", () => {
    // exp(800) overflows: the loss and its gradient are infinite, the differences NaN.
    const data = Float64Array.of(800);
    const loss = (tape: Tape): Tensor => mean(exp(tape.param("a", data, [1])));
    const report = checkGradient(loss, [{ name: "a", data }]);
    expect(report.pass).toBe(false);
    expect(report.comparisons.every((c) => !c.pass)).toBe(true);
  });

  it("rejects a loss that skips a parameter", () => {
    const data = Float64Array.of(1);
    const loss = (tape: Tape): Tensor => mean(tape.constant(Float64Array.of(1), [1]));
    expect(() => checkGradient(loss, [{ name: "a", data }])).toThrow(
      /did not register a parameter named "a"/,
    );
  });
});

describe("checkGradient on correct gradients", () => {
  it("passes a one-layer loss against Dual and differences", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), (seed) => {
        const params = layerParams(seed);
        const report = checkGradient(layerLoss(params), params, {
          scalarLoss: layerLossScalar,
          seed,
        });
        if (!report.pass) throw new Error(formatReport(report));
        // 3 directions × (difference + Dual) + 8 coordinates.
        expect(report.comparisons.length).toBe(14);
      }),
      { numRuns: 30 },
    );
  });

  it("restores the parameter buffers", () => {
    const params = layerParams(7);
    const before = params.map((p) => Float64Array.from("data" in p ? p.data : p.view));
    checkGradient(layerLoss(params), params, { scalarLoss: layerLossScalar });
    params.forEach((p, i) => {
      expect("data" in p ? p.data : p.view).toEqual(before[i]);
    });
  });

  it("passes a PINN residual loss of a random network", () => {
    // Reverse over forward on the tape against a Dual in parameter space over HyperDual inputs.
    const problem = harmonic();
    const points = Float64Array.of(0.4, 1.3, 2.9, 5.1);
    fc.assert(
      fc.property(
        // ReLU is left out: a central difference whose step crosses a kink of the network is
        // not an estimate of the derivative, so the check would fail on a correct gradient.
        mlp({
          inputs: 1,
          depth: [1, 2],
          width: [1, 6],
          domain: problem.domain,
          activation: ["sine", "tanh"],
        }),
        (model) => {
          const loss = (tape: Tape): Tensor =>
            mean(square(residualAt(tape, model, problem, points, "fused")));
          const scalarLoss = (theta: readonly Scalar[]): Scalar => {
            let total: Scalar = 0;
            for (const x of points) {
              const tag = dual.newTag();
              const u = model.evaluateScalar([new dual.HyperDual(x, 1, 1, 0, tag)], theta)[0];
              const value = u instanceof dual.HyperDual && u.tag === tag ? u : null;
              const r = value === null ? u : dual.add(value.d, value.a);
              total = dual.add(total, dual.mul(r, r));
            }
            return dual.div(total, points.length);
          };
          const report = checkGradient(loss, model.paramEntries, {
            scalarLoss,
            coordinates: [0, 1],
          });
          if (!report.pass) throw new Error(formatReport(report));
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe("checkGradient on training losses", () => {
  it("passes the full loss of every shipped problem", () => {
    // Residual plus condition terms, as training builds them, on a 2 × 16 sine network.
    for (const name of ["harmonic", "poisson-2d", "heat", "wave"]) {
      const problem = getProblem(name);
      const model = createMlp({
        inputs: problem.dim,
        hidden: [16, 16],
        outputs: 1,
        activation: "sine",
        omega0: problem.defaults?.omega0 ?? 3,
        domain: problem.domain,
      });
      const batch = {
        collocation: sampleCollocation(problem, 32, "uniform", 0),
        conditions: compileConditions(problem, 0),
      };
      const loss = (tape: Tape): Tensor => buildLoss(tape, model, problem, batch, "fused").loss;
      const report = checkGradient(loss, model.paramEntries, {
        coordinates: [0, 40, model.params.length - 1],
      });
      if (!report.pass) throw new Error(formatReport(report));
    }
  });
});

describe("checkGradient on a wrong gradient", () => {
  it("flags a gradient with one entry off", () => {
    // A custom op whose vjp adds 0.1 to the cotangent of W[4]: the rest of the gradient is right.
    const params = layerParams(3);
    const [W, b] = params.map((p) => ("data" in p ? p.data : p.view));
    const loss = (tape: Tape): Tensor => {
      const w = tape.param("W", W, [2, 3]);
      const shifted = tape.custom(
        "W with a wrong vjp",
        [w],
        [2, 3],
        (out) => out.set(w.data),
        (ct, [wCt]) => {
          if (wCt === null) return;
          for (let i = 0; i < ct.length; i++) wCt[i] += ct[i];
          wCt[4] += 0.1;
        },
      );
      const z = add(matmulTransposeB(tape.constant(X, [4, 3]), shifted), tape.param("b", b, [2]));
      return mean(square(tanh(z)));
    };

    const report = checkGradient(loss, params, { scalarLoss: layerLossScalar });
    expect(report.pass).toBe(false);
    const failedCoordinates = report.comparisons.filter(
      (c) => !c.pass && c.label.startsWith("∂L/∂"),
    );
    expect(failedCoordinates.map((c) => c.label)).toEqual(["∂L/∂W[4]"]);
    expect(Math.abs(failedCoordinates[0].value - failedCoordinates[0].reference)).toBeCloseTo(
      0.1,
      9,
    );
    // Every random direction has a nonzero component along W[4], so every dot product fails.
    expect(report.comparisons.filter((c) => c.label.startsWith("⟨∇L")).every((c) => !c.pass)).toBe(
      true,
    );
  });
});
