// SVG figures of runs: solution against the exact one, pointwise error, loss curves, and a comparison.

import { predict } from "../pinn/evaluate.js";
import { heatmap } from "../pinn/plot/heatmap.js";
import { type LineSeries, linePlot, SERIES_COLORS } from "../pinn/plot/line-plot.js";
import type { Problem } from "../pinn/problem.js";
import { gridPoints } from "../pinn/sampling/grid.js";
import type { TrainResult } from "../pinn/train.js";

/** A run and the label its curves carry. */
export interface LabelledRun {
  label: string;
  result: TrainResult;
}

/** Colour and dash pattern of the exact solution, so it reads apart from every run's colour. */
const EXACT_STYLE = { color: "#000000", dash: "6 4" } as const;

/** Returns the colour of the run at `index`, the same in every comparison figure. */
function runColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length];
}

/** Points along x of a profile. */
const PROFILE_POINTS = 401;
/** Grid points per axis of the heatmaps of a 2-d problem. */
const MAP_POINTS = 81;
/** Loss curves keep at most this many points, evenly strided, so the SVG stays small. */
const MAX_CURVE_POINTS = 600;

/** A 1-d cut through the domain: x varies, the other coordinates are fixed. */
interface Profile {
  /** Suffix of the legend, such as "t=0.5"; empty for a 1-d problem. */
  name: string;
  x: Float64Array;
  points: Float64Array;
}

/**
 * Cuts along the first coordinate: the whole domain in 1-d, and in higher dimensions the
 * lower bound, the middle and the upper bound of the second coordinate (others at their middle).
 */
function profiles(problem: Problem): Profile[] {
  const [lower, upper] = problem.domain[0];
  const x = Float64Array.from(
    { length: PROFILE_POINTS },
    (_, n) => lower + ((upper - lower) * n) / (PROFILE_POINTS - 1),
  );
  x[PROFILE_POINTS - 1] = upper;
  const cut = (fixed: number[]): Float64Array => {
    const points = new Float64Array(PROFILE_POINTS * problem.dim);
    x.forEach((value, n) => {
      points[n * problem.dim] = value;
      fixed.forEach((other, i) => {
        points[n * problem.dim + i + 1] = other;
      });
    });
    return points;
  };

  if (problem.dim === 1) return [{ name: "", x, points: cut([]) }];
  const middle = problem.domain.slice(2).map(([lo, hi]) => (lo + hi) / 2);
  const [lo, hi] = problem.domain[1];
  return [lo, (lo + hi) / 2, hi].map((value) => ({
    name: `${problem.coordinates[1]}=${Number(value.toPrecision(4))}`,
    x,
    points: cut([value, ...middle]),
  }));
}

function exactValues(problem: Problem, points: Float64Array): Float64Array | null {
  const exact = problem.exact;
  if (exact === undefined) return null;
  const count = points.length / problem.dim;
  return Float64Array.from({ length: count }, (_, n) =>
    exact(Array.from(points.subarray(n * problem.dim, (n + 1) * problem.dim))),
  );
}

function withSuffix(name: string, suffix: string): string {
  return suffix === "" ? name : `${name} (${suffix})`;
}

/** Returns [name, svg] pairs for one run: "solution", "error" (with an exact solution) and "loss". */
export function runFigures(
  problem: Problem,
  label: string,
  result: TrainResult,
): [string, string][] {
  const solution: LineSeries[] = [];
  const error: LineSeries[] = [];
  const cuts = profiles(problem);
  cuts.forEach((profile, index) => {
    const predicted = predict(problem, result.model, profile.points);
    const exact = exactValues(problem, profile.points);
    // Each cut has one colour; its exact curve is dashed in that colour (black for one cut).
    const color = runColor(index);
    solution.push({ name: withSuffix(label, profile.name), x: profile.x, y: predicted, color });
    if (exact !== null) {
      const style = cuts.length === 1 ? EXACT_STYLE : { color, dash: EXACT_STYLE.dash };
      solution.push({ name: withSuffix("exact", profile.name), x: profile.x, y: exact, ...style });
      error.push({
        name: withSuffix("|u − u*|", profile.name),
        x: profile.x,
        y: predicted.map((value, n) => Math.abs(value - exact[n])),
        color,
      });
    }
  });

  const xLabel = problem.coordinates[0];
  const figures: [string, string][] = [
    [
      "solution",
      linePlot({ series: solution, title: `${problem.name}: ${label}`, xLabel, yLabel: "u" }),
    ],
  ];
  if (error.length > 0) {
    figures.push([
      "error",
      linePlot({
        series: error,
        title: `${problem.name}: pointwise error, ${label}`,
        xLabel,
        yLabel: "|u − u*|",
        logY: true,
      }),
    ]);
  }
  if (problem.dim === 2) figures.push(...mapFigures(problem, label, result));
  figures.push([
    "loss",
    linePlot({
      series: lossSeries(result),
      title: `${problem.name}: loss, ${label}`,
      xLabel: "step",
      yLabel: "loss",
      logY: true,
    }),
  ]);
  return figures;
}

