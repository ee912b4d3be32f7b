// Forward mode: Dual, HyperDual and Taylor scalars, elementary functions and derivative helpers.

export { add, div, mul, neg, sub } from "./arith.js";
export * from "./batch.js";
export {
  derivative,
  derivatives,
  gradient,
  hessian,
  laplacian,
  type MultivariateFunction,
  type UnivariateFunction,
} from "./derivative.js";
export { Dual } from "./dual.js";
export {
  acos,
  asin,
  atan,
  cos,
  cosh,
  exp,
  log,
  sigmoid,
  sin,
  sinh,
  tan,
  tanh,
} from "./elementary.js";
export { HyperDual } from "./hyperdual.js";
export { abs, max, min, relu } from "./kinks.js";
export { pow, sqrt } from "./pow.js";
export type { UnaryRule } from "./rule.js";
export {
  type AdScalar,
  AdValue,
  isScalar,
  newTag,
  primal,
  type Scalar,
  tagOf,
} from "./scalar.js";
export { Taylor } from "./taylor.js";
