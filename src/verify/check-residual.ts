// checkResidual: a problem's partials and residual from the HyperDual, generic and fused paths.

import { add, HyperDual, mul, newTag, primal, type Scalar } from "../dual/index.js";
import { buildFields, type JetFields, partialName } from "../pinn/fields.js";
import { type JetPath, solutionJet } from "../pinn/loss.js";
import type { Problem } from "../pinn/problem.js";
import type { Mlp } from "../siren/mlp.js";
import { Random } from "../siren/random.js";
import { sum, Tape, type Tensor } from "../tape/index.js";
import { hyperDualPartials, type PointFunction } from "./check-partials.js";
import { allPass, assertReport, type Comparison, compare, type Report } from "./report.js";
import { constrainedErrorBounds, networkErrorBounds } from "./running-error.js";
import {
  applyOverride,
  formatNumber,
  type Tolerance,
  type ToleranceOverride,
  UNIT_ROUNDOFF,
} from "./tolerance.js";

/** A jet of the solution at the given points, recorded on `tape` (a path under test). */
export type JetProvider = (tape: Tape, points: Float64Array) => JetFields;

/** Options of `checkResidual`. */
export interface ResidualCheckOptions {
  /** Row-major points (N × dim). Default: `count` points uniform in the problem's domain. */
  points?: Float64Array;
  /** Number of random points when `points` is not given. Default 32. */
  count?: number;
  /** Seed of the random points. Default 0. */
  seed?: number;
  /** Built-in paths compared with the HyperDual reference. Default ["generic", "fused"]. */
  paths?: readonly JetPath[];
  /** More paths to compare, by name, e.g. a jet built with a new activation rule. */
  extraPaths?: Readonly<Record<string, JetProvider>>;
  /** Replaces every derived tolerance: a number, or a function of the derived one. */
  tolerance?: ToleranceOverride;
}

/** The largest disagreement of one stream on one path over all points. */
export interface Disagreement {
  /** "u", "u_x", "u_xx", "laplacian" or "residual". */
  readonly stream: string;
  readonly path: string;
  readonly maxAbsolute: number;
  /** maxAbsolute divided by the largest |reference| of the stream over the points. */
  readonly maxRelative: number;
  /** Index of the point with the largest ratio of error to tolerance. */
  readonly worstPoint: number;
}

/** A residual report: one comparison per stream and path (at its worst point), plus the table of disagreements. */
export interface ResidualReport extends Report {
  readonly kind: "residual";
  readonly points: Float64Array;
  readonly disagreements: readonly Disagreement[];
  /** Largest maxRelative over every stream and path. */
  readonly maxRelative: number;
}

/** Streams of one path: value, partials and residual, each one number per point. */
type Streams = Map<string, Float64Array>;

/** The reference streams, ∂r/∂f per field and point, and the running error bound per stream and point. */
interface ReferenceStreams {
  streams: Streams;
  sensitivities: Streams;
  errorBounds: Streams;
}

/**
 * Evaluates the problem's partials and residual at the points on three paths and reports
 * the largest disagreement with the HyperDual reference: per stream (u, each partial, the
 * Laplacian, the residual) and per path. The reference evaluates `model.evaluateScalar`
 * with hyper-dual inputs (and the hard constraint, if any), so it shares no jet code with
 * the tape paths. All paths share the problem's residual function.
 */
