// The shipped problems by name, with their parameters, for the library and the CLI.

import type { Problem } from "../problem.js";
import { harmonic } from "./harmonic.js";
import { heat } from "./heat.js";
import { oscillatorK } from "./oscillator-k.js";
import { poisson1d } from "./poisson-1d.js";
import { poisson2d } from "./poisson-2d.js";
import { wave } from "./wave.js";

export type { HeatOptions } from "./heat.js";
export type { OscillatorOptions } from "./oscillator-k.js";
export type { WaveOptions } from "./wave.js";
export { harmonic, heat, oscillatorK, poisson1d, poisson2d, wave };

/** A numeric parameter of a shipped problem. */
export interface ProblemParameter {
  default: number;
  description: string;
}

/** A shipped problem: its name, a one-line summary, its parameters and a factory. */
export interface ProblemEntry {
  name: string;
  summary: string;
  parameters: Readonly<Record<string, ProblemParameter>>;
  create(parameters?: Readonly<Record<string, number>>): Problem;
}

/** Every shipped problem, in the order `siren-pinn problems` lists them. */
export const PROBLEMS: readonly ProblemEntry[] = [
  {
    name: "harmonic",
    summary: "u'' + u = 0 on [0, 2π], u(0) = 0, u'(0) = 1; exact sin x",
    parameters: {},
    create: () => harmonic(),
  },
  {
    name: "oscillator-k",
    summary: "u'' + k²u = 0 on [0, 2π], u(0) = 0, u'(0) = k; exact sin(kx)",
    parameters: { k: { default: 8, description: "angular frequency" } },
    create: (parameters = {}) => oscillatorK({ k: parameters.k }),
  },
  {
    name: "poisson-1d",
    summary: "−u'' = f on [−1, 1], u(±1) = 0; exact sin(πx) + 0.1 sin(8πx)",
    parameters: {},
    create: () => poisson1d(),
  },
  {
    name: "poisson-2d",
    summary: "−Δu = 2π² sin(πx) sin(πy) on [0, 1]², u = 0 on the boundary",
    parameters: {},
    create: () => poisson2d(),
  },
  {
    name: "heat",
    summary: "u_t = α u_xx on [0, 1]², exact sin(πx) exp(−απ²t)",
    parameters: { alpha: { default: 0.1, description: "diffusivity" } },
    create: (parameters = {}) => heat({ alpha: parameters.alpha }),
  },
  {
    name: "wave",
    summary: "u_tt = c² u_xx on [0, 1]², exact sin(πx) cos(cπt)",
    parameters: { c: { default: 1, description: "wave speed" } },
    create: (parameters = {}) => wave({ c: parameters.c }),
  },
];

/** Names of the shipped problems. */
export const PROBLEM_NAMES: readonly string[] = PROBLEMS.map((entry) => entry.name);

/**
 * Returns the shipped problem `name`, or throws a RangeError listing the valid names.
 * Unknown parameters throw a RangeError listing the problem's parameters.
 */
export function getProblem(
  name: string,
  parameters: Readonly<Record<string, number>> = {},
): Problem {
  const entry = PROBLEMS.find((candidate) => candidate.name === name);
  if (entry === undefined) {
    throw new RangeError(
      `getProblem: unknown problem ${JSON.stringify(name)}; valid: ${PROBLEM_NAMES.join(", ")}`,
    );
  }
  for (const key of Object.keys(parameters)) {
    if (!(key in entry.parameters)) {
      const valid = Object.keys(entry.parameters);
      throw new RangeError(
        `getProblem: problem ${name} has no parameter ${JSON.stringify(key)}; valid: ${valid.length > 0 ? valid.join(", ") : "(none)"}`,
      );
    }
  }
  return entry.create(parameters);
}
