// One entry point for the random and quasi-random interior samplers.

import type { Box, RandomSource } from "./box.js";
import { latinHypercubePoints } from "./latin-hypercube.js";
import { sobolPoints } from "./sobol.js";
import { uniformPoints } from "./uniform.js";

/**
 * A placement rule for sampled points: independent uniform points, a Latin hypercube, or a Sobol
 * sequence randomised by a digital shift. Grids take per-coordinate counts, see gridPoints.
 */
export type SamplingMethod = "uniform" | "latin-hypercube" | "sobol";

/** Valid values of SamplingMethod, for argument checks. */
export const SAMPLING_METHODS: readonly SamplingMethod[] = ["uniform", "latin-hypercube", "sobol"];

/** Returns `count` points of `box` placed by `method`, row-major N × d, drawn from `random`. */
export function samplePoints(
  box: Box,
  count: number,
  method: SamplingMethod,
  random: RandomSource,
): Float64Array {
  switch (method) {
    case "uniform":
      return uniformPoints(box, count, random);
    case "latin-hypercube":
      return latinHypercubePoints(box, count, random);
    case "sobol":
      return sobolPoints(box, count, { random });
    default:
      throw new RangeError(
        `samplePoints: method must be one of ${SAMPLING_METHODS.join(", ")}, received ${JSON.stringify(method)}. Pick one of those`,
      );
  }
}
