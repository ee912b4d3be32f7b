// Interior collocation points of a problem: an even grid or seeded samples (uniform, Latin hypercube, Sobol).

import type { Problem } from "./problem.js";
import { gridPoints } from "./sampling/grid.js";
import { SAMPLING_METHODS, type SamplingMethod, samplePoints } from "./sampling/sample.js";

/**
 * The placement of interior points. "grid": per axis round(N^(1/d)) evenly spaced points with
 * both bounds included (so a 2-d grid contains a square number of points near N). The others
 * draw N seeded samples.
 */
export type CollocationSampling = "grid" | SamplingMethod;

/** Valid values of CollocationSampling, for argument checks. */
export const COLLOCATION_SAMPLINGS: readonly CollocationSampling[] = ["grid", ...SAMPLING_METHODS];

/** Returns row-major interior points (count × dim) for `problem`. */
export function sampleCollocation(
  problem: Problem,
  count: number,
  sampling: CollocationSampling,
  seed: number,
): Float64Array {
  if (sampling === "grid") {
    return gridPoints(problem.domain, Math.max(2, Math.round(count ** (1 / problem.dim))));
  }
  if (!(SAMPLING_METHODS as readonly string[]).includes(sampling)) {
    throw new RangeError(
      `sampleCollocation: sampling must be one of ${COLLOCATION_SAMPLINGS.join(", ")}, received ${JSON.stringify(sampling)}`,
    );
  }
  return samplePoints(problem.domain, count, sampling, seed);
}
