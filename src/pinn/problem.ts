// A PDE problem: domain box, residual, conditions and exact solution, validated by definePde.

import type { Scalar } from "../dual/index.js";
import { rejectUnknownKeys } from "../siren/options.js";
import type { Tensor } from "../tape/index.js";
import { type JetSpec, normalizeSpec } from "../tape/jet.js";
import type { Fields } from "./fields.js";

/** A value given on the boundary: a constant or a function of the point's coordinates. */
export type PointValue = number | ((point: readonly number[]) => number);

/**
 * A face of the domain box: one coordinate fixed at its lower or upper bound,
 * written as `{ x: 0 }`.
 */
export type Face = Readonly<Record<string, number>>;

/** Fields every condition accepts. */
export interface ConditionCommon {
  /** Name of the loss term; defaults to a name built from the kind and the face. */
  name?: string;
  /** Number of sampled points on each face (a face of a 1-d domain is one point). */
  points?: number;
  /** Weight of the term in the loss; defaults to 1. */
  weight?: number;
}

/** u = value on the given faces; "boundary" means every face of the non-time coordinates. */
export interface DirichletCondition extends ConditionCommon {
  kind: "dirichlet";
  on: Face | readonly Face[] | "boundary";
  value: PointValue;
}

/** ∂u/∂n = value on the given faces, n being the outward normal. */
export interface NeumannCondition extends ConditionCommon {
  kind: "neumann";
  on: Face | readonly Face[] | "boundary";
  value: PointValue;
}

/**
 * u = value at the lower bound of the time coordinate, or of the only coordinate of a 1-d
 * problem without one.
 */
export interface InitialValueCondition extends ConditionCommon {
  kind: "initial";
  value: PointValue;
}

/** ∂u/∂t = value where `initial` applies (see InitialValueCondition). */
export interface InitialSlopeCondition extends ConditionCommon {
  kind: "initial-slope";
  value: PointValue;
}

/** u (and by default ∂u/∂coordinate) equal on the lower and upper faces of one coordinate. */
export interface PeriodicCondition extends ConditionCommon {
  kind: "periodic";
  coordinate: string;
  derivative?: boolean;
}

export type Condition =
  | DirichletCondition
  | NeumannCondition
  | InitialValueCondition
  | InitialSlopeCondition
  | PeriodicCondition;

/**
 * An output transform u = offset(x) + factor(x) · N(x) that satisfies conditions exactly.
 * Both functions are written with the generic ops of `siren-pinn/dual` so their partials
 * are exact; for u(0) = 0, u'(0) = 1 take offset = x and factor = x².
 */
export interface HardConstraint {
  offset?: (point: readonly Scalar[]) => Scalar;
  factor: (point: readonly Scalar[]) => Scalar;
}

/** Training settings a problem may choose for itself; every field can be overridden. */
export interface ProblemDefaults {
  omega0?: number;
  hiddenOmega?: "one" | "omega0";
  hidden?: number[];
  points?: number;
  steps?: number;
  lbfgs?: number;
  lr?: number;
  lrDecay?: number;
}

/** A partial derivative: "laplacian", a string of single-letter coordinate names, or a list. */
export type PartialRequest = string | readonly string[];

/** A problem as written by the user, the input of `definePde`. */
export interface ProblemDefinition {
  name: string;
  description?: string;
  /** Coordinate names in input order, e.g. ["x"] or ["x", "t"]. */
  coordinates: readonly string[];
  /** Bounds [lower, upper] per coordinate, in the order of `coordinates`. */
  domain: readonly (readonly [number, number])[];
  /** Partials the residual reads, e.g. ["xx"], ["t", "xx"], ["laplacian"]. */
  partials: readonly PartialRequest[];
  /** Residual r(x) per point as a tape tensor of shape [N, 1]; training drives it to zero. */
  residual: (fields: Fields) => Tensor;
  conditions?: readonly Condition[];
  exact?: (point: readonly number[]) => number;
  hardConstraint?: HardConstraint;
  /**
   * Time coordinate: "boundary" leaves its faces out and initial conditions sit at its lower
   * bound. Defaults to "t" when a coordinate has that name, else the problem has no time.
   */
  time?: string;
  defaults?: ProblemDefaults;
}