export function checkResidual(
  problem: Problem,
  model: Mlp,
  options: ResidualCheckOptions = {},
): ResidualReport {
  const points = options.points ?? samplePoints(problem, options.count ?? 32, options.seed ?? 0);
  validatePoints(problem, model, points);

  const reference = referenceStreams(problem, model, points);
  const providers: [string, JetProvider][] = (options.paths ?? ["generic", "fused"]).map((path) => [
    path,
    (tape, at) => solutionJet(tape, model, problem, at, problem.spec, path),
  ]);
  providers.push(...Object.entries(options.extraPaths ?? {}));

  const comparisons: Comparison[] = [];
  const disagreements: Disagreement[] = [];
  for (const [path, provider] of providers) {
    const streams = pathStreams(problem, provider, points);
    for (const [stream, values] of streams) {
      if (stream === "residual") continue;
      const bounds = reference.errorBounds.get(stream) as Float64Array;
      const tolerance = (n: number): Tolerance =>
        applyOverride(streamTolerance(bounds[n]), options.tolerance);
      const result = compareStream(
        stream,
        path,
        values,
        reference.streams.get(stream) as Float64Array,
        tolerance,
      );
      comparisons.push(result.comparison);
      disagreements.push(result.disagreement);
    }

    const residualTolerance = (n: number): Tolerance =>
      applyOverride(residualToleranceAt(n, reference), options.tolerance);
    const result = compareStream(
      "residual",
      path,
      streams.get("residual") as Float64Array,
      reference.streams.get("residual") as Float64Array,
      residualTolerance,
    );
    comparisons.push(result.comparison);
    disagreements.push(result.disagreement);
  }

  return {
    kind: "residual",
    title: `checkResidual on ${problem.name} at ${points.length / problem.dim} points`,
    points,
    comparisons,
    disagreements,
    maxRelative: Math.max(0, ...disagreements.map((d) => d.maxRelative)),
    pass: allPass(comparisons),
  };
}

/** Runs `checkResidual` and throws a VerificationError with the report's table unless it passed. */
export function assertResidual(
  problem: Problem,
  model: Mlp,
  options: ResidualCheckOptions = {},
): ResidualReport {
  const report = checkResidual(problem, model, options);
  assertReport(report);
  return report;
}

/**
 * Returns the tolerance of a stream at one point from its running error bound E (in units of
 * u, see `networkErrorBounds`): 2·u·E, because the reference and the path under test each lie
 * within u·E of the exact jet.
 */
function streamTolerance(bound: number): Tolerance {
  return {
    value: 2 * UNIT_ROUNDOFF * bound + Number.MIN_VALUE,
    formula: "2·u·E (running error bound)",
    terms: { E: bound, u: UNIT_ROUNDOFF },
  };
}

/**
 * Returns the residual's tolerance at point n: Σ_f |∂r/∂f|·tol_f over the fields it reads,
 * plus 16·u·|r| for the few roundings of the residual itself. The sensitivities ∂r/∂f come
 * from the tape (see `referenceStreams`).
 */
function residualToleranceAt(n: number, reference: ReferenceStreams): Tolerance {
  let propagated = 0;
  const terms: Record<string, number> = {};
  for (const [field, sensitivity] of reference.sensitivities) {
    const bound = reference.errorBounds.get(field)?.[n] ?? 0;
    const contribution = Math.abs(sensitivity[n]) * streamTolerance(bound).value;
    propagated += contribution;
    if (contribution > 0) terms[`|∂r/∂${field}|·tol`] = contribution;
  }
  const own = 16 * UNIT_ROUNDOFF * Math.abs((reference.streams.get("residual") as Float64Array)[n]);
  return {
    value: propagated + own,
    formula: "Σ_f |∂r/∂f|·tol_f + 16·u·|r|",
    terms: { ...terms, own },
  };
}

function compareStream(
  stream: string,
  path: string,
  values: Float64Array,
  reference: Float64Array,
  toleranceAt: (n: number) => Tolerance,
): { comparison: Comparison; disagreement: Disagreement } {
  let worst = 0;
  let worstRatio = -1;
  let maxAbsolute = 0;
  let scale = 0;
  for (let n = 0; n < values.length; n++) {
    const error = Math.abs(values[n] - reference[n]);
    const ratio = errorRatio(error, n, toleranceAt);
    if (ratio > worstRatio || Number.isNaN(ratio)) {
      worstRatio = ratio;
      worst = n;
    }
    maxAbsolute = Number.isNaN(error) ? Number.NaN : Math.max(maxAbsolute, error);
    scale = Math.max(scale, Math.abs(reference[n]));
  }

  const comparison = compare(
    `${stream} ${path} @${worst}`,
    values[worst],
    reference[worst],
    "HyperDual",
    toleranceAt(worst),
  );
  const maxRelative = maxAbsolute === 0 ? 0 : maxAbsolute / scale;
  return {
    comparison,
    disagreement: { stream, path, maxAbsolute, maxRelative, worstPoint: worst },
  };
}

