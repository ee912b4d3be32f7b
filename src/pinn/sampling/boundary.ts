// Points on the faces of a box, or on any slice where one coordinate is fixed (e.g. t = 0).

import {
  type Box,
  checkBox,
  checkCount,
  checkDimension,
  type RandomSource,
  toRandom,
} from "./box.js";
import { type SamplingMethod, samplePoints } from "./sample.js";

/** The face x_dimension = lo (side "lower") or x_dimension = hi (side "upper") of a box. */
export interface BoxFace {
  dimension: number;
  side: "lower" | "upper";
}

/** Returns the 2d faces of `box` in the order (0, lower), (0, upper), (1, lower), .... */
export function boxFaces(box: Box): BoxFace[] {
  checkBox(box, "boxFaces");
  return box.flatMap((_, dimension): BoxFace[] => [
    { dimension, side: "lower" },
    { dimension, side: "upper" },
  ]);
}

/**
 * Returns `count` points with coordinate `dimension` equal to `value` and the other coordinates
 * placed in the rest of `box` by `method`, row-major N × d. In a 1-d box the slice is the single
 * point `value`, repeated `count` times.
 */
export function slicePoints(
  box: Box,
  dimension: number,
  value: number,
  count: number,
  method: SamplingMethod,
  random: RandomSource,
): Float64Array {
  checkBox(box, "slicePoints");
  checkDimension(box, dimension, "slicePoints");
  checkCount(count, "slicePoints");
  const [lo, hi] = box[dimension];
  if (!(value >= lo && value <= hi)) {
    throw new RangeError(
      `slicePoints: value must lie in box[${dimension}] = [${lo}, ${hi}], received ${String(value)}. Pass a coordinate inside the box`,
    );
  }
  const generator = toRandom(random, "slicePoints");

  const dim = box.length;
  const points = new Float64Array(count * dim);
  const rest = box.filter((_, i) => i !== dimension);
  const restPoints = rest.length > 0 ? samplePoints(rest, count, method, generator) : null;
  for (let point = 0; point < count; point++) {
    let k = 0;
    for (let i = 0; i < dim; i++) {
      points[point * dim + i] =
        i === dimension ? value : (restPoints as Float64Array)[point * rest.length + k++];
    }
  }
  return points;
}

/** Returns `count` points on `face` of `box`, the other coordinates placed by `method`. */
export function facePoints(
  box: Box,
  face: BoxFace,
  count: number,
  method: SamplingMethod,
  random: RandomSource,
): Float64Array {
  checkBox(box, "facePoints");
  checkDimension(box, face.dimension, "facePoints");
  if (face.side !== "lower" && face.side !== "upper") {
    throw new RangeError(
      `facePoints: face.side must be "lower" or "upper", received ${JSON.stringify(face.side)}. Pick one of those`,
    );
  }

  const [lo, hi] = box[face.dimension];
  const value = face.side === "lower" ? lo : hi;
  return slicePoints(box, face.dimension, value, count, method, random);
}

/**
 * Returns `countPerFace` points on every face of `box`, face by face in the order of boxFaces,
 * all drawn from one generator so that one seed fixes the whole boundary.
 */
export function boundaryPoints(
  box: Box,
  countPerFace: number,
  method: SamplingMethod,
  random: RandomSource,
): { face: BoxFace; points: Float64Array }[] {
  checkBox(box, "boundaryPoints");
  checkCount(countPerFace, "boundaryPoints", "countPerFace");
  const generator = toRandom(random, "boundaryPoints");

  return boxFaces(box).map((face) => ({
    face,
    points: facePoints(box, face, countPerFace, method, generator),
  }));
}
