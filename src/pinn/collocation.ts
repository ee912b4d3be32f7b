// Interior collocation points of a problem: an even grid, seeded uniform or Latin hypercube samples.

import type { Problem } from "./problem.js";
import { gridPoints } from "./sampling/grid.js";
import { latinHypercubePoints } from "./sampling/latin-hypercube.js";
import { uniformPoints } from "./sampling/uniform.js";

/**
 * How interior points are placed. "grid": per axis round(N^(1/d)) evenly spaced points with
 * both bounds included (so a 2-d grid holds a square number of points near N). "uniform" and
 * "latin-hypercube": N seeded samples.
 */
export type CollocationSampling = "grid" | "uniform" | "latin-hypercube";

/** Valid values of CollocationSampling, for argument checks. */
export const COLLOCATION_SAMPLINGS: readonly CollocationSampling[] = [
  "grid",
  "uniform",
  "latin-hypercube",
];

/** Returns row-major interior points (count × dim) for `problem`. */
export function sampleCollocation(
  problem: Problem,
  count: number,
  sampling: CollocationSampling,
  seed: number,
): Float64Array {
  switch (sampling) {
    case "grid":
      return gridPoints(problem.domain, Math.max(2, Math.round(count ** (1 / problem.dim))));
    case "uniform":
      return uniformPoints(problem.domain, count, seed);
    case "latin-hypercube":
      return latinHypercubePoints(problem.domain, count, seed);
    default:
      throw new RangeError(
        `sampleCollocation: sampling must be one of ${COLLOCATION_SAMPLINGS.join(", ")}, received ${JSON.stringify(sampling)}`,
      );
  }
}
