// u'' + k²u = 0 on [0, 2π] with u(0) = 0, u'(0) = k; the exact solution is sin(kx).

import { add, scale } from "../../tape/index.js";
import { definePde, type Problem } from "../problem.js";

/** Options of `oscillatorK`. */
export interface OscillatorOptions {
  /** Angular frequency k (default 8): the solution has k periods on [0, 2π]. */
  k?: number;
}

/** Creates a high-frequency oscillator whose solution sin(kx) has k periods on [0, 2π]. */
export function oscillatorK(options: OscillatorOptions = {}): Problem {
  const k = options.k ?? 8;
  if (!(Number.isFinite(k) && k > 0)) {
    throw new RangeError(`oscillatorK: k must be a finite number > 0, received ${String(k)}`);
  }

  return definePde({
    name: "oscillator-k",
    description: `u'' + k²u = 0 on [0, 2π], u(0) = 0, u'(0) = k (k = ${k}); exact u = sin(kx)`,
    coordinates: ["x"],
    domain: [[0, 2 * Math.PI]],
    partials: ["xx"],
    residual: ({ u, u_xx }) => add(u_xx, scale(u, k * k)),
    conditions: [
      { kind: "initial", value: 0 },
      { kind: "initial-slope", value: k },
    ],
    exact: ([x]) => Math.sin(k * x),
    // ω0 follows the solution's frequency times the half-width of the domain: k·π. Measured:
    // 1000 L-BFGS iterations ended at 1.2e-3 relative L2, 2000 at 3.7e-4 (seed 0).
    defaults: {
      omega0: 30,
      hidden: [32, 32, 32],
      points: 256,
      steps: 3000,
      lbfgs: 2000,
      lr: 1e-3,
      lrDecay: 0.01,
    },
  });
}
