// Collocation sampling in a box: grids, uniform, Latin hypercube, Sobol, faces and slices.

export {
  type BoxFace,
  boundaryPoints,
  boxFaces,
  facePoints,
  slicePoints,
} from "./boundary.js";
export type { Box, RandomSource } from "./box.js";
export { gridPoints } from "./grid.js";
export { latinHypercubePoints } from "./latin-hypercube.js";
export { SAMPLING_METHODS, type SamplingMethod, samplePoints } from "./sample.js";
export { type SobolOptions, sobolPoints } from "./sobol.js";
export {
  directionNumbers,
  JOE_KUO_2008,
  SOBOL_BITS,
  SOBOL_MAX_DIMENSION,
} from "./sobol-directions.js";
export { uniformPoints } from "./uniform.js";