/** A validated problem: the definition plus what training derives from it. */
export interface Problem extends ProblemDefinition {
  readonly dim: number;
  /** Jet spec for the collocation points, derived from `partials`. */
  readonly spec: JetSpec;
  /** Highest derivative order the residual reads (1 or 2). */
  readonly order: number;
  readonly conditions: readonly Condition[];
  readonly time: string | undefined;
  /**
   * Coordinate whose lower bound `initial` and `initial-slope` refer to: the time coordinate,
   * or the only coordinate of a 1-d problem without time; undefined otherwise.
   */
  readonly initialCoordinate: string | undefined;
}

/** Keys of a problem definition, in the order of ProblemDefinition. */
const DEFINITION_KEYS = [
  "name",
  "description",
  "coordinates",
  "domain",
  "partials",
  "residual",
  "conditions",
  "exact",
  "hardConstraint",
  "time",
  "defaults",
  // Derived fields of a Problem, so that definePde({ ...problem, name }) re-validates a defined
  // problem. definePde recomputes them and ignores the values passed.
  "dim",
  "spec",
  "order",
  "initialCoordinate",
] as const;

const DEFAULTS_KEYS = [
  "omega0",
  "hiddenOmega",
  "hidden",
  "points",
  "steps",
  "lbfgs",
  "lr",
  "lrDecay",
];

const COMMON_CONDITION_KEYS = ["kind", "name", "points", "weight"];

/** Fields each condition kind accepts. */
const CONDITION_KEYS: Readonly<Record<Condition["kind"], readonly string[]>> = {
  dirichlet: [...COMMON_CONDITION_KEYS, "on", "value"],
  neumann: [...COMMON_CONDITION_KEYS, "on", "value"],
  initial: [...COMMON_CONDITION_KEYS, "value"],
  "initial-slope": [...COMMON_CONDITION_KEYS, "value"],
  periodic: [...COMMON_CONDITION_KEYS, "coordinate", "derivative"],
};

/** A problem definition that fails validation; the message names the field and the fix. */
export class ProblemDefinitionError extends TypeError {
  override name = "ProblemDefinitionError";
}

/**
 * Validates a problem definition and derives its jet spec.
 * Throws ProblemDefinitionError naming the field, what was expected and what was received.
 */
export function definePde(definition: ProblemDefinition): Problem {
  if (typeof definition !== "object" || definition === null) {
    throw new ProblemDefinitionError(
      `definePde: definition must be an object, received ${String(definition)}`,
    );
  }
  const where = `definePde(${JSON.stringify(definition.name)})`;
  checkKeys(where, "field", definition, DEFINITION_KEYS);
  if (definition.defaults !== undefined) {
    checkKeys(`${where}: defaults`, "field", definition.defaults, DEFAULTS_KEYS);
  }
  validateDomain(definition, where);
  validateFunctions(definition, where);

  const coordinates = definition.coordinates;
  const time = resolveTime(definition, where);
  const initialCoordinate = time ?? (coordinates.length === 1 ? coordinates[0] : undefined);
  const spec = deriveSpec(coordinates, definition.partials, where);
  const conditions = definition.conditions ?? [];
  if (!Array.isArray(conditions)) {
    throw new ProblemDefinitionError(
      `${where}: conditions must be an array of conditions, received ${typeof conditions}`,
    );
  }
  conditions.forEach((condition, index) => {
    validateCondition(condition, index, definition, time, initialCoordinate, where);
  });

  const order = spec.second.length > 0 || spec.laplacian ? 2 : 1;
  return {
    ...definition,
    dim: coordinates.length,
    spec,
    order,
    conditions,
    time,
    initialCoordinate,
  };
}

