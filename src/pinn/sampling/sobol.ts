// Sobol low-discrepancy points in a box, optionally randomised by a seeded digital shift.

import {
  type Box,
  checkBox,
  checkCount,
  type RandomSource,
  scaleToInterval,
  toRandom,
} from "./box.js";
import { directionNumbers, SOBOL_BITS, SOBOL_MAX_DIMENSION } from "./sobol-directions.js";

export interface SobolOptions {
  /**
   * Generator or seed for a random digital shift: each coordinate's 32 bits are XORed with one
   * random word. The shift keeps the net structure and makes each point uniform on the 2^-32
   * grid. Without it the plain sequence is returned, starting at the corner (lo, ..., lo).
   */
  random?: RandomSource;
  /** Number of leading points of the sequence to skip (default 0). */
  skip?: number;
}

/**
 * Returns points `skip` to `skip + count − 1` of the Sobol sequence (Joe & Kuo 2008 direction
 * numbers, Gray-code order, up to 21 coordinates) scaled to `box`, row-major N × d.
 * The balance properties hold for blocks of 2^k points, so counts that are powers of two
 * cover the box most evenly.
 */
export function sobolPoints(box: Box, count: number, options: SobolOptions = {}): Float64Array {
  checkBox(box, "sobolPoints");
  checkCount(count, "sobolPoints");
  const dim = box.length;
  if (dim > SOBOL_MAX_DIMENSION) {
    throw new RangeError(
      `sobolPoints: box has ${dim} coordinates, but direction numbers are stored for at most ${SOBOL_MAX_DIMENSION}. Use latinHypercubePoints or uniformPoints for more coordinates`,
    );
  }
  const skip = options.skip ?? 0;
  if (!(Number.isSafeInteger(skip) && skip >= 0 && skip + count <= 2 ** SOBOL_BITS)) {
    throw new RangeError(
      `sobolPoints: skip must be an integer >= 0 with skip + count <= 2^32, received skip = ${String(skip)} and count = ${count}. Lower skip or count`,
    );
  }

  const shifts = new Uint32Array(dim);
  if (options.random !== undefined) {
    const generator = toRandom(options.random, "sobolPoints");
    for (let i = 0; i < dim; i++) {
      shifts[i] = generator.nextUint32();
    }
  }

  const directions = Array.from({ length: dim }, (_, i) => directionNumbers(i));
  const state = startState(directions, skip);
  const points = new Float64Array(count * dim);
  for (let point = 0; point < count; point++) {
    if (point > 0) {
      // Gray-code step: point n differs from point n − 1 by V_c, c = lowest zero bit of n − 1.
      const c = lowestZeroBit(skip + point - 1);
      for (let i = 0; i < dim; i++) {
        state[i] = (state[i] ^ directions[i][c]) >>> 0;
      }
    }
    for (let i = 0; i < dim; i++) {
      const u = ((state[i] ^ shifts[i]) >>> 0) / 2 ** SOBOL_BITS;
      points[point * dim + i] = scaleToInterval(u, box[i][0], box[i][1]);
    }
  }
  return points;
}

/** Returns the state of point n: the XOR of V_{k+1} over the set bits k of gray(n) = n ⊕ (n >> 1). */
function startState(directions: Uint32Array[], n: number): Uint32Array {
  const state = new Uint32Array(directions.length);
  // n < 2^32, so >>> reads it as an unsigned 32-bit integer.
  let gray = ((n >>> 0) ^ (n >>> 1)) >>> 0;
  for (let k = 0; gray > 0; k++) {
    if (gray & 1) {
      for (let i = 0; i < directions.length; i++) {
        state[i] = (state[i] ^ directions[i][k]) >>> 0;
      }
    }
    gray >>>= 1;
  }
  return state;
}

/** Returns the 0-based index of the lowest zero bit of n (0 for even n). */
function lowestZeroBit(n: number): number {
  let c = 0;
  while (n % 2 === 1) {
    n = Math.floor(n / 2);
    c++;
  }
  return c;
}
