// Latin hypercube samples: each of a coordinate's N strata contains exactly one point.

import {
  type Box,
  checkBox,
  checkCount,
  type RandomSource,
  scaleToInterval,
  toRandom,
} from "./box.js";

/**
 * Returns `count` Latin hypercube points in `box`, row-major N × d. Along each coordinate the
 * interval is cut into N equal strata and each stratum contains exactly one point, placed
 * uniformly inside it. Coordinates are paired by an independent random permutation each.
 */
export function latinHypercubePoints(box: Box, count: number, random: RandomSource): Float64Array {
  checkBox(box, "latinHypercubePoints");
  checkCount(count, "latinHypercubePoints");
  const generator = toRandom(random, "latinHypercubePoints");

  const dim = box.length;
  const points = new Float64Array(count * dim);
  const strata = Array.from({ length: count }, (_, k) => k);
  for (let i = 0; i < dim; i++) {
    generator.shuffle(strata);
    const [lo, hi] = box[i];
    for (let point = 0; point < count; point++) {
      const u = (strata[point] + generator.uniform()) / count;
      points[point * dim + i] = scaleToInterval(u, lo, hi);
    }
  }
  return points;
}
