// Weight initialisation: Sitzmann (SIREN), Glorot/Xavier and He/Kaiming uniform bounds.

import type { Activation, LayerActivation } from "./activation.js";

/** Placement of ω in the sine layers after the first one (see `MlpOptions.hiddenOmega`). */
export type HiddenOmega = "omega0" | "one";

/** Bias initialisation: all zero, or uniform on ±1/√(fan-in) in the layer's pre-ω units. */
export type BiasInit = "zero" | "uniform";

/** Bounds and frequency of one layer: W ~ U(−weightBound, weightBound), y = act(ω(Wa + b)). */
export interface LayerPlan {
  readonly activation: LayerActivation;
  readonly omega: number;
  readonly weightBound: number;
  /** Half-width of the uniform bias draw, 0 when biases start at zero. */
  readonly biasBound: number;
}

/** Returns 1/n, the SIREN first-layer bound, so that ω0·W x spans about ±ω0 on [−1, 1]^n. */
export function sirenFirstLayerBound(fanIn: number): number {
  return 1 / fanIn;
}

/**
 * Returns √(6/n)/ω, the SIREN bound for a layer computing sin(ω(W a + b)). With inputs of
 * variance 1/2 (arcsine on [−1, 1]) the pre-activation ω·Σ w_i a_i has variance
 * ω²·n·(bound²/3)·(1/2) = 1.
 */
export function sirenHiddenBound(fanIn: number, omega: number): number {
  return Math.sqrt(6 / fanIn) / omega;
}

/** Returns √(6/(fan-in + fan-out)), the Glorot (Xavier) uniform bound. */
export function glorotUniformBound(fanIn: number, fanOut: number): number {
  return Math.sqrt(6 / (fanIn + fanOut));
}

/** Returns √(6/fan-in), the He (Kaiming) uniform bound for ReLU layers (gain √2). */
export function heUniformBound(fanIn: number): number {
  return Math.sqrt(6 / fanIn);
}

/** Returns 1/√(fan-in), the bias bound of `biasInit: "uniform"` (the PyTorch Linear default). */
export function uniformBiasBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}

/** Settings that decide every layer's plan. */
export interface InitSettings {
  readonly activation: Activation;
  readonly omega0: number;
  readonly hiddenOmega: HiddenOmega;
  readonly biasInit: BiasInit;
}

/**
 * Returns the plan of layer `index` of `widths` (widths[0] inputs, last entry outputs).
 *
 * Sine networks: the first layer has ω = ω0 and bound 1/n. Later sine layers have ω = ω0 and
 * bound √(6/n)/ω0 under "omega0", or ω = 1 and bound √(6/n) under "one". Under "one" a uniform
 * bias is also multiplied by ω0, so ω·W and ω·b have the same distribution in both conventions.
 * The linear output layer has bound √(6/n)/ω0 in both conventions.
 * tanh networks use Glorot uniform everywhere. ReLU networks use He uniform in hidden
 * layers and Glorot uniform in the linear output layer.
 */
export function layerPlan(
  settings: InitSettings,
  widths: readonly number[],
  index: number,
): LayerPlan {
  const fanIn = widths[index] as number;
  const fanOut = widths[index + 1] as number;
  const isOutput = index === widths.length - 2;
  const biasScale = settings.biasInit === "uniform" ? uniformBiasBound(fanIn) : 0;

  if (settings.activation === "sine") {
    return sinePlan(settings, fanIn, index, isOutput, biasScale);
  }

  const activation: LayerActivation = isOutput ? "linear" : settings.activation;
  const weightBound =
    settings.activation === "relu" && !isOutput
      ? heUniformBound(fanIn)
      : glorotUniformBound(fanIn, fanOut);
  return { activation, omega: 1, weightBound, biasBound: biasScale };
}

function sinePlan(
  settings: InitSettings,
  fanIn: number,
  index: number,
  isOutput: boolean,
  biasScale: number,
): LayerPlan {
  const omega0 = settings.omega0;

  if (isOutput) {
    return {
      activation: "linear",
      omega: 1,
      weightBound: sirenHiddenBound(fanIn, omega0),
      biasBound: biasScale,
    };
  }

  if (index === 0) {
    return {
      activation: "sine",
      omega: omega0,
      weightBound: sirenFirstLayerBound(fanIn),
      biasBound: biasScale,
    };
  }

  if (settings.hiddenOmega === "omega0") {
    return {
      activation: "sine",
      omega: omega0,
      weightBound: sirenHiddenBound(fanIn, omega0),
      biasBound: biasScale,
    };
  }

  // ω = 1: the factor ω0 moves into the weights and biases, so ω(Wa + b) starts out the same.
  return {
    activation: "sine",
    omega: 1,
    weightBound: sirenHiddenBound(fanIn, 1),
    biasBound: biasScale * omega0,
  };
}
