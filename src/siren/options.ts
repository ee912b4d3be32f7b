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

/** Checks `options` and fills in the defaults; throws a TypeError or RangeError naming the field. */
export function resolveMlpOptions(options: MlpOptions): ResolvedMlpOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`createMlp: options must be an object, received ${String(options)}`);
  }

  const inputs = checkWidth("inputs", options.inputs);
  const outputs = checkWidth("outputs", options.outputs);
  const hidden = checkHidden(options.hidden);
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

function checkHidden(hidden: unknown): readonly number[] {
  if (!Array.isArray(hidden) || hidden.length === 0) {
    throw new RangeError(
      `createMlp: hidden must list at least one hidden width, received ${JSON.stringify(hidden)}`,
    );
  }
  return hidden.map((width, i) => checkWidth(`hidden[${i}]`, width));
}
