// Root entry of siren-pinn: each layer as a namespace, and the names a research script needs first.
//
// The layers are also entries of their own (`siren-pinn/dual`, `siren-pinn/tape`,
// `siren-pinn/siren`, `siren-pinn/pinn`, `siren-pinn/verify`). Namespaces keep names such as
// `sin` apart: `dual.sin` works on scalars, `tape.sin` on tape tensors. `siren-pinn/pinn` reads
// and writes model files with Node's fs, so browser code imports the other entries directly.

export * as dual from "./dual/index.js";
export {
  Dual,
  derivative,
  derivatives,
  gradient,
  HyperDual,
  hessian,
  laplacian,
} from "./dual/index.js";
export * as pinn from "./pinn/index.js";
export { Adam, definePde, lbfgs, loadModel, saveModel, train } from "./pinn/index.js";
export * as siren from "./siren/index.js";
export { createMlp, Mlp } from "./siren/index.js";
export * as tape from "./tape/index.js";
export { Tape, Tensor } from "./tape/index.js";
export * as verify from "./verify/index.js";
