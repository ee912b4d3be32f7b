// Options of a multilayer perceptron, their defaults and their validation.

import { type Activation, isActivation } from "./activation.js";
import { type DomainBox, validateDomain } from "./domain.js";
import type { BiasInit, HiddenOmega } from "./init.js";

/** Options of `createMlp`. Only the widths and the activation are required. */
export interface MlpOptions {
  /** Number of input coordinates d. */
  inputs: number;
  /** Width of each hidden layer, at least one layer. */
  hidden: readonly number[];
  /** Number of outputs; the output layer is linear. */
  outputs: number;
  activation: Activation;
  /** Frequency ω0 of the first sine layer (sine only). Default `DEFAULT_OMEGA0`. */
  omega0?: number;
  /** ω of the later sine layers: ω0 ("omega0", as in the SIREN paper) or 1 ("one"). Default "one". */
  hiddenOmega?: HiddenOmega;
  /** Seed of the weight draws. Default 0. */
  seed?: number;
  /** Box [lo, hi] per input mapped onto [−1, 1] before the first layer. Default: no mapping. */
  domain?: DomainBox;
  /** Bias start: "zero" (default) or "uniform" on ±1/√(fan-in). */
  biasInit?: BiasInit;
}

/** Options with every default filled in; `domain` is null when inputs are used as given. */
export interface ResolvedMlpOptions {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly outputs: number;
  readonly activation: Activation;
  readonly omega0: number;
  readonly hiddenOmega: HiddenOmega;
  readonly seed: number;
  readonly domain: DomainBox | null;
  readonly biasInit: BiasInit;
}

/**
 * Default ω0, the value of the SIREN paper (Sitzmann et al. 2020). It suits a solution with
 * up to about ω0/π half-periods across the normalised domain [−1, 1]. A smoother solution
 * may train better with a smaller ω0, so set it per problem.
 */
export const DEFAULT_OMEGA0 = 30;

/** Default placement of ω in the later sine layers. */
export const DEFAULT_HIDDEN_OMEGA: HiddenOmega = "one";

/** Keys `createMlp` accepts, in the order of `MlpOptions`. */
export const MLP_OPTION_KEYS = [
  "inputs",
  "hidden",
  "outputs",
  "activation",
  "omega0",
  "hiddenOmega",
  "seed",
  "domain",
  "biasInit",
] as const;

/**
 * Throws a TypeError when `value` has an own key outside `valid`, because a misspelt option
 * would otherwise fall back to its default without a word. The message names `caller`, the
 * key, the closest valid key when it is at most two edits away, and every valid key.
 */
export function rejectUnknownKeys(
  caller: string,
  what: string,
  value: object,
  valid: readonly string[],
): void {
  for (const key of Object.keys(value)) {
    if (valid.includes(key)) continue;

    const closest = closestKey(key, valid);
    const hint = closest === null ? "" : ` (did you mean ${JSON.stringify(closest)}?)`;
    throw new TypeError(
      `${caller}: unknown ${what} ${JSON.stringify(key)}${hint}; valid keys: ${valid.join(", ")}`,
    );
  }
}

/** Returns the valid key at edit distance <= 2 from `key` (the nearest one), or null. */
function closestKey(key: string, valid: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of valid) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit ("stpes" → "steps"). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
  for (let i = 0; i < rows; i++) d[i][0] = i;
  for (let j = 0; j < columns; j++) d[0][j] = j;

  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, d[i - 2][j - 2] + 1);
      }
      d[i][j] = distance;
    }
  }
  return d[a.length][b.length];
}

/** Checks `options` and fills in the defaults; throws a TypeError or RangeError naming the field. */
export function resolveMlpOptions(options: MlpOptions): ResolvedMlpOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`createMlp: options must be an object, received ${String(options)}`);
  }
  rejectUnknownKeys("createMlp", "option", options, MLP_OPTION_KEYS);

  const inputs = checkWidth("inputs", options.inputs);
  const outputs = checkWidth("outputs", options.outputs);
  const hidden = checkHidden(options.hidden);
  checkParameterCount(inputs, hidden, outputs);
  if (!isActivation(options.activation)) {
    throw new TypeError(
      `createMlp: activation must be "sine", "tanh" or "relu", received ${JSON.stringify(options.activation)}`,
    );
  }

  const omega0 = options.omega0 ?? DEFAULT_OMEGA0;
  if (!Number.isFinite(omega0) || omega0 <= 0) {
    throw new RangeError(
      `createMlp: omega0 must be a finite number > 0, received ${String(omega0)}`,
    );
  }
  const hiddenOmega = options.hiddenOmega ?? DEFAULT_HIDDEN_OMEGA;
  if (hiddenOmega !== "omega0" && hiddenOmega !== "one") {
    throw new TypeError(
      `createMlp: hiddenOmega must be "omega0" or "one", received ${JSON.stringify(hiddenOmega)}`,
    );
  }
  const biasInit = options.biasInit ?? "zero";
  if (biasInit !== "zero" && biasInit !== "uniform") {
    throw new TypeError(
      `createMlp: biasInit must be "zero" or "uniform", received ${JSON.stringify(biasInit)}`,
    );
  }
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`createMlp: seed must be a safe integer, received ${String(seed)}`);
  }

  let domain: DomainBox | null = null;
  if (options.domain !== undefined) {
    validateDomain(inputs, options.domain);
    domain = options.domain.map(([lo, hi]) => [lo, hi] as const);
  }

  return {
    inputs,
    hidden,
    outputs,
    activation: options.activation,
    omega0,
    hiddenOmega,
    seed,
    domain,
    biasInit,
  };
}

function checkWidth(name: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`createMlp: ${name} must be an integer >= 1, received ${String(value)}`);
  }
  return value;
}

/**
 * Largest parameter count `createMlp` accepts. The parameters alone take 8 bytes each (800 MB
 * at the limit), and training keeps several more vectors of the same size (gradient, Adam
 * moments, L-BFGS pairs), so a larger network cannot train in one JavaScript heap.
 */
export const MAX_PARAMETERS = 1e8;

function checkParameterCount(inputs: number, hidden: readonly number[], outputs: number): void {
  const widths = [inputs, ...hidden, outputs];
  let count = 0;
  for (let l = 0; l < widths.length - 1; l++) count += widths[l + 1] * (widths[l] + 1);
  if (count > MAX_PARAMETERS) {
    throw new RangeError(
      `createMlp: the widths ${JSON.stringify(widths)} give ${count} parameters, above the limit of ${MAX_PARAMETERS} (800 MB of weights before the gradient and optimiser state); use narrower or fewer layers`,
    );
  }
}

function checkHidden(hidden: unknown): readonly number[] {
  if (!Array.isArray(hidden) || hidden.length === 0) {
    throw new RangeError(
      `createMlp: hidden must list at least one hidden width, received ${JSON.stringify(hidden)}`,
    );
  }
  return hidden.map((width, i) => checkWidth(`hidden[${i}]`, width));
}
