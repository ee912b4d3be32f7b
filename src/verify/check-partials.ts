// checkPartials: first and second partials and the Laplacian of f: R^d → R against central differences.

import { HyperDual, newTag, primal, type Scalar } from "../dual/index.js";
import {
  type CentralDifference,
  centralDifference,
  DEFAULT_EVALUATION_ROUNDINGS,
  differenceTolerance,
} from "./central-difference.js";
import { allPass, assertReport, type Comparison, compare, type Report } from "./report.js";
import {
  applyOverride,
  DEFAULT_AD_ROUNDINGS,
  type Tolerance,
  type ToleranceOverride,
} from "./tolerance.js";

/** A function of a point written with the generic ops of `siren-pinn/dual`. */
export type PointFunction = (point: readonly Scalar[]) => Scalar;

/** Partials at one point. Second partials are keyed `${i},${j}` with i <= j. */
export interface PartialValues {
  value?: number;
  first?: ReadonlyMap<number, number>;
  second?: ReadonlyMap<string, number>;
  laplacian?: number;
}

/** Options of `checkPartials`. */
export interface PartialCheckOptions {
  /** Directions i of the first partials ∂f/∂x_i. Default every direction. */
  first?: readonly number[];
  /** Pairs (i, j) of the second partials. Default every pair i <= j. */
  second?: readonly (readonly [number, number])[];
  /** Also check the Laplacian Σ_i ∂²f/∂x_i². Default true. */
  laplacian?: boolean;
  /**
   * The partials under test. Default: hyper-dual evaluation of f (src/dual). Pass your own
   * to check another implementation, such as a hand-written Laplacian rule.
   */
  forward?: (point: readonly number[]) => PartialValues;
  /** Base step of the differences along each line. Default: see `defaultStep`. */
  step?: number;
  /** Relative error of one evaluation of f in units of u. Default 16. */
  evaluationRoundings?: number;
  /** Rounding budget of the forward-mode values in units of u·scale. Default 256. */
  adRoundings?: number;
  tolerance?: ToleranceOverride;
}

/** A partials report: one comparison per partial asked for. */
export interface PartialReport extends Report {
  readonly kind: "derivatives";
  readonly point: readonly number[];
}

/**
 * Compares partials of `f` at `point` with central differences along lines: ∂_i and ∂_ii
 * from g(t) = f(x + t·e_i), the mixed ∂_ij = (D²(e_i + e_j) − D²(e_i − e_j))/4 where
 * D²(v) = vᵀ H v is the second derivative along v, and the Laplacian as Σ_i D²(e_i).
 * The tolerance of a combination is the same combination of the line tolerances.
 */
export function checkPartials(
  f: PointFunction,
  point: readonly number[],
  options: PartialCheckOptions = {},
): PartialReport {
  const dim = validatePoint(point);
  const first = options.first ?? Array.from({ length: dim }, (_, i) => i);
  const second = options.second ?? allPairs(dim);
  const laplacian = options.laplacian ?? true;
  const adRoundings = options.adRoundings ?? DEFAULT_AD_ROUNDINGS;
  const computed = (options.forward ?? ((x) => hyperDualPartials(f, x, first, second, laplacian)))(
    point,
  );

  // NOTE: the argument-rounding term uses the slope along the line. Along e_i ± e_j that slope
  // can cancel while ∂_i f and ∂_j f do not, which leaves such a point a low rounding budget.
  const line = (direction: readonly number[], order: number): CentralDifference =>
    centralDifference((t) => primal(f(point.map((x, k) => x + t * direction[k]))), 0, order, {
      step: options.step,
      evaluationRoundings: options.evaluationRoundings ?? DEFAULT_EVALUATION_ROUNDINGS,
      argumentScale: Math.max(...point.map((x, k) => (direction[k] === 0 ? 0 : Math.abs(x)))),
    });
  const unit = (i: number): number[] => point.map((_, k) => (k === i ? 1 : 0));
  const comparisons: Comparison[] = [];
  const push = (
    label: string,
    value: number | undefined,
    reference: number,
    tolerance: Tolerance,
  ): void => {
    const tested = value ?? Number.NaN;
    comparisons.push(
      compare(
        label,
        tested,
        reference,
        "central difference",
        applyOverride(tolerance, options.tolerance),
      ),
    );
  };

  for (const i of first) {
    const value = computed.first?.get(i);
    const difference = line(unit(i), 1);
    push(
      `∂/∂x${i}`,
      value,
      difference.estimate,
      lineTolerance([difference], [1], value, adRoundings),
    );
  }

  const diagonal = new Map<number, CentralDifference>();
  const secondAlong = (i: number): CentralDifference => {
    let difference = diagonal.get(i);
    if (difference === undefined) {
      difference = line(unit(i), 2);
      diagonal.set(i, difference);
    }
    return difference;
  };

  for (const [i, j] of second) {
    const value = computed.second?.get(`${Math.min(i, j)},${Math.max(i, j)}`);
    if (i === j) {
      const difference = secondAlong(i);
      push(
        `∂²/∂x${i}²`,
        value,
        difference.estimate,
        lineTolerance([difference], [1], value, adRoundings),
      );
      continue;
    }
    const plus = line(
      point.map((_, k) => (k === i || k === j ? 1 : 0)),
      2,
    );
    const minus = line(
      point.map((_, k) => (k === i ? 1 : 0) - (k === j ? 1 : 0)),
      2,
    );
    const reference = (plus.estimate - minus.estimate) / 4;
    push(
      `∂²/∂x${i}∂x${j}`,
      value,
      reference,
      lineTolerance([plus, minus], [1 / 4, 1 / 4], value, adRoundings),
    );
  }

  if (laplacian) {
    const differences = Array.from({ length: dim }, (_, i) => secondAlong(i));
    const reference = differences.reduce((sum, d) => sum + d.estimate, 0);
    const weights = differences.map(() => 1);
    push(
      "Laplacian",
      computed.laplacian,
      reference,
      lineTolerance(differences, weights, computed.laplacian, adRoundings),
    );
  }

  return {
    kind: "derivatives",
    title: `checkPartials at (${point.join(", ")})`,
    point,
    comparisons,
    pass: allPass(comparisons),
  };
}

