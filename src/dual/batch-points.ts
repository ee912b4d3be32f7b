// Input checks shared by the jet entry points: a non-empty, row-major set of finite points.

/**
 * Checks that `points` contains N >= 1 points of `dim` coordinates, row-major, all finite, and
 * returns N. `caller` names the entry point in the message. A NaN or ±Infinity coordinate would
 * turn every coefficient of that point's jet into NaN, and an empty set would give empty tensors
 * whose mean is NaN, so both are rejected here, once per call (O(N·dim)).
 */
export function checkJetPoints(caller: string, points: Float64Array, dim: number): number {
  if (points.length === 0) {
    throw new RangeError(
      `${caller}: points is empty; pass at least one point of ${dim} coordinates (N·${dim} numbers, row-major)`,
    );
  }
  if (points.length % dim !== 0) {
    throw new RangeError(
      `${caller}: points has length ${points.length}, not a multiple of the input dimension ${dim}; pass N points of ${dim} coordinates, row-major`,
    );
  }

  for (let e = 0; e < points.length; e++) {
    if (!Number.isFinite(points[e])) {
      throw nonFinitePoint(caller, points[e] as number, Math.floor(e / dim), e % dim);
    }
  }
  return points.length / dim;
}

function nonFinitePoint(
  caller: string,
  value: number,
  point: number,
  coordinate: number,
): RangeError {
  return new RangeError(
    `${caller}: point ${point} has coordinate ${coordinate} = ${value}, expected a finite number; remove that point or replace its coordinate`,
  );
}
