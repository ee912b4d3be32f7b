// Axis ticks: "nice" linear steps of 1, 2 or 5 times a power of ten, and powers of ten for logs.

/** A linear axis: the domain widened to whole steps, the step and the tick values. */
export interface LinearTicks {
  domain: [number, number];
  step: number;
  ticks: number[];
}

/** A logarithmic axis: the domain widened to whole decades and the powers of ten on it. */
export interface LogTicks {
  domain: [number, number];
  ticks: number[];
}

/**
 * Returns ticks for [min, max] at multiples of a step 1, 2 or 5 × 10^k chosen so that about
 * `targetCount` intervals fit, and widens the domain to the enclosing multiples. A zero-width
 * range is first widened to ±10% of the value (±1 around 0).
 */
export function niceTicks(min: number, max: number, targetCount = 5): LinearTicks {
  checkRange(min, max, "niceTicks");
  [min, max] = widenIfFlat(min, max);

  // Dividing before subtracting keeps the rough step finite for ranges wider than 1.8e308.
  const intervals = Math.max(1, targetCount);
  const step = niceStep(max / intervals - min / intervals);
  const first = Math.floor(min / step);
  const last = Math.ceil(max / step);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) {
    const tick = cleanMultiple(k, step);
    // Near ±Number.MAX_VALUE the enclosing multiple can overflow, so the range ends there.
    if (Number.isFinite(tick)) {
      ticks.push(tick);
    }
  }
  const domain: [number, number] = [
    Math.min(ticks[0], min),
    Math.max(ticks[ticks.length - 1], max),
  ];
  return { domain, step, ticks };
}

/**
 * Returns ticks for a positive range [min, max] on a log axis: the powers of ten from the
 * decade below min to the decade above max, thinned to every n-th decade when there are more
 * than `maxCount`.
 */
export function logTicks(min: number, max: number, maxCount = 10): LogTicks {
  checkRange(min, max, "logTicks");
  if (!(min > 0)) {
    throw new RangeError(
      `logTicks: min must be > 0 on a log axis, received ${min}. Drop non-positive values first`,
    );
  }

  let low = Math.floor(Math.log10(min));
  let high = Math.ceil(Math.log10(max));
  // log10 of a power of ten can round one ulp off, so decades are checked against the values.
  if (powerOfTen(low + 1) <= min) {
    low++;
  }
  if (powerOfTen(high - 1) >= max) {
    high--;
  }
  if (high === low) {
    high++;
  }

  const every = Math.ceil((high - low + 1) / Math.max(1, maxCount));
  low = Math.floor(low / every) * every;
  high = Math.ceil(high / every) * every;
  const ticks: number[] = [];
  for (let k = low; k <= high; k += every) {
    ticks.push(powerOfTen(k));
  }
  return { domain: [powerOfTen(low), powerOfTen(high)], ticks };
}

/** Returns 10^k correctly rounded (parsing the decimal literal, unlike 10 ** k in every engine). */
export function powerOfTen(k: number): number {
  return Number(`1e${k}`);
}

/**
 * Formats a tick value with as many decimals as `step` needs, in exponent notation when the
 * step is below 1e-4 or the value is 1e6 or more in magnitude.
 */
export function formatTick(value: number, step: number): string {
  const stepExponent = Math.floor(Math.log10(Math.abs(step)));
  if (Math.abs(step) >= 1e-4 && Math.abs(value) < 1e6) {
    // toFixed writes −0 as "0", so a zero tick reads "0.0" like its neighbours.
    return value.toFixed(Math.max(0, -stepExponent));
  }
  if (value === 0) {
    return "0";
  }
  const digits = Math.max(0, Math.floor(Math.log10(Math.abs(value))) - stepExponent);
  return trimExponent(value.toExponential(Math.min(digits, 20)));
}

/** Formats a power of ten 10^k: plain for k in [−3, 3], else "1e<k>". */
export function formatPowerOfTen(value: number): string {
  const k = Math.round(Math.log10(value));
  return k >= -3 && k <= 3 ? String(powerOfTen(k)) : `1e${k}`;
}

function niceStep(rough: number): number {
  const exponent = Math.floor(Math.log10(rough));
  const magnitude = powerOfTen(exponent);
  const residual = rough / magnitude;
  if (residual <= 1) {
    return magnitude;
  }
  if (residual <= 2) {
    return 2 * magnitude;
  }
  if (residual <= 5) {
    return 5 * magnitude;
  }
  return powerOfTen(exponent + 1);
}

/** Returns k·step rounded to the step's decimals, so 3 × 0.1 gives 0.3, not 0.30000000000000004. */
function cleanMultiple(k: number, step: number): number {
  const decimals = -Math.floor(Math.log10(step));
  const value = k * step;
  if (decimals <= 0 || decimals > 100) {
    return value === 0 ? 0 : value;
  }
  const rounded = Number(value.toFixed(decimals));
  return rounded === 0 ? 0 : rounded;
}

function widenIfFlat(min: number, max: number): [number, number] {
  if (min < max) {
    return [min, max];
  }
  const half = Math.abs(min) * 0.1;
  if (min - half < max + half) {
    return [min - half, max + half];
  }
  // 0 and subnormal values have no usable 10%, so the range becomes [v − 1, v + 1].
  return [min - 1, max + 1];
}

function trimExponent(text: string): string {
  // "1.50e+3" → "1.5e3": drop trailing zeros of the mantissa and the plus sign.
  const [mantissa, exponent] = text.split("e");
  const trimmed = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return `${trimmed}e${exponent.replace("+", "")}`;
}

function checkRange(min: number, max: number, caller: string): void {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) {
    throw new RangeError(
      `${caller}: expected finite min <= max, received [${min}, ${max}]. Compute the range from finite values only`,
    );
  }
}
