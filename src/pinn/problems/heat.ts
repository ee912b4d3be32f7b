// u_t = α u_xx on [0, 1] × [0, 1] with u = 0 at x = 0, 1 and u(x, 0) = sin(πx).

import { scale, sub } from "../../tape/index.js";
import { definePde, type Problem } from "../problem.js";

/** Options of `heat`. */
export interface HeatOptions {
  /** Diffusivity α (default 0.1). */
  alpha?: number;
}

/** Creates the heat equation, whose exact solution is sin(πx) exp(−απ²t). */
export function heat(options: HeatOptions = {}): Problem {
  const alpha = options.alpha ?? 0.1;
  if (!(Number.isFinite(alpha) && alpha > 0)) {
    throw new RangeError(`heat: alpha must be a finite number > 0, received ${String(alpha)}`);
  }
  const pi = Math.PI;

  return definePde({
    name: "heat",
    description: `u_t = α u_xx on [0, 1] × [0, 1] (α = ${alpha}), u(0, t) = u(1, t) = 0, u(x, 0) = sin(πx); exact u = sin(πx) exp(−απ²t)`,
    coordinates: ["x", "t"],
    domain: [
      [0, 1],
      [0, 1],
    ],
    partials: ["t", "xx"],
    residual: ({ u_t, u_xx }) => sub(u_t, scale(u_xx, alpha)),
    conditions: [
      { kind: "dirichlet", on: "boundary", value: 0 },
      { kind: "initial", value: ([x]) => Math.sin(pi * x) },
    ],
    exact: ([x, t]) => Math.sin(pi * x) * Math.exp(-alpha * pi * pi * t),
    defaults: {
      omega0: 3,
      hidden: [32, 32, 32],
      points: 400,
      steps: 2000,
      lbfgs: 1000,
      lr: 3e-3,
      lrDecay: 3e-3,
    },
  });
}
