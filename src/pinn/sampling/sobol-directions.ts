// Sobol direction numbers for the first 21 coordinates, from Joe & Kuo (2008).

/**
 * Primitive polynomials and initial direction numbers of coordinates 2 to 21, copied from the
 * table `new-joe-kuo-6.21201` of S. Joe and F. Y. Kuo, "Constructing Sobol sequences with better
 * two-dimensional projections", SIAM J. Sci. Comput. 30 (2008) 2635–2654.
 * Each row is the degree s of the polynomial, its inner coefficients a (bit j−1 from the top of
 * s − 1 bits is a_j), and the odd integers m_1..m_s with m_k < 2^k. Coordinate 1 is the van der
 * Corput sequence (all m_k = 1) and has no row.
 */
export const JOE_KUO_2008: readonly { degree: number; a: number; m: readonly number[] }[] = [
  { degree: 1, a: 0, m: [1] },
  { degree: 2, a: 1, m: [1, 3] },
  { degree: 3, a: 1, m: [1, 3, 1] },
  { degree: 3, a: 2, m: [1, 1, 1] },
  { degree: 4, a: 1, m: [1, 1, 3, 3] },
  { degree: 4, a: 4, m: [1, 3, 5, 13] },
  { degree: 5, a: 2, m: [1, 1, 5, 5, 17] },
  { degree: 5, a: 4, m: [1, 1, 5, 5, 5] },
  { degree: 5, a: 7, m: [1, 1, 7, 11, 19] },
  { degree: 5, a: 11, m: [1, 1, 5, 1, 1] },
  { degree: 5, a: 13, m: [1, 1, 1, 3, 11] },
  { degree: 5, a: 14, m: [1, 3, 5, 5, 31] },
  { degree: 6, a: 1, m: [1, 3, 3, 9, 7, 49] },
  { degree: 6, a: 13, m: [1, 1, 1, 15, 21, 21] },
  { degree: 6, a: 16, m: [1, 3, 1, 13, 27, 49] },
  { degree: 6, a: 19, m: [1, 1, 1, 15, 7, 5] },
  { degree: 6, a: 22, m: [1, 3, 1, 15, 13, 25] },
  { degree: 6, a: 25, m: [1, 1, 5, 5, 19, 61] },
  { degree: 7, a: 1, m: [1, 3, 7, 11, 23, 15, 103] },
  { degree: 7, a: 4, m: [1, 3, 7, 13, 13, 15, 69] },
];

/** Bits per coordinate: points are k / 2^32, so at most 2^32 distinct points. */
export const SOBOL_BITS = 32;

/** Highest number of coordinates the table supports. */
export const SOBOL_MAX_DIMENSION = JOE_KUO_2008.length + 1;

/**
 * Returns the 32 direction numbers V_1..V_32 of `coordinate` (0-based) as left-aligned 32-bit
 * integers, V_k = m_k · 2^(32−k). Beyond the table, V_k follows the polynomial's recurrence
 * V_k = V_{k−s} ⊕ (V_{k−s} >> s) ⊕ a_1 V_{k−1} ⊕ … ⊕ a_{s−1} V_{k−s+1}.
 */
export function directionNumbers(coordinate: number): Uint32Array {
  const v = new Uint32Array(SOBOL_BITS);
  if (coordinate === 0) {
    for (let k = 0; k < SOBOL_BITS; k++) {
      v[k] = 2 ** (SOBOL_BITS - 1 - k);
    }
    return v;
  }

  const { degree, a, m } = JOE_KUO_2008[coordinate - 1];
  for (let k = 0; k < degree; k++) {
    v[k] = m[k] * 2 ** (SOBOL_BITS - 1 - k);
  }
  for (let k = degree; k < SOBOL_BITS; k++) {
    let value = v[k - degree] ^ (v[k - degree] >>> degree);
    for (let j = 1; j < degree; j++) {
      // a_j is bit (s − 1 − j) of a.
      if ((a >>> (degree - 1 - j)) & 1) {
        value ^= v[k - j];
      }
    }
    v[k] = value >>> 0;
  }
  return v;
}