// Error over tolerance at point n. A NaN error ranks first, because NaN compares false with
// every ratio, and an exact match ranks last even when its tolerance is 0.
function errorRatio(error: number, n: number, toleranceAt: (n: number) => Tolerance): number {
  if (Number.isNaN(error)) return Number.POSITIVE_INFINITY;
  if (error === 0) return 0;
  return error / toleranceAt(n).value;
}

function pathStreams(problem: Problem, provider: JetProvider, points: Float64Array): Streams {
  const tape = new Tape();
  try {
    const jet = provider(tape, points);
    const streams = jetStreams(problem, jet);
    const residual = problem.residual(
      buildFields(tape, jet, problem.spec, problem.coordinates, points),
    );
    streams.set("residual", Float64Array.from(residual.data));
    return streams;
  } finally {
    tape.release();
  }
}

function jetStreams(problem: Problem, jet: JetFields): Streams {
  const streams: Streams = new Map();
  const copy = (tensor: Tensor | undefined | null, name: string): void => {
    if (tensor === undefined || tensor === null) {
      throw new RangeError(
        `checkResidual: the jet of ${problem.name} lacks the ${name} stream its spec asks for`,
      );
    }
    streams.set(name, Float64Array.from(tensor.data));
  };

  copy(jet.value, "u");
  for (const i of problem.spec.first) copy(jet.first.get(i), partialName(problem.coordinates, [i]));
  for (const [i, j] of problem.spec.second) {
    copy(jet.second.get(`${i},${j}`), partialName(problem.coordinates, [i, j]));
  }
  if (problem.spec.laplacian) copy(jet.laplacian, "laplacian");
  return streams;
}

/**
 * Evaluates the reference streams by hyper-dual evaluation at each point, then the residual
 * on a tape whose fields are parameters, so that one backward pass of Σ_n r_n also gives
 * ∂r_n/∂f_n for every field f (the residual is pointwise).
 */
function referenceStreams(problem: Problem, model: Mlp, points: Float64Array): ReferenceStreams {
  const { spec, coordinates, dim } = problem;
  const count = points.length / dim;
  const value = new Float64Array(count);
  const first = new Map(spec.first.map((i) => [i, new Float64Array(count)]));
  const second = new Map(spec.second.map(([i, j]) => [`${i},${j}`, new Float64Array(count)]));
  const laplacian = spec.laplacian ? new Float64Array(count) : null;

  const u = (point: readonly Scalar[]): Scalar => solutionScalar(problem, model, point);
  for (let n = 0; n < count; n++) {
    const x = Array.from(points.subarray(n * dim, (n + 1) * dim));
    value[n] = primal(u(x));
    for (const i of spec.first) (first.get(i) as Float64Array)[n] = partAt(u, x, i, i, "b");
    for (const [i, j] of spec.second)
      (second.get(`${i},${j}`) as Float64Array)[n] = partAt(u, x, i, j, "d");
    if (laplacian !== null) {
      for (let i = 0; i < dim; i++) laplacian[n] += partAt(u, x, i, i, "d");
    }
  }

  const tape = new Tape();
  try {
    const column = (name: string, data: Float64Array): Tensor => tape.param(name, data, [count, 1]);
    const jet: JetFields = {
      value: column("u", value),
      first: new Map(
        [...first].map(([i, data]) => [i, column(partialName(coordinates, [i]), data)]),
      ),
      second: new Map(
        [...second].map(([key, data]) => {
          const [i, j] = key.split(",").map(Number);
          return [key, column(partialName(coordinates, [i, j]), data)];
        }),
      ),
      laplacian: laplacian === null ? null : column("laplacian", laplacian),
    };
    const streams = jetStreams(problem, jet);
    const residual = problem.residual(buildFields(tape, jet, spec, coordinates, points));
    streams.set("residual", Float64Array.from(residual.data));
    const sensitivities = tape.backward(sum(residual));
    return { streams, sensitivities, errorBounds: errorBoundStreams(problem, model, points) };
  } catch (error) {
    tape.release();
    throw error;
  }
}