/** Rethrows rejectUnknownKeys' TypeError as a ProblemDefinitionError with the same message. */
function checkKeys(where: string, what: string, value: object, valid: readonly string[]): void {
  try {
    rejectUnknownKeys(where, what, value, valid);
  } catch (error) {
    throw new ProblemDefinitionError((error as Error).message);
  }
}

function validateFunctions(definition: ProblemDefinition, where: string): void {
  if (typeof definition.residual !== "function") {
    throw new ProblemDefinitionError(
      `${where}: residual must be a function (fields) => Tensor, received ${typeof definition.residual}; build it from the fields with tape ops, e.g. ({ u_xx }) => u_xx`,
    );
  }
  if (definition.exact !== undefined && typeof definition.exact !== "function") {
    throw new ProblemDefinitionError(
      `${where}: exact must be a function (point) => number, received ${typeof definition.exact}; leave it out when the exact solution is unknown`,
    );
  }
  const constraint = definition.hardConstraint;
  if (constraint === undefined) return;
  if (typeof constraint !== "object" || constraint === null) {
    throw new ProblemDefinitionError(
      `${where}: hardConstraint must be an object { offset?, factor }, received ${String(constraint)}`,
    );
  }
  checkKeys(`${where}: hardConstraint`, "field", constraint, ["offset", "factor"]);
  for (const name of ["offset", "factor"] as const) {
    const f = constraint[name];
    if ((name === "factor" || f !== undefined) && typeof f !== "function") {
      throw new ProblemDefinitionError(
        `${where}: hardConstraint.${name} must be a function of the point built with the ops of siren-pinn/dual, received ${typeof f}`,
      );
    }
  }
}

function validateDomain(definition: ProblemDefinition, where: string): void {
  const { coordinates, domain } = definition;
  if (typeof definition.name !== "string" || definition.name.length === 0) {
    throw new ProblemDefinitionError(`${where}: name must be a non-empty string`);
  }
  if (coordinates.length === 0) {
    throw new ProblemDefinitionError(`${where}: coordinates must name at least one coordinate`);
  }
  if (new Set(coordinates).size !== coordinates.length) {
    throw new ProblemDefinitionError(
      `${where}: coordinate names must be distinct, received ${JSON.stringify(coordinates)}`,
    );
  }
  for (const reserved of ["u", "laplacian"]) {
    if (coordinates.includes(reserved)) {
      throw new ProblemDefinitionError(
        `${where}: "${reserved}" is reserved for the solution's fields; rename that coordinate`,
      );
    }
  }
  if (domain.length !== coordinates.length) {
    throw new ProblemDefinitionError(
      `${where}: domain must give one [lower, upper] per coordinate (${coordinates.length}), received ${domain.length}`,
    );
  }
  domain.forEach(([lower, upper], i) => {
    if (!Number.isFinite(lower) || !Number.isFinite(upper) || !(lower < upper)) {
      throw new ProblemDefinitionError(
        `${where}: domain of "${coordinates[i]}" must be finite with lower < upper, received [${lower}, ${upper}]`,
      );
    }
    // The network maps [lower, upper] onto [−1, 1] with scale 2/(upper − lower).
    const width = upper - lower;
    if (!Number.isFinite(width) || !Number.isFinite(upper + lower) || !Number.isFinite(2 / width)) {
      throw new ProblemDefinitionError(
        `${where}: domain of "${coordinates[i]}" is [${lower}, ${upper}], whose width ${width} overflows the map onto [−1, 1] (2/(upper − lower) or upper ± lower is not finite); rescale "${coordinates[i]}" to a range of moderate size`,
      );
    }
  });
}

