// tanh and sigmoid with their derivatives from one exponential, free of cancellation.
//
// With e = exp(−2|z|): tanh z = sign(z)(1 − e)/(1 + e) and sech² z = 4e/(1 + e)². Written this
// way sech² keeps full relative precision where 1 − tanh² would cancel (|z| beyond a few units,
// where tanh² rounds to 1). The sigmoid uses e = exp(−|z|): σ(z) = 1/(1 + e) for z >= 0 and
// e/(1 + e) below, σ(1 − σ) = e/(1 + e)² and 1 − 2σ = −tanh(z/2) = −sign(z)(1 − e)/(1 + e),
// which keeps σ'' = σ(1 − σ)(1 − 2σ) accurate near z = 0, where 1 − 2σ would cancel.

/** e = exp(−x) and 1 − e for the last `decay` call, each to a few ulps. */
const decayPair = new Float64Array(2);

/**
 * Writes e = exp(−x) and 1 − e into `decayPair` for x >= 0 (or NaN) with one transcendental
 * call. Below ln 2, 1 − e = −expm1(−x) avoids the cancellation of 1 − e, and e = 1 + expm1(−x)
 * lies in (1/2, 1], where that sum is exact to an ulp. From ln 2 on, e <= 1/2 so 1 − e is exact
 * to an ulp, while 1 + expm1(−x) would lose e's relative precision as e → 0.
 */
function decay(x: number): void {
  if (x < Math.LN2) {
    const m = Math.expm1(-x);
    decayPair[0] = 1 + m;
    decayPair[1] = -m;
  } else {
    const e = Math.exp(-x);
    decayPair[0] = e;
    decayPair[1] = 1 - e;
  }
}

/**
 * Writes tanh z into `value[index]` and tanh'(z) = sech² z into `slope[index]`. Then
 * tanh'' = −2 tanh · sech² is a product of the two, without cancellation. NaN gives NaN, and
 * ±Infinity gives ±1 with slope 0.
 */
export function tanhAndSlope(
  z: number,
  index: number,
  value: Float64Array,
  slope: Float64Array,
): void {
  decay(2 * Math.abs(z));
  const e = decayPair[0] as number;
  const onePlus = 1 + e;
  // Math.sign keeps the sign of −0, so tanh(−0) = −0.
  value[index] = (Math.sign(z) * (decayPair[1] as number)) / onePlus;
  slope[index] = (4 * e) / (onePlus * onePlus);
}

/**
 * Writes σ(z) = 1/(1 + exp(−z)) into `value[index]` and σ'(z) = σ(1 − σ) into `slope[index]`,
 * and returns 1 − 2σ(z) = −tanh(z/2), so σ'' = slope · (1 − 2σ). NaN gives NaN, and ±Infinity
 * gives 1 or 0 with slope 0.
 */
export function sigmoidAndSlope(
  z: number,
  index: number,
  value: Float64Array,
  slope: Float64Array,
): number {
  decay(Math.abs(z));
  const e = decayPair[0] as number;
  const onePlus = 1 + e;
  value[index] = z >= 0 ? 1 / onePlus : e / onePlus;
  slope[index] = e / (onePlus * onePlus);
  return (-Math.sign(z) * (decayPair[1] as number)) / onePlus;
}
