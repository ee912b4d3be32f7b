// Reverse mode: tensors on a tape, the op table and generic jets built from tape ops.

export { NonFiniteError, ShapeError, TapeError } from "./errors.js";
export * from "./jet.js";
export * from "./ops.js";
export type { OpAttrs, OpName, Rule } from "./rules.js";
export { rules } from "./rules.js";
export type { BackwardOptions, CustomOptions, Gradients, TapeOptions } from "./tape.js";
export { Tape } from "./tape.js";
export { Tensor } from "./tensor.js";
