// A PDE problem: domain box, residual, conditions and exact solution, validated by definePde.

import type { Scalar } from "../dual/index.js";
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
  value?: PointValue;
}

/** ∂u/∂n = value on the given faces, n being the outward normal. */
export interface NeumannCondition extends ConditionCommon {
  kind: "neumann";
  on: Face | readonly Face[] | "boundary";
  value?: PointValue;
}

/** u = value at the start of the time coordinate. */
export interface InitialValueCondition extends ConditionCommon {
  kind: "initial";
  value?: PointValue;
}

/** ∂u/∂t = value at the start of the time coordinate. */
export interface InitialSlopeCondition extends ConditionCommon {
  kind: "initial-slope";
  value?: PointValue;
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
  /** Coordinate that initial conditions refer to: "t" when present, else the only coordinate. */
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
}

/** A problem definition that fails validation; the message names the field and the fix. */
export class ProblemDefinitionError extends TypeError {
  override name = "ProblemDefinitionError";
}

/**
 * Validates a problem definition and derives its jet spec.
 * Throws ProblemDefinitionError naming the field, what was expected and what was received.
 */
export function definePde(definition: ProblemDefinition): Problem {
  const where = `definePde(${JSON.stringify(definition.name)})`;
  validateDomain(definition, where);

  const coordinates = definition.coordinates;
  const time = resolveTime(definition, where);
  const spec = deriveSpec(coordinates, definition.partials, where);
  const conditions = definition.conditions ?? [];
  for (const condition of conditions) validateCondition(condition, definition, time, where);

  const order = spec.second.length > 0 || spec.laplacian ? 2 : 1;
  return { ...definition, dim: coordinates.length, spec, order, conditions, time };
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
  if (coordinates.length === 1) return coordinates[0];
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
  definition: ProblemDefinition,
  time: string | undefined,
  where: string,
): void {
  const label = `${where}: condition ${condition.name ?? condition.kind}`;
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
      if (condition.on !== "boundary") {
        const faces = Array.isArray(condition.on) ? condition.on : [condition.on as Face];
        for (const face of faces) validateFace(face, definition, label);
      } else if (definition.coordinates.every((name) => name === time)) {
        throw new ProblemDefinitionError(
          `${label}: "boundary" means the faces of the non-time coordinates, but every coordinate is time; name the faces, e.g. { ${definition.coordinates[0]}: ${definition.domain[0][0]} }`,
        );
      }
      return;
    case "initial":
    case "initial-slope":
      if (time === undefined) {
        throw new ProblemDefinitionError(
          `${label}: initial conditions need a time coordinate; set "time" to one of ${definition.coordinates.join(", ")}`,
        );
      }
      return;
    case "periodic":
      if (!definition.coordinates.includes(condition.coordinate)) {
        throw new ProblemDefinitionError(
          `${label}: coordinate must be one of ${definition.coordinates.join(", ")}, received ${JSON.stringify(condition.coordinate)}`,
        );
      }
      return;
    default: {
      const kind = (condition as { kind: unknown }).kind;
      throw new ProblemDefinitionError(
        `${label}: unknown kind ${JSON.stringify(kind)}; valid: dirichlet, neumann, initial, initial-slope, periodic`,
      );
    }
  }
}

function validateFace(face: Face, definition: ProblemDefinition, label: string): void {
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