// The solution u = offset + factor·N at one point, as the hard constraint defines it.
function solutionScalar(problem: Problem, model: Mlp, point: readonly Scalar[]): Scalar {
  const network = model.evaluateScalar([...point])[0];
  const constraint = problem.hardConstraint;
  if (constraint === undefined) return network;
  const offset = constraint.offset === undefined ? 0 : constraint.offset(point);
  return add(offset, mul(constraint.factor(point), network));
}

function partAt(
  u: (point: readonly Scalar[]) => Scalar,
  x: readonly number[],
  i: number,
  j: number,
  field: "b" | "d",
): number {
  // Every coordinate carries the same perturbation, so one tag for all of them.
  const tag = newTag();
  const y = u(x.map((value, k) => new HyperDual(value, k === i ? 1 : 0, k === j ? 1 : 0, 0, tag)));
  // A solution that ignores its input returns a constant: every partial is 0.
  return y instanceof HyperDual && y.tag === tag ? primal(y[field]) : 0;
}

// Running error bounds (units of u) of every stream at every point, keyed like the streams.
function errorBoundStreams(problem: Problem, model: Mlp, points: Float64Array): Streams {
  const { spec, coordinates, dim } = problem;
  const count = points.length / dim;
  const pairs: [number, number][] = spec.second.map(([i, j]) => [i, j]);
  if (spec.laplacian) {
    for (let i = 0; i < dim; i++) {
      if (!pairs.some(([a, b]) => a === i && b === i)) pairs.push([i, i]);
    }
  }

  const bounds: Streams = new Map();
  const column = (name: string): Float64Array => {
    let data = bounds.get(name);
    if (data === undefined) {
      data = new Float64Array(count);
      bounds.set(name, data);
    }
    return data;
  };
  const directions = Array.from({ length: dim }, (_, i) => i);
  const network: PointFunction = (point) => model.evaluateScalar([...point])[0];

  for (let n = 0; n < count; n++) {
    const x = Array.from(points.subarray(n * dim, (n + 1) * dim));
    let bound = networkErrorBounds(model, x, pairs, spec.laplacian);
    const constraint = problem.hardConstraint;
    if (constraint !== undefined) {
      const values = hyperDualPartials(network, x, directions, pairs, false);
      bound = constrainedErrorBounds(
        { values, bounds: bound },
        constraint.offset ?? (() => 0),
        constraint.factor,
        x,
        pairs,
        spec.laplacian,
      );
    }

    column("u")[n] = bound.value;
    for (const i of spec.first) column(partialName(coordinates, [i]))[n] = bound.first[i];
    pairs.forEach(([i, j], p) => {
      column(partialName(coordinates, [i, j]))[n] = bound.second[p];
    });
    if (spec.laplacian) column("laplacian")[n] = bound.laplacian;
  }
  return bounds;
}

/** Returns `count` points uniform in the problem's domain box, row-major, drawn from `seed`. */
export function samplePoints(problem: Problem, count: number, seed: number): Float64Array {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`checkResidual: count must be an integer >= 1, received ${String(count)}`);
  }
  const random = new Random(seed);
  const points = new Float64Array(count * problem.dim);
  for (let n = 0; n < count; n++) {
    problem.domain.forEach(([lower, upper], i) => {
      points[n * problem.dim + i] = random.uniformIn(lower, upper);
    });
  }
  return points;
}

function validatePoints(problem: Problem, model: Mlp, points: Float64Array): void {
  if (model.inputs !== problem.dim || model.outputs !== 1) {
    throw new RangeError(
      `checkResidual: the model must map ${problem.dim} inputs to 1 output for ${problem.name}, received ${model.inputs} inputs and ${model.outputs} outputs`,
    );
  }
  if (points.length === 0 || points.length % problem.dim !== 0) {
    throw new RangeError(
      `checkResidual: points must be row-major with ${problem.dim} coordinates per point, received length ${points.length}`,
    );
  }
}

/** Formats the disagreement table of a residual report, one line per stream and path. */
export function formatDisagreements(report: ResidualReport): string {
  const lines = ["stream      path      max abs     max rel"];
  for (const d of report.disagreements) {
    lines.push(
      `${d.stream.padEnd(11)} ${d.path.padEnd(9)} ${formatNumber(d.maxAbsolute).padEnd(11)} ${formatNumber(d.maxRelative)}`,
    );
  }
  return lines.join("\n");
}
