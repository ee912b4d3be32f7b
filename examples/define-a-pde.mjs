// Define a new PDE in a few lines and train a SIREN on it: a damped oscillator u'' + 2ζu' + u = 0.
//
// Run after `npm run build`: node examples/define-a-pde.mjs [--small]

import { definePde, train } from "siren-pinn/pinn";
import { add, scale } from "siren-pinn/tape";

const small = process.argv.includes("--small");
const zeta = 0.2;
const damped = Math.sqrt(1 - zeta * zeta);

// u(0) = 0, u'(0) = 1 gives u = exp(−ζx) sin(√(1−ζ²) x) / √(1−ζ²).
const problem = definePde({
  name: "damped-oscillator",
  coordinates: ["x"],
  domain: [[0, 2 * Math.PI]],
  partials: ["x", "xx"],
  residual: ({ u, u_x, u_xx }) => add(add(u_xx, scale(u_x, 2 * zeta)), u),
  conditions: [
    { kind: "initial", value: 0 },
    { kind: "initial-slope", value: 1 },
  ],
  exact: ([x]) => (Math.exp(-zeta * x) * Math.sin(damped * x)) / damped,
});

const result = train(problem, {
  activation: "sine",
  omega0: 3,
  hidden: small ? [16, 16] : [32, 32, 32],
  points: small ? 32 : 128,
  steps: small ? 60 : 3000,
  lbfgs: small ? 10 : 500,
  seed: 0,
});

console.log(`damped oscillator: relative L2 ${result.metrics.relativeL2?.toExponential(2)}`);
console.log(`final loss terms: ${JSON.stringify(result.history.at(-1)?.terms)}`);
