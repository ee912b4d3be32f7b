// Hidden-layer activations of a multilayer perceptron and what they imply for derivatives.

/** Activation of every hidden layer. The output layer is always linear. */
export type Activation = "sine" | "tanh" | "relu";

/** Every supported activation, in the order the docs list them. */
export const ACTIVATIONS: readonly Activation[] = ["sine", "tanh", "relu"];

/** Activation of one layer: a hidden activation, or "linear" for the output layer. */
export type LayerActivation = Activation | "linear";

/** Returns whether `value` names a supported activation. */
export function isActivation(value: unknown): value is Activation {
  return value === "sine" || value === "tanh" || value === "relu";
}

/**
 * Why a ReLU network cannot fit a residual with second derivatives: relu'' = 0, and a
 * composition of affine maps and ReLUs is piecewise linear in its input, so every second
 * partial of the network output is zero away from the kinks (a set of measure zero).
 */
export const RELU_SECOND_DERIVATIVE_NOTE =
  "A ReLU network is piecewise linear in its input, so u'' = 0 everywhere except on its kinks " +
  "(a set of measure zero). A residual that needs second derivatives, such as u'' + u, sees " +
  "only the zero-order terms and cannot be fitted; use the sine or tanh activation.";

/**
 * Returns whether every second partial of a network with this activation vanishes
 * almost everywhere (true for ReLU only).
 */
export function hasVanishingSecondDerivatives(activation: Activation): boolean {
  return activation === "relu";
}

/** Applies a hidden-layer activation to a pre-activation `z`: sin(ωz), tanh(z) or max(z, 0). */
export function activate(activation: Activation, omega: number, z: number): number {
  switch (activation) {
    case "sine":
      return Math.sin(omega * z);
    case "tanh":
      return Math.tanh(z);
    case "relu":
      // Math.max keeps NaN visible, where z > 0 ? z : 0 would turn it into 0.
      return Math.max(z, 0);
  }
}
