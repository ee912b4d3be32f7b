// u'' + u = 0 on [0, 2π] with u(0) = 0, u'(0) = 1; the exact solution is sin x.

import { add } from "../../tape/index.js";
import { definePde, type Problem } from "../problem.js";

/** Creates the harmonic oscillator u'' + u = 0 as an initial value problem in x. */
export function harmonic(): Problem {
  return definePde({
    name: "harmonic",
    description: "u'' + u = 0 on [0, 2π], u(0) = 0, u'(0) = 1; exact u = sin x",
    coordinates: ["x"],
    domain: [[0, 2 * Math.PI]],
    partials: ["xx"],
    residual: ({ u, u_xx }) => add(u_xx, u),
    conditions: [
      { kind: "initial", value: 0 },
      { kind: "initial-slope", value: 1 },
    ],
    exact: ([x]) => Math.sin(x),
    // Adam descends slowly but steadily on this loss, so Adam alone needs a long phase to reach
    // relative L2 1e-4. The rate decays to 3e-5: a lower end stalls the descent, and a higher one
    // lets late loss spikes into the result. docs/problems.md lists the runs.
    defaults: {
      omega0: 3,
      hidden: [32, 32, 32],
      points: 128,
      steps: 9000,
      lbfgs: 2000,
      lr: 3e-3,
      lrDecay: 1e-2,
    },
  });
}