/** Runs `checkPartials` and throws a VerificationError with the report's table unless it passed. */
export function assertPartials(
  f: PointFunction,
  point: readonly number[],
  options: PartialCheckOptions = {},
): PartialReport {
  const report = checkPartials(f, point, options);
  assertReport(report);
  return report;
}

/**
 * Returns the partials of f at `point` by hyper-dual evaluation: e1 along x_i and e2 along
 * x_j give ∂_i f in b, ∂_j f in c and ∂_ij f in d.
 */
export function hyperDualPartials(
  f: PointFunction,
  point: readonly number[],
  first: readonly number[],
  second: readonly (readonly [number, number])[],
  laplacian: boolean,
): PartialValues {
  const seeded = (i: number, j: number): HyperDual | number => {
    // Every coordinate carries the same perturbation, so one tag for all of them.
    const tag = newTag();
    const y = f(point.map((x, k) => new HyperDual(x, k === i ? 1 : 0, k === j ? 1 : 0, 0, tag)));
    return y instanceof HyperDual && y.tag === tag ? y : primal(y);
  };
  const mixed = (i: number, j: number): number => {
    const y = seeded(i, j);
    return typeof y === "number" ? 0 : primal(y.d);
  };

  const firstValues = new Map<number, number>();
  for (const i of first) {
    const y = seeded(i, i);
    firstValues.set(i, typeof y === "number" ? 0 : primal(y.b));
  }
  const secondValues = new Map<string, number>();
  for (const [i, j] of second) secondValues.set(`${Math.min(i, j)},${Math.max(i, j)}`, mixed(i, j));

  let laplacianValue: number | undefined;
  if (laplacian) {
    laplacianValue = 0;
    for (let i = 0; i < point.length; i++) laplacianValue += mixed(i, i);
  }
  return {
    value: primal(f(point)),
    first: firstValues,
    second: secondValues,
    laplacian: laplacianValue,
  };
}

// Σ_k c_k·tol_k of the line differences, plus the forward-mode rounding of the tested value.
function lineTolerance(
  differences: readonly CentralDifference[],
  weights: readonly number[],
  value: number | undefined,
  adRoundings: number,
): Tolerance {
  const parts = differences.map((d) =>
    differenceTolerance(d, Math.max(Math.abs(d.estimate), Math.abs(value ?? 0)), adRoundings),
  );
  const total = parts.reduce((sum, part, k) => sum + Math.abs(weights[k]) * part.value, 0);
  if (parts.length === 1) return parts[0];
  return {
    value: total,
    formula: "Σ_k |c_k|·(line tolerance k)",
    terms: Object.fromEntries(parts.map((part, k) => [`line${k}`, part.value])),
  };
}

function allPairs(dim: number): [number, number][] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) pairs.push([i, j]);
  }
  return pairs;
}

function validatePoint(point: readonly number[]): number {
  if (!Array.isArray(point) || point.length === 0) {
    throw new TypeError(
      "checkPartials: point must be a non-empty array of numbers, e.g. [0.3, 0.7]",
    );
  }
  for (const x of point) {
    if (!Number.isFinite(x)) {
      throw new RangeError(
        `checkPartials: point must have finite coordinates, received (${point.join(", ")})`,
      );
    }
  }
  return point.length;
}