function resolveTime(definition: ProblemDefinition, where: string): string | undefined {
  const { coordinates } = definition;
  if (definition.time !== undefined) {
    if (!coordinates.includes(definition.time)) {
      throw new ProblemDefinitionError(
        `${where}: time must be one of the coordinates ${JSON.stringify(coordinates)}, received ${JSON.stringify(definition.time)}`,
      );
    }
    return definition.time;
  }
  if (coordinates.includes("t")) return "t";
  return undefined;
}

/**
 * Turns partial requests into a JetSpec: first partials, second partials as index pairs
 * (i <= j) and the Laplacian flag. Every direction of a second partial also gets its first
 * partial, because the jet rules for second partials need it.
 */
export function deriveSpec(
  coordinates: readonly string[],
  partials: readonly PartialRequest[],
  where = "deriveSpec",
): JetSpec {
  const first = new Set<number>();
  const second = new Map<string, [number, number]>();
  let laplacian = false;

  for (const request of partials) {
    if (request === "laplacian") {
      laplacian = true;
      for (let i = 0; i < coordinates.length; i++) first.add(i);
      continue;
    }
    const indices = parsePartial(coordinates, request, where);
    if (indices.length === 1) {
      first.add(indices[0]);
    } else {
      const [i, j] = indices[0] <= indices[1] ? indices : [indices[1], indices[0]];
      second.set(`${i},${j}`, [i, j]);
      first.add(i);
      first.add(j);
    }
  }

  return normalizeSpec({
    dim: coordinates.length,
    first: [...first],
    second: [...second.values()],
    laplacian,
  });
}

/** Parses "xx", "xt" or ["x", "t"] into coordinate indices (one or two of them). */
export function parsePartial(
  coordinates: readonly string[],
  request: PartialRequest,
  where = "parsePartial",
): number[] {
  let names: readonly string[];
  if (typeof request === "string") {
    const singleLetters = coordinates.every((name) => name.length === 1);
    if (!singleLetters && !coordinates.includes(request)) {
      throw new ProblemDefinitionError(
        `${where}: partial ${JSON.stringify(request)} is ambiguous with multi-letter coordinates; write it as a list such as ["${coordinates[0]}", "${coordinates[0]}"]`,
      );
    }
    names = singleLetters ? [...request] : [request];
  } else {
    names = request;
  }

  if (names.length < 1 || names.length > 2) {
    throw new ProblemDefinitionError(
      `${where}: partial ${JSON.stringify(request)} must be of order 1 or 2 (jets here carry up to second partials)`,
    );
  }
  return names.map((name) => {
    const index = coordinates.indexOf(name);
    if (index < 0) {
      throw new ProblemDefinitionError(
        `${where}: partial ${JSON.stringify(request)} names "${name}", which is not a coordinate; valid: ${coordinates.join(", ")}`,
      );
    }
    return index;
  });
}

function validateCondition(
  condition: Condition,
  index: number,
  definition: ProblemDefinition,
  time: string | undefined,
  initialCoordinate: string | undefined,
  where: string,
): void {
  if (typeof condition !== "object" || condition === null) {
    throw new ProblemDefinitionError(
      `${where}: conditions[${index}] must be an object such as { kind: "dirichlet", on: "boundary", value: 0 }, received ${String(condition)}`,
    );
  }
  const kind = (condition as { kind: unknown }).kind;
  const label = `${where}: conditions[${index}] (${typeof kind === "string" ? kind : "no kind"})`;
  if (!Object.hasOwn(CONDITION_KEYS, kind as string)) {
    throw new ProblemDefinitionError(
      `${label}: unknown kind ${JSON.stringify(kind)}; valid: ${Object.keys(CONDITION_KEYS).join(", ")}`,
    );
  }
  checkKeys(label, "field", condition, CONDITION_KEYS[condition.kind]);
  if (
    condition.weight !== undefined &&
    !(condition.weight >= 0 && Number.isFinite(condition.weight))
  ) {
    throw new ProblemDefinitionError(
      `${label}: weight must be finite and >= 0, received ${condition.weight}`,
    );
  }
  if (
    condition.points !== undefined &&
    !(Number.isInteger(condition.points) && condition.points >= 1)
  ) {
    throw new ProblemDefinitionError(
      `${label}: points must be an integer >= 1, received ${condition.points}`,
    );
  }

  switch (condition.kind) {
    case "dirichlet":
    case "neumann":
      validateOn(condition.on, definition, time, label);
      validateValue(condition, label);
      return;
    case "initial":
    case "initial-slope":
      if (initialCoordinate === undefined) {
        throw new ProblemDefinitionError(
          `${label}: initial conditions need a time coordinate, but no coordinate is named "t"; set "time" to one of ${definition.coordinates.join(", ")}`,
        );
      }
      validateValue(condition, label);
      return;
    case "periodic":
      if (!definition.coordinates.includes(condition.coordinate)) {
        throw new ProblemDefinitionError(
          `${label}: coordinate must be one of ${definition.coordinates.join(", ")}, received ${JSON.stringify(condition.coordinate)}`,
        );
      }
      return;
  }
}

