// checkGradient: tape gradients against forward-mode directional derivatives and central differences.

import { Dual, newTag, primal, type Scalar } from "../dual/index.js";
import { Tape, type Tensor } from "../tape/index.js";
import {
  centralDifference,
  DEFAULT_EVALUATION_ROUNDINGS,
  differenceTolerance,
} from "./central-difference.js";
import { randomUnitVector } from "./directions.js";
import { allPass, assertReport, type Comparison, compare, type Report } from "./report.js";
import {
  applyOverride,
  closedFormTolerance,
  DEFAULT_AD_ROUNDINGS,
  type ToleranceOverride,
  UNIT_ROUNDOFF,
} from "./tolerance.js";

/**
 * A named parameter buffer, given as `data` or as `view` (the form of `Mlp.paramEntries`).
 * The loss registers it itself with `tape.param(name, buffer, shape)`.
 */
export type GradientParam =
  | { readonly name: string; readonly data: Float64Array }
  | { readonly name: string; readonly view: Float64Array };

/**
 * A loss recorded on a fresh tape. It must read the parameters from the buffers in the
 * `params` list (the check perturbs them in place and restores them afterwards).
 */
export type TapeLoss = (tape: Tape) => Tensor;

/**
 * The same loss written with the generic ops of `siren-pinn/dual`, taking every parameter as
 * one flat array of Scalars: the buffers of `params` concatenated in order. With
 * `params = model.paramEntries` that is `model.params` order, which `Mlp.evaluateScalar`
 * accepts as its second argument.
 */
export type ScalarLoss = (theta: readonly Scalar[]) => Scalar;

/** Options of `checkGradient`. */
export interface GradientCheckOptions {
  /** Scalar twin of the loss; when given, ⟨∇L, v⟩ is also compared with a Dual jvp. */
  scalarLoss?: ScalarLoss;
  /** Number of random unit directions v. Default 3. */
  directions?: number;
  /** Seed of the directions. Default 0. */
  seed?: number;
  /**
   * Coordinates compared one by one with a central difference, as flat indices into the
   * concatenated parameters, or "all". Default "all" when there are at most 32 parameters,
   * none otherwise.
   */
  coordinates?: readonly number[] | "all";
  /** Base step of the differences along v. Default: see `defaultStep`. */
  step?: number;
  /** Relative error of one loss evaluation in units of u. Default 16. */
  evaluationRoundings?: number;
  /** Rounding budget of the tape and Dual values in units of u·scale. Default 256. */
  adRoundings?: number;
  tolerance?: ToleranceOverride;
}

/** A gradient report: the tape gradient and the comparisons made with it. */
export interface GradientReport extends Report {
  readonly kind: "gradient";
  /** The tape gradient, concatenated in the order of `params`. */
  readonly gradient: Float64Array;
  /** The unit directions v used, each as long as the concatenated parameters. */
  readonly directions: readonly (readonly number[])[];
}

/**
 * Checks the tape gradient of `loss` with the dot-product test: for seeded random unit
 * directions v, ⟨∇L, v⟩ must equal d/dt L(θ + t·v) at t = 0 computed by a Richardson central
 * difference and, when `scalarLoss` is given, by a Dual number in parameter space. Small
 * parameter counts are also checked one coordinate at a time, which locates a wrong entry.
 */
export function checkGradient(
  loss: TapeLoss,
  params: readonly GradientParam[],
  options: GradientCheckOptions = {},
): GradientReport {
  validateParams(params);
  const adRoundings = options.adRoundings ?? DEFAULT_AD_ROUNDINGS;
  const buffers = params.map(bufferOf);
  const theta = concatenate(buffers);
  const gradient = tapeGradient(loss, params);

  const directions = Array.from({ length: options.directions ?? 3 }, (_, i) =>
    randomUnitVector(theta.length, (options.seed ?? 0) * 7919 + i),
  );
  const comparisons: Comparison[] = [];
  directions.forEach((v, i) => {
    comparisons.push(
      ...directionComparisons(loss, params, theta, gradient, v, `v${i}`, options, adRoundings),
    );
  });

  for (const index of selectCoordinates(options.coordinates, theta.length)) {
    const v = new Array<number>(theta.length).fill(0);
    v[index] = 1;
    const label = `∂L/∂${coordinateName(params, index)}`;
    comparisons.push(
      differenceComparison(loss, params, theta, gradient, v, label, options, adRoundings),
    );
  }

  return {
    kind: "gradient",
    title: `checkGradient over ${theta.length} parameters`,
    gradient,
    directions,
    comparisons,
    pass: allPass(comparisons),
  };
}

/** Runs `checkGradient` and throws a VerificationError with the report's table unless it passed. */
export function assertGradient(
  loss: TapeLoss,
  params: readonly GradientParam[],
  options: GradientCheckOptions = {},
): GradientReport {
  const report = checkGradient(loss, params, options);
  assertReport(report);
  return report;
}

function directionComparisons(
  loss: TapeLoss,
  params: readonly GradientParam[],
  theta: Float64Array,
  gradient: Float64Array,
  v: readonly number[],
  label: string,
  options: GradientCheckOptions,
  adRoundings: number,
): Comparison[] {
  const comparisons = [
    differenceComparison(loss, params, theta, gradient, v, `⟨∇L, ${label}⟩`, options, adRoundings),
  ];
  if (options.scalarLoss === undefined) return comparisons;

  const { value, scale } = dot(gradient, v);
  const jvp = dualDirectional(options.scalarLoss, theta, v);
  // Two forward/reverse evaluations of the same sum: their rounding scales with Σ|g_i v_i|.
  const tolerance = closedFormTolerance(Math.max(scale, Math.abs(jvp)), adRoundings);
  comparisons.push(
    compare(`⟨∇L, ${label}⟩`, value, jvp, "Dual jvp", applyOverride(tolerance, options.tolerance)),
  );
  return comparisons;
}

