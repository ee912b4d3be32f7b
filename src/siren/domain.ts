// Input normalisation: an affine map from the problem's domain box onto [−1, 1]^d.

/** A closed interval [lo, hi] per input coordinate. */
export type DomainBox = readonly (readonly [number, number])[];

/**
 * The affine map x̂_i = scale_i·x_i + shift_i with scale_i = 2/(hi_i − lo_i) and
 * shift_i = −(hi_i + lo_i)/(hi_i − lo_i), which is 2(x − lo)/(hi − lo) − 1 up to rounding.
 * By the chain rule ∂u/∂x_i = scale_i·∂u/∂x̂_i and ∂²u/∂x_i∂x_j = scale_i·scale_j·∂²u/∂x̂_i∂x̂_j.
 */
export interface InputMap {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
  /** True when no domain was given, so x̂ = x. */
  readonly identity: boolean;
}

/** Builds the input map of `domain`, or the identity when `domain` is undefined. */
export function createInputMap(inputs: number, domain: DomainBox | undefined): InputMap {
  const scale = new Float64Array(inputs).fill(1);
  const shift = new Float64Array(inputs);
  if (domain === undefined) {
    return { scale, shift, identity: true };
  }

  validateDomain(inputs, domain);
  for (let i = 0; i < inputs; i++) {
    const [lo, hi] = domain[i] as readonly [number, number];
    scale[i] = 2 / (hi - lo);
    shift[i] = -(hi + lo) / (hi - lo);
  }
  return { scale, shift, identity: false };
}

/** Throws a RangeError unless `domain` has one finite interval lo < hi per input. */
export function validateDomain(inputs: number, domain: DomainBox): void {
  if (!Array.isArray(domain) || domain.length !== inputs) {
    const received = Array.isArray(domain) ? `${domain.length} intervals` : typeof domain;
    throw new RangeError(
      `createMlp: domain must have one [lo, hi] interval per input (${inputs}), received ${received}`,
    );
  }

  for (let i = 0; i < inputs; i++) {
    const interval = domain[i];
    const valid =
      Array.isArray(interval) &&
      interval.length === 2 &&
      Number.isFinite(interval[0]) &&
      Number.isFinite(interval[1]) &&
      interval[0] < interval[1];
    if (!valid) {
      throw new RangeError(
        `createMlp: domain[${i}] must be a finite interval [lo, hi] with lo < hi, received ${JSON.stringify(interval)}`,
      );
    }
    checkMapIsFinite(i, interval[0], interval[1]);
  }
}

/**
 * Throws a RangeError when the map onto [−1, 1] overflows: hi − lo or hi + lo beyond the
 * largest double, or 2/(hi − lo) infinite because the width is below about 1e−308.
 */
function checkMapIsFinite(i: number, lo: number, hi: number): void {
  const width = hi - lo;
  if (!Number.isFinite(width) || !Number.isFinite(hi + lo)) {
    throw new RangeError(
      `createMlp: domain[${i}] = [${lo}, ${hi}] overflows: hi − lo or hi + lo exceeds the largest double (about 1.8e308); rescale input ${i} to a smaller range`,
    );
  }
  if (!Number.isFinite(2 / width)) {
    throw new RangeError(
      `createMlp: domain[${i}] = [${lo}, ${hi}] is too narrow: its width ${width} makes the scale 2/(hi − lo) infinite; rescale input ${i} so its width is at least 1e-307`,
    );
  }
}
