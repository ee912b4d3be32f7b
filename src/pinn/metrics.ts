// Error metrics between a prediction u and a reference u*: relative L2, max absolute, RMS.

/**
 * Relative L2 error ||u − u*||₂ / ||u*||₂. When ||u*||₂ = 0 the ratio is undefined, so `value`
 * is the absolute error ||u − u*||₂ and `absolute` is true.
 */
export interface RelativeL2Error {
  value: number;
  absolute: boolean;
}

/** All metrics of errorMetrics in one object. */
export interface ErrorMetrics {
  /** ||u − u*||₂ / ||u*||₂, or ||u − u*||₂ when ||u*||₂ = 0 (see relativeL2IsAbsolute). */
  relativeL2: number;
  /** True when the reference is all zeros, so relativeL2 is the absolute L2 error. */
  relativeL2IsAbsolute: boolean;
  /** max_i |u_i − u*_i|. */
  maxAbsolute: number;
  /** sqrt(mean_i (u_i − u*_i)²). */
  rms: number;
  /** Number of values compared. */
  count: number;
}

/**
 * Returns the Euclidean norm of `values`, scaled by max |v_i| first so that squares of values
 * near 1e±200 neither overflow nor underflow. NaN entries give NaN, infinite ones Infinity.
 */
export function l2Norm(values: ArrayLike<number>): number {
  return scaledNorm(values.length, (i) => values[i]);
}

/** Returns the relative L2 error of `predicted` against `reference` (see RelativeL2Error). */
export function relativeL2Error(
  predicted: ArrayLike<number>,
  reference: ArrayLike<number>,
): RelativeL2Error {
  checkPair(predicted, reference, "relativeL2Error");
  const errorNorm = scaledNorm(predicted.length, (i) => predicted[i] - reference[i]);
  const referenceNorm = l2Norm(reference);
  if (referenceNorm === 0) {
    return { value: errorNorm, absolute: true };
  }
  return { value: errorNorm / referenceNorm, absolute: false };
}

/** Returns max_i |predicted_i − reference_i| (NaN if any difference is NaN). */
export function maxAbsoluteError(
  predicted: ArrayLike<number>,
  reference: ArrayLike<number>,
): number {
  checkPair(predicted, reference, "maxAbsoluteError");
  let max = 0;
  for (let i = 0; i < predicted.length; i++) {
    const error = Math.abs(predicted[i] - reference[i]);
    if (Number.isNaN(error)) {
      return Number.NaN;
    }
    max = Math.max(max, error);
  }
  return max;
}

/** Returns the root mean square error sqrt(mean_i (predicted_i − reference_i)²). */
export function rmsError(predicted: ArrayLike<number>, reference: ArrayLike<number>): number {
  checkPair(predicted, reference, "rmsError");
  const errorNorm = scaledNorm(predicted.length, (i) => predicted[i] - reference[i]);
  return errorNorm / Math.sqrt(predicted.length);
}

/** Returns every metric of `predicted` against `reference`. */
export function errorMetrics(
  predicted: ArrayLike<number>,
  reference: ArrayLike<number>,
): ErrorMetrics {
  const relative = relativeL2Error(predicted, reference);
  return {
    relativeL2: relative.value,
    relativeL2IsAbsolute: relative.absolute,
    maxAbsolute: maxAbsoluteError(predicted, reference),
    rms: rmsError(predicted, reference),
    count: predicted.length,
  };
}

function scaledNorm(length: number, entry: (i: number) => number): number {
  let scale = 0;
  for (let i = 0; i < length; i++) {
    const magnitude = Math.abs(entry(i));
    if (Number.isNaN(magnitude)) {
      return Number.NaN;
    }
    scale = Math.max(scale, magnitude);
  }
  if (scale === 0 || scale === Number.POSITIVE_INFINITY) {
    // The norm of an all-zero vector is 0, and of a vector with an infinite entry Infinity.
    return scale;
  }

  let sum = 0;
  for (let i = 0; i < length; i++) {
    const ratio = entry(i) / scale;
    sum += ratio * ratio;
  }
  return scale * Math.sqrt(sum);
}

function checkPair(
  predicted: ArrayLike<number>,
  reference: ArrayLike<number>,
  caller: string,
): void {
  if (predicted.length !== reference.length) {
    throw new RangeError(
      `${caller}: predicted and reference must have the same length, received ${predicted.length} and ${reference.length}. Evaluate both on the same points`,
    );
  }
  if (predicted.length === 0) {
    throw new RangeError(`${caller}: predicted and reference are empty. Pass at least one value`);
  }
}
