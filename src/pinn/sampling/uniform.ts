// Independent uniform random points in a box.

import {
  type Box,
  checkBox,
  checkCount,
  type RandomSource,
  scaleToInterval,
  toRandom,
} from "./box.js";

/**
 * Returns `count` independent uniform points in `box`, row-major N × d. Coordinates are drawn
 * point by point, coordinate by coordinate, from `random` (a generator or a seed).
 */
export function uniformPoints(box: Box, count: number, random: RandomSource): Float64Array {
  checkBox(box, "uniformPoints");
  checkCount(count, "uniformPoints");
  const generator = toRandom(random, "uniformPoints");

  const dim = box.length;
  const points = new Float64Array(count * dim);
  for (let point = 0; point < count; point++) {
    for (let i = 0; i < dim; i++) {
      points[point * dim + i] = scaleToInterval(generator.uniform(), box[i][0], box[i][1]);
    }
  }
  return points;
}
