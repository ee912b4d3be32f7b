// Condition terms: sampled points on faces of the domain and the per-point residual of each condition.

import { Random } from "../siren/random.js";
import type { Tape, Tensor } from "../tape/index.js";
import { concat, neg, slice, sub } from "../tape/index.js";
import type { JetSpec } from "../tape/jet.js";
import type { Condition, Face, PointValue, Problem } from "./problem.js";

/** Rows of the shared condition batch that one face contributes, and their residual. */
export interface ConditionBlock {
  start: number;
  rows: number;
  /** Per-point residual [rows, 1] from the value and first partials of those rows. */
  residual(tape: Tape, u: Tensor, first: (direction: number) => Tensor): Tensor;
}

/** One named, weighted loss term made of blocks. */
export interface ConditionTerm {
  name: string;
  weight: number;
  blocks: ConditionBlock[];
}

/** Every condition of a problem evaluated on one batch of points. */
export interface ConditionBatch {
  /** Row-major points (rows × dim). */
  points: Float64Array;
  rows: number;
  /** Jet spec for the batch: only first partials, the ones some condition reads. */
  spec: JetSpec;
  terms: ConditionTerm[];
}

/** Default number of points on a face of dimension >= 1. */
export const DEFAULT_CONDITION_POINTS = 64;

interface FaceRef {
  index: number;
  side: "lower" | "upper";
}

/**
 * Samples each condition's points and builds its residual. A face of a 1-d domain is one
 * point, a face of a 2-d domain gets evenly spaced points including its ends, higher faces get
 * seeded uniform samples.
 */
export function compileConditions(
  problem: Problem,
  seed: number,
  defaultPoints = DEFAULT_CONDITION_POINTS,
): ConditionBatch {
  const random = new Random(seed);
  const rows: number[][] = [];
  const terms: ConditionTerm[] = [];
  const directions = new Set<number>();
  const usedNames = new Map<string, number>();

  for (const condition of problem.conditions) {
    const count = condition.points ?? defaultPoints;
    const blocks: ConditionBlock[] = [];
    for (const face of conditionFaces(problem, condition)) {
      const facePoints = sampleFace(problem, face.index, face.side, count, random);
      const block = makeBlock(condition, face.index, face.side, facePoints, rows.length);
      for (const point of facePoints) rows.push(point);
      if (condition.kind === "periodic") {
        // The block's second half: the same points moved to the upper face.
        for (const point of facePoints) {
          rows.push(withCoordinate(point, face.index, problem.domain[face.index][1]));
        }
      }
      blocks.push(block);
      if (needsFirstPartial(condition)) directions.add(face.index);
    }
    terms.push({
      name: uniqueName(conditionName(problem, condition), usedNames),
      weight: condition.weight ?? 1,
      blocks,
    });
  }

  const points = new Float64Array(rows.length * problem.dim);
  rows.forEach((point, n) => {
    points.set(point, n * problem.dim);
  });
  const spec: JetSpec = {
    dim: problem.dim,
    first: [...directions].sort((a, b) => a - b),
    second: [],
    laplacian: false,
  };
  return { points, rows: rows.length, spec, terms };
}

function needsFirstPartial(condition: Condition): boolean {
  return (
    condition.kind === "neumann" ||
    condition.kind === "initial-slope" ||
    (condition.kind === "periodic" && condition.derivative !== false)
  );
}

function conditionFaces(problem: Problem, condition: Condition): FaceRef[] {
  const faces: FaceRef[] = [];
  switch (condition.kind) {
    case "dirichlet":
    case "neumann":
      if (condition.on === "boundary") {
        problem.coordinates.forEach((name, index) => {
          if (name === problem.time) return;
          faces.push({ index, side: "lower" }, { index, side: "upper" });
        });
      } else {
        for (const face of faceList(condition.on)) {
          const [name, value] = Object.entries(face)[0];
          const index = problem.coordinates.indexOf(name);
          faces.push({ index, side: value === problem.domain[index][0] ? "lower" : "upper" });
        }
      }
      break;
    case "initial":
    case "initial-slope":
      faces.push({
        index: problem.coordinates.indexOf(problem.initialCoordinate as string),
        side: "lower",
      });
      break;
    case "periodic":
      faces.push({ index: problem.coordinates.indexOf(condition.coordinate), side: "lower" });
      break;
  }
  return faces;
}