function differenceComparison(
  loss: TapeLoss,
  params: readonly GradientParam[],
  theta: Float64Array,
  gradient: Float64Array,
  v: readonly number[],
  label: string,
  options: GradientCheckOptions,
  adRoundings: number,
): Comparison {
  const { value, scale } = dot(gradient, v);

  // Rounding θ_i + t·v_i perturbs L by up to u·Σ|θ_i ∂L/∂θ_i| per evaluation.
  let argumentError = 0;
  for (let i = 0; i < theta.length; i++) {
    if (v[i] !== 0) argumentError += UNIT_ROUNDOFF * Math.abs(theta[i] * gradient[i]);
  }
  const along = (t: number): number => evaluateAt(loss, params, theta, v, t);
  const difference = centralDifference(along, 0, 1, {
    step: options.step,
    evaluationRoundings: options.evaluationRoundings ?? DEFAULT_EVALUATION_ROUNDINGS,
    absoluteEvaluationError: argumentError,
  });

  const tolerance = differenceTolerance(
    difference,
    Math.max(scale, Math.abs(difference.estimate)),
    adRoundings,
  );
  return compare(
    label,
    value,
    difference.estimate,
    "central difference",
    applyOverride(tolerance, options.tolerance),
  );
}

function tapeGradient(loss: TapeLoss, params: readonly GradientParam[]): Float64Array {
  const tape = new Tape();
  const output = loss(tape);
  const gradients = tape.backward(output);

  const gradient = new Float64Array(params.reduce((n, p) => n + bufferOf(p).length, 0));
  let offset = 0;
  for (const param of params) {
    const g = gradients.get(param.name);
    if (g === undefined) {
      throw new RangeError(
        `checkGradient: the loss did not register a parameter named "${param.name}"; register every entry of params with tape.param(name, data, shape)`,
      );
    }
    gradient.set(g, offset);
    offset += g.length;
  }
  return gradient;
}

// L(θ + t·v) on a fresh tape; the parameter buffers are restored before returning.
function evaluateAt(
  loss: TapeLoss,
  params: readonly GradientParam[],
  theta: Float64Array,
  v: readonly number[],
  t: number,
): number {
  let offset = 0;
  for (const param of params) {
    const buffer = bufferOf(param);
    for (let i = 0; i < buffer.length; i++) buffer[i] = theta[offset + i] + t * v[offset + i];
    offset += buffer.length;
  }

  const tape = new Tape();
  try {
    return loss(tape).item();
  } finally {
    tape.release();
    restore(params, theta);
  }
}

function dualDirectional(
  scalarLoss: ScalarLoss,
  theta: Float64Array,
  v: readonly number[],
): number {
  // One tag for every parameter: the perturbation is θ + ε·v as a whole.
  const tag = newTag();
  const seeded = Array.from(theta, (value, i) => new Dual(value, v[i], tag));
  const output = scalarLoss(seeded);
  return output instanceof Dual && output.tag === tag ? primal(output.tangent) : 0;
}

function dot(g: Float64Array, v: readonly number[]): { value: number; scale: number } {
  let value = 0;
  let scale = 0;
  for (let i = 0; i < g.length; i++) {
    value += g[i] * v[i];
    scale += Math.abs(g[i] * v[i]);
  }
  return { value, scale };
}

function selectCoordinates(choice: readonly number[] | "all" | undefined, count: number): number[] {
  if (choice === "all" || (choice === undefined && count <= 32)) {
    return Array.from({ length: count }, (_, i) => i);
  }
  if (choice === undefined) return [];

  for (const index of choice) {
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(
        `checkGradient: coordinates must be flat indices in [0, ${count - 1}], received ${String(index)}`,
      );
    }
  }
  return [...choice];
}

function coordinateName(params: readonly GradientParam[], index: number): string {
  let offset = 0;
  for (const param of params) {
    const length = bufferOf(param).length;
    if (index < offset + length) return `${param.name}[${index - offset}]`;
    offset += length;
  }
  return `θ[${index}]`;
}

function concatenate(buffers: readonly Float64Array[]): Float64Array {
  const total = buffers.reduce((n, b) => n + b.length, 0);
  const out = new Float64Array(total);
  let offset = 0;
  for (const buffer of buffers) {
    out.set(buffer, offset);
    offset += buffer.length;
  }
  return out;
}

function restore(params: readonly GradientParam[], theta: Float64Array): void {
  let offset = 0;
  for (const param of params) {
    const buffer = bufferOf(param);
    buffer.set(theta.subarray(offset, offset + buffer.length));
    offset += buffer.length;
  }
}

function validateParams(params: readonly GradientParam[]): void {
  if (!Array.isArray(params) || params.length === 0) {
    throw new TypeError(
      "checkGradient: params must be a non-empty list of { name, data: Float64Array }, for example model.paramEntries mapped to { name, data: view }",
    );
  }
  const names = new Set<string>();
  for (const param of params) {
    const buffer = "data" in param ? param.data : (param as { view?: unknown }).view;
    if (!(buffer instanceof Float64Array)) {
      throw new TypeError(
        `checkGradient: params entry "${param.name}" must have a Float64Array as data or view`,
      );
    }
    if (names.has(param.name)) {
      throw new TypeError(
        `checkGradient: params lists "${param.name}" twice; give each buffer one entry`,
      );
    }
    names.add(param.name);
  }
}

function bufferOf(param: GradientParam): Float64Array {
  return "data" in param ? param.data : param.view;
}