/** Heatmaps of a 2-d problem: "solution-map" and, with an exact solution, "error-map". */
function mapFigures(problem: Problem, label: string, result: TrainResult): [string, string][] {
  const points = gridPoints(problem.domain, MAP_POINTS);
  const predicted = predict(problem, result.model, points);
  const exact = exactValues(problem, points);
  const frame = {
    nx: MAP_POINTS,
    ny: MAP_POINTS,
    xRange: problem.domain[0],
    yRange: problem.domain[1],
    xLabel: problem.coordinates[0],
    yLabel: problem.coordinates[1],
  };

  const figures: [string, string][] = [
    [
      "solution-map",
      heatmap({
        ...frame,
        values: predicted,
        title: `${problem.name}: u, ${label}`,
        valueLabel: "u",
      }),
    ],
  ];
  if (exact !== null) {
    const error = predicted.map((value, n) => Math.abs(value - exact[n]));
    figures.push([
      "error-map",
      heatmap({
        ...frame,
        values: error,
        title: `${problem.name}: |u − u*|, ${label}`,
        valueLabel: "|u − u*|",
      }),
    ]);
  }
  return figures;
}

/** Builds the curves of the total loss and each term, strided to at most MAX_CURVE_POINTS points. */
function lossSeries(result: TrainResult): LineSeries[] {
  const history = strided(result.history);
  const steps = history.map((entry) => entry.step);
  const names = Object.keys(result.history[0]?.terms ?? {});
  return [
    { name: "loss", x: steps, y: history.map((entry) => entry.loss) },
    ...names.map((name) => ({
      name,
      x: steps,
      y: history.map((entry) => entry.terms[name] ?? Number.NaN),
    })),
  ];
}

function strided<T>(values: readonly T[]): T[] {
  if (values.length <= MAX_CURVE_POINTS) return [...values];
  const stride = Math.ceil(values.length / MAX_CURVE_POINTS);
  const kept = values.filter((_, n) => n % stride === 0);
  const last = values[values.length - 1] as T;
  if (kept[kept.length - 1] !== last) kept.push(last);
  return kept;
}

/**
 * Returns the comparison figures of several runs: every run's solution against the exact one
 * (along the first profile) and every run's loss curve. Empty when there are no runs.
 */
export function comparisonFigures(
  problem: Problem,
  runs: readonly LabelledRun[],
): [string, string][] {
  if (runs.length === 0) return [];
  const profile = profiles(problem)[comparedProfileIndex(problem)];
  const exact = exactValues(problem, profile.points);
  const predictions = runs.map((run) => predict(problem, run.result.model, profile.points));

  // Each run keeps one colour in every figure. The exact curve is drawn last, dashed, so
  // it stays visible where a run matches it.
  const solution: LineSeries[] = runs.map((run, index) => ({
    name: run.label,
    x: profile.x,
    y: predictions[index],
    color: runColor(index),
  }));
  if (exact !== null) solution.push({ name: "exact", x: profile.x, y: exact, ...EXACT_STYLE });

  const losses: LineSeries[] = runs.map((run, index) => {
    const history = strided(run.result.history);
    return {
      name: run.label,
      x: history.map((entry) => entry.step),
      y: history.map((entry) => entry.loss),
      color: runColor(index),
    };
  });

  const where = profile.name === "" ? "" : ` at ${profile.name}`;
  const xLabel = problem.coordinates[0];
  const figures: [string, string][] = [
    [
      "comparison",
      linePlot({
        series: solution,
        title: `${problem.name}: solutions${where}`,
        xLabel,
        yLabel: "u",
      }),
    ],
  ];
  if (exact !== null) {
    const errors: LineSeries[] = runs.map((run, index) => ({
      name: run.label,
      x: profile.x,
      y: predictions[index].map((value, n) => Math.abs(value - exact[n])),
      color: runColor(index),
    }));
    figures.push([
      "comparison-error",
      linePlot({
        series: errors,
        title: `${problem.name}: pointwise error${where}`,
        xLabel,
        yLabel: "|u − u*|",
        logY: true,
      }),
    ]);
  }
  figures.push([
    "comparison-loss",
    linePlot({
      series: losses,
      title: `${problem.name}: loss`,
      xLabel: "step",
      yLabel: "loss",
      logY: true,
    }),
  ]);
  return figures;
}

/** Index of the profile the comparison draws: the last cut (latest time) in 2-d, the only one in 1-d. */
function comparedProfileIndex(problem: Problem): number {
  return problem.dim === 1 ? 0 : 2;
}
