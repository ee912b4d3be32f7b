// Uniform tensor grids with both bounds of every coordinate included.

import { type Box, checkBox } from "./box.js";

/**
 * Returns the tensor grid of `box` with `counts[i]` evenly spaced points along coordinate i
 * (or `counts` along every coordinate), both bounds included exactly. Points are row-major
 * N × d with N = Π counts[i], and the last coordinate varies fastest.
 */
export function gridPoints(box: Box, counts: number | readonly number[]): Float64Array {
  checkBox(box, "gridPoints");
  const perAxis = resolveCounts(box, counts);

  const dim = box.length;
  const total = perAxis.reduce((product, n) => product * n, 1);
  const axes = perAxis.map((n, i) => axisValues(box[i][0], box[i][1], n));
  const points = new Float64Array(total * dim);
  for (let point = 0; point < total; point++) {
    let rest = point;
    for (let i = dim - 1; i >= 0; i--) {
      const index = rest % perAxis[i];
      rest = Math.floor(rest / perAxis[i]);
      points[point * dim + i] = axes[i][index];
    }
  }
  return points;
}

/** Returns n evenly spaced values from lo to hi with both ends exact. */
function axisValues(lo: number, hi: number, n: number): Float64Array {
  const values = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    values[j] = lo + ((hi - lo) * j) / (n - 1);
  }
  // lo + (hi − lo)·1 may round away from hi (and −0 + 0 is +0), so both ends are set.
  values[0] = lo;
  values[n - 1] = hi;
  return values;
}

function resolveCounts(box: Box, counts: number | readonly number[]): number[] {
  const perAxis = typeof counts === "number" ? box.map(() => counts) : Array.from(counts);
  if (perAxis.length !== box.length) {
    throw new RangeError(
      `gridPoints: counts must have one entry per coordinate (${box.length}), received ${perAxis.length}. Pass a number or one count per coordinate`,
    );
  }

  perAxis.forEach((n, i) => {
    if (!(Number.isSafeInteger(n) && n >= 2)) {
      throw new RangeError(
        `gridPoints: counts[${i}] must be an integer >= 2 (both bounds are included), received ${String(n)}. Pass at least 2 points per coordinate`,
      );
    }
  });
  const total = perAxis.reduce((product, n) => product * n, 1);
  if (!Number.isSafeInteger(total * box.length)) {
    throw new RangeError(
      `gridPoints: the grid would have ${total} points, too many to store. Pass smaller counts`,
    );
  }
  return perAxis;
}
