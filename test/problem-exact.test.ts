// The residual of every shipped problem vanishes on its exact solution, up to the error of central differences.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildFields, type JetFields } from "../src/pinn/fields.js";
import type { Problem } from "../src/pinn/problem.js";
import { getProblem, PROBLEMS } from "../src/pinn/problems/index.js";
import { Tape } from "../src/tape/index.js";

const EPSILON = Number.EPSILON;

/**
 * Per problem: K bounds the angular frequency of the exact solution along every axis (so
 * |∂^n u| <= K^n A), A bounds |u|, and C bounds the coefficient of the second partials in the
 * residual. The step h = ε^(1/4)/K balances truncation against rounding.
 */
const BOUNDS: Record<string, { K: number; A: number; C: number }> = {
  harmonic: { K: 1, A: 1, C: 1 },
  "oscillator-k": { K: 8, A: 1, C: 1 },
  "poisson-1d": { K: 8 * Math.PI, A: 1.1, C: 1 },
  "poisson-2d": { K: Math.PI, A: 1, C: 1 },
  heat: { K: Math.PI, A: 1, C: 1 },
  wave: { K: Math.PI, A: 1, C: 1 },
};

/**
 * Error bound of the residual: each second partial by central differences errs by at most
 * h²K⁴A/12 (truncation) + 4εA/h² (rounding), each first partial by h²K³A/6 + εA/h; the residual
 * adds at most `dim` second partials times C plus one first partial, and the source term in
 * floating point adds a few ulps of K²A. A factor 4 covers the constants these bounds drop.
 */
function residualTolerance(
  dim: number,
  { K, A, C }: { K: number; A: number; C: number },
  h: number,
): number {
  const second = (h * h * K ** 4 * A) / 12 + (4 * EPSILON * A) / (h * h);
  const first = (h * h * K ** 3 * A) / 6 + (EPSILON * A) / h;
  const source = 8 * EPSILON * K * K * A;
  return 4 * (dim * C * second + first + source);
}

/** Value and partials of the exact solution by central differences, as the problem's spec requests. */
function exactJet(tape: Tape, problem: Problem, points: Float64Array, h: number): JetFields {
  const exact = problem.exact as (point: readonly number[]) => number;
  const dim = problem.dim;
  const count = points.length / dim;
  const at = (n: number, shifts: [number, number][]): number => {
    const point = Array.from(points.subarray(n * dim, (n + 1) * dim));
    for (const [i, step] of shifts) point[i] += step;
    return exact(point);
  };
  const column = (f: (n: number) => number): Float64Array =>
    Float64Array.from({ length: count }, (_, n) => f(n));

  const first = new Map<number, ReturnType<Tape["constant"]>>();
  for (const i of problem.spec.first) {
    first.set(
      i,
      tape.constant(
        column((n) => (at(n, [[i, h]]) - at(n, [[i, -h]])) / (2 * h)),
        [count, 1],
      ),
    );
  }
  const secondOf = (i: number, j: number): Float64Array =>
    i === j
      ? column((n) => (at(n, [[i, h]]) - 2 * at(n, []) + at(n, [[i, -h]])) / (h * h))
      : column(
          (n) =>
            (at(n, [
              [i, h],
              [j, h],
            ]) -
              at(n, [
                [i, h],
                [j, -h],
              ]) -
              at(n, [
                [i, -h],
                [j, h],
              ]) +
              at(n, [
                [i, -h],
                [j, -h],
              ])) /
            (4 * h * h),
        );
  const second = new Map<string, ReturnType<Tape["constant"]>>();
  for (const [i, j] of problem.spec.second)
    second.set(`${i},${j}`, tape.constant(secondOf(i, j), [count, 1]));

  let laplacian = null;
  if (problem.spec.laplacian) {
    const sum = new Float64Array(count);
    for (let i = 0; i < dim; i++) {
      const diagonal = secondOf(i, i);
      for (let n = 0; n < count; n++) sum[n] += diagonal[n];
    }
    laplacian = tape.constant(sum, [count, 1]);
  }
  return {
    value: tape.constant(
      column((n) => at(n, [])),
      [count, 1],
    ),
    first,
    second,
    laplacian,
  };
}

describe("shipped problems", () => {
  it("every problem has an exact solution and a bound", () => {
    for (const entry of PROBLEMS) {
      expect(entry.create().exact, entry.name).toBeTypeOf("function");
      expect(BOUNDS[entry.name], entry.name).toBeDefined();
    }
  });

  for (const entry of PROBLEMS) {
    it(`${entry.name} residual vanishes on the exact solution`, () => {
      const problem = getProblem(entry.name);
      const bound = BOUNDS[entry.name];
      const h = EPSILON ** 0.25 / bound.K;
      const tolerance = residualTolerance(problem.dim, bound, h);
      // Keep the stencil inside the domain, where the exact solution is defined.
      const unit = fc.double({ min: 0.01, max: 0.99, noNaN: true });

      fc.assert(
        fc.property(
          fc.array(fc.array(unit, { minLength: problem.dim, maxLength: problem.dim }), {
            minLength: 1,
            maxLength: 16,
          }),
          (units) => {
            const points = Float64Array.from(
              units.flatMap((u) =>
                u.map(
                  (value, i) =>
                    problem.domain[i][0] + value * (problem.domain[i][1] - problem.domain[i][0]),
                ),
              ),
            );
            const tape = new Tape();
            const jet = exactJet(tape, problem, points, h);
            const fields = buildFields(tape, jet, problem.spec, problem.coordinates, points);
            const residual = problem.residual(fields).data;
            for (const value of residual) expect(Math.abs(value)).toBeLessThanOrEqual(tolerance);
          },
        ),
        { numRuns: 50 },
      );
    });

    it(`${entry.name} residual detects a wrong solution`, () => {
      const problem = getProblem(entry.name);
      const bound = BOUNDS[entry.name];
      const h = EPSILON ** 0.25 / bound.K;
      const shifted: Problem = {
        ...problem,
        exact: (point) =>
          (problem.exact as (p: readonly number[]) => number)(point) + point[0] ** 3,
      };
      const points = Float64Array.from(
        problem.domain.map(([lower, upper]) => (lower + 2 * upper) / 3),
      );
      const tape = new Tape();
      const jet = exactJet(tape, shifted, points, h);
      const fields = buildFields(tape, jet, problem.spec, problem.coordinates, points);
      expect(Math.abs(problem.residual(fields).data[0])).toBeGreaterThan(
        residualTolerance(problem.dim, bound, h) * 10,
      );
    });
  }
});
