// u_tt = c² u_xx on [0, 1] × [0, 1] with fixed ends, u(x, 0) = sin(πx) and u_t(x, 0) = 0.

import { scale, sub } from "../../tape/index.js";
import { definePde, type Problem } from "../problem.js";

/** Options of `wave`. */
export interface WaveOptions {
  /** Wave speed c (default 1). */
  c?: number;
}

/** Creates the wave equation, whose exact solution is the standing wave sin(πx) cos(cπt). */
export function wave(options: WaveOptions = {}): Problem {
  const c = options.c ?? 1;
  if (!(Number.isFinite(c) && c > 0)) {
    throw new RangeError(`wave: c must be a finite number > 0, received ${String(c)}`);
  }
  const pi = Math.PI;

  return definePde({
    name: "wave",
    description: `u_tt = c² u_xx on [0, 1] × [0, 1] (c = ${c}), u(0, t) = u(1, t) = 0, u(x, 0) = sin(πx), u_t(x, 0) = 0; exact u = sin(πx) cos(cπt)`,
    coordinates: ["x", "t"],
    domain: [
      [0, 1],
      [0, 1],
    ],
    partials: ["tt", "xx"],
    residual: ({ u_tt, u_xx }) => sub(u_tt, scale(u_xx, c * c)),
    conditions: [
      { kind: "dirichlet", on: "boundary", value: 0 },
      { kind: "initial", value: ([x]) => Math.sin(pi * x) },
      { kind: "initial-slope", value: 0 },
    ],
    exact: ([x, t]) => Math.sin(pi * x) * Math.cos(c * pi * t),
    // Measured: 1000 L-BFGS iterations left 1.1e-3 relative L2, 2000 reached 2.0e-4 (seed 0).
    defaults: {
      omega0: 3,
      hidden: [32, 32, 32],
      points: 400,
      steps: 2000,
      lbfgs: 2000,
      lr: 3e-3,
      lrDecay: 3e-3,
    },
  });
}