function sampleFace(
  problem: Problem,
  index: number,
  side: "lower" | "upper",
  count: number,
  random: Random,
): number[][] {
  const fixed = problem.domain[index][side === "lower" ? 0 : 1];
  const free = problem.coordinates.map((_, i) => i).filter((i) => i !== index);

  if (free.length === 0) return [[fixed]];

  const points: number[][] = [];
  for (let n = 0; n < count; n++) {
    const point = new Array<number>(problem.dim);
    point[index] = fixed;
    for (const i of free) {
      const [lower, upper] = problem.domain[i];
      point[i] =
        free.length === 1
          ? lower + ((upper - lower) * n) / Math.max(count - 1, 1)
          : random.uniformIn(lower, upper);
    }
    points.push(point);
  }
  return points;
}

function withCoordinate(point: number[], index: number, value: number): number[] {
  const copy = point.slice();
  copy[index] = value;
  return copy;
}

function makeBlock(
  condition: Condition,
  index: number,
  side: "lower" | "upper",
  points: number[][],
  start: number,
): ConditionBlock {
  const rows = points.length;
  const targets = condition.kind === "periodic" ? null : targetValues(condition.value, points);
  // Outward normal derivative: -∂u/∂x_i on the lower face, +∂u/∂x_i on the upper face.
  const sign = side === "lower" ? -1 : 1;

  switch (condition.kind) {
    case "dirichlet":
    case "initial":
      return {
        start,
        rows,
        residual: (tape, u) => sub(u, tape.constant(targets as Float64Array, [rows, 1])),
      };
    case "neumann":
      return {
        start,
        rows,
        residual: (tape, _, first) => {
          const normal = sign === 1 ? first(index) : neg(first(index));
          return sub(normal, tape.constant(targets as Float64Array, [rows, 1]));
        },
      };
    case "initial-slope":
      return {
        start,
        rows,
        residual: (tape, _, first) =>
          sub(first(index), tape.constant(targets as Float64Array, [rows, 1])),
      };
    case "periodic": {
      const derivative = condition.derivative !== false;
      return {
        start,
        rows: 2 * rows,
        residual: (_, u, first) => {
          const jump = sub(slice(u, 0, rows), slice(u, rows, 2 * rows));
          if (!derivative) return jump;
          const slope = first(index);
          return concat([jump, sub(slice(slope, 0, rows), slice(slope, rows, 2 * rows))], 0);
        },
      };
    }
  }
}

function targetValues(value: PointValue, points: number[][]): Float64Array {
  const targets = new Float64Array(points.length);
  points.forEach((point, n) => {
    if (typeof value === "number") {
      targets[n] = value;
    } else {
      targets[n] = value(point);
    }
  });
  return targets;
}

function conditionName(problem: Problem, condition: Condition): string {
  if (condition.name !== undefined) return condition.name;
  switch (condition.kind) {
    case "dirichlet":
    case "neumann":
      if (condition.on === "boundary") return `${condition.kind} boundary`;
      return `${condition.kind} ${faceList(condition.on)
        .map((face) => {
          const [name, value] = Object.entries(face)[0];
          return `${name}=${formatBound(value)}`;
        })
        .join(",")}`;
    case "initial":
      return `initial ${problem.initialCoordinate}=${formatBound(lowerOfInitial(problem))}`;
    case "initial-slope":
      return `initial-slope ${problem.initialCoordinate}=${formatBound(lowerOfInitial(problem))}`;
    case "periodic":
      return `periodic ${condition.coordinate}`;
  }
}

function faceList(on: Face | readonly Face[]): readonly Face[] {
  return Array.isArray(on) ? (on as readonly Face[]) : [on as Face];
}

function lowerOfInitial(problem: Problem): number {
  return problem.domain[problem.coordinates.indexOf(problem.initialCoordinate as string)][0];
}

function formatBound(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

function uniqueName(name: string, used: Map<string, number>): string {
  const seen = used.get(name) ?? 0;
  used.set(name, seen + 1);
  return seen === 0 ? name : `${name} #${seen + 1}`;
}
