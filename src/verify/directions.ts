// Seeded random unit directions, the v of directional-derivative checks.

import { Random } from "../siren/random.js";

/** Returns a unit vector of R^dim drawn from `seed`, uniform on the sphere. */
export function randomUnitVector(dim: number, seed: number): number[] {
  const random = new Random(seed);
  for (;;) {
    const vector = Array.from({ length: dim }, () => random.normal());
    // A loop, not Math.hypot(...vector), because spreading a million parameters overflows the stack.
    let squares = 0;
    for (const component of vector) squares += component * component;
    const norm = Math.sqrt(squares);
    // A standard normal vector has norm 0 with probability 0; the loop only guards underflow.
    if (norm > 1e-150) return vector.map((component) => component / norm);
  }
}
