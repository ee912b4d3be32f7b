// Shared pieces of the samplers: the box type, argument checks and the seeded generator.

import { Random } from "../../siren/random.js";

/** A closed interval [lo, hi] per coordinate, lo < hi, both finite. */
export type Box = readonly (readonly [number, number])[];

/** A seed (a safe integer) or a generator to draw from, so one seed can drive every sampler. */
export type RandomSource = number | Random;

/** Returns `source` when it is a generator, else a new generator seeded with it. */
export function toRandom(source: RandomSource, caller: string): Random {
  // A structural check, so a Random from another copy of the package (src and dist) is accepted.
  if (typeof source === "object" && source !== null && typeof source.nextUint32 === "function") {
    return source;
  }
  if (typeof source !== "number" || !Number.isSafeInteger(source)) {
    throw new RangeError(
      `${caller}: random must be a Random or a safe integer seed, received ${String(source)}. Pass new Random(seed) or an integer seed`,
    );
  }
  return new Random(source);
}

/** Throws a RangeError unless `box` is a non-empty list of finite intervals with lo < hi. */
export function checkBox(box: Box, caller: string): void {
  if (!Array.isArray(box) || box.length === 0) {
    throw new RangeError(
      `${caller}: box must be a non-empty array of [lo, hi] intervals, received ${JSON.stringify(box)}. Pass one interval per coordinate, e.g. [[0, 1], [0, 2]]`,
    );
  }

  for (let i = 0; i < box.length; i++) {
    const interval = box[i];
    const valid =
      Array.isArray(interval) &&
      interval.length === 2 &&
      Number.isFinite(interval[0]) &&
      Number.isFinite(interval[1]) &&
      Number.isFinite(interval[1] - interval[0]);
    if (!valid) {
      throw new RangeError(
        `${caller}: box[${i}] must be an interval [lo, hi] of finite numbers, received ${describe(interval)}. Use finite bounds`,
      );
    }
    if (!(interval[0] < interval[1])) {
      throw new RangeError(
        `${caller}: box[${i}] must have lo < hi, received [${interval[0]}, ${interval[1]}]. Swap the bounds or widen the interval`,
      );
    }
  }
}

/** Throws a RangeError unless `count` is an integer >= 1. */
export function checkCount(count: number, caller: string, name = "count"): void {
  if (!(Number.isSafeInteger(count) && count >= 1)) {
    throw new RangeError(
      `${caller}: ${name} must be an integer >= 1, received ${String(count)}. Pass the number of points to draw`,
    );
  }
}

/** Throws a RangeError unless `dimension` indexes a coordinate of `box`. */
export function checkDimension(box: Box, dimension: number, caller: string): void {
  if (!(Number.isInteger(dimension) && dimension >= 0 && dimension < box.length)) {
    throw new RangeError(
      `${caller}: dimension must be an integer in [0, ${box.length - 1}] for a ${box.length}-d box, received ${String(dimension)}. Pass the index of the fixed coordinate`,
    );
  }
}

/**
 * Maps u in [0, 1) onto [lo, hi]. The clamp keeps the result inside the box when the rounding
 * of lo + (hi − lo)·u would step one ulp past hi.
 */
export function scaleToInterval(u: number, lo: number, hi: number): number {
  return Math.min(hi, lo + (hi - lo) * u);
}

function describe(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(String).join(", ")}]` : String(value);
}