function validateOn(
  on: unknown,
  definition: ProblemDefinition,
  time: string | undefined,
  label: string,
): void {
  const example = `{ ${definition.coordinates[0]}: ${definition.domain[0][0]} }`;
  if (on === "boundary") {
    if (definition.coordinates.every((name) => name === time)) {
      throw new ProblemDefinitionError(
        `${label}: "boundary" means the faces of the non-time coordinates, but the only coordinate "${time}" is time; name the faces, e.g. ${example}, or use kind "initial"`,
      );
    }
    return;
  }
  if (on === undefined || on === null || typeof on === "string") {
    throw new ProblemDefinitionError(
      `${label}: on must be "boundary", a face such as ${example} or a list of faces, received ${JSON.stringify(on) ?? "nothing"}`,
    );
  }
  const faces = Array.isArray(on) ? on : [on];
  if (faces.length === 0) {
    throw new ProblemDefinitionError(
      `${label}: on is an empty list of faces, so the condition would apply nowhere; list at least one face, e.g. [${example}], or remove the condition`,
    );
  }
  for (const face of faces) validateFace(face as Face, definition, label);
}

function validateValue(condition: { value?: unknown }, label: string): void {
  const value = condition.value;
  if (typeof value === "function") return;
  if (typeof value === "number" && Number.isFinite(value)) return;

  const received = typeof value === "number" ? String(value) : (JSON.stringify(value) ?? "nothing");
  throw new ProblemDefinitionError(
    `${label}: value must be a finite number or a function (point) => number, received ${received}; write value: 0 for a homogeneous condition`,
  );
}

function validateFace(face: Face, definition: ProblemDefinition, label: string): void {
  if (typeof face !== "object" || face === null || Array.isArray(face)) {
    throw new ProblemDefinitionError(
      `${label}: a face is an object fixing one coordinate, e.g. { ${definition.coordinates[0]}: ${definition.domain[0][0]} }, received ${JSON.stringify(face)}`,
    );
  }
  const keys = Object.keys(face);
  if (keys.length !== 1) {
    throw new ProblemDefinitionError(
      `${label}: a face fixes exactly one coordinate, e.g. { ${definition.coordinates[0]}: ${definition.domain[0][0]} }, received ${JSON.stringify(face)}`,
    );
  }
  const name = keys[0];
  const index = definition.coordinates.indexOf(name);
  if (index < 0) {
    throw new ProblemDefinitionError(
      `${label}: face ${JSON.stringify(face)} names "${name}", which is not a coordinate; valid: ${definition.coordinates.join(", ")}`,
    );
  }
  const [lower, upper] = definition.domain[index];
  if (face[name] !== lower && face[name] !== upper) {
    throw new ProblemDefinitionError(
      `${label}: face ${JSON.stringify(face)} must sit on a bound of "${name}" (${lower} or ${upper})`,
    );
  }
}
