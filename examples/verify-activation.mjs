// Verify a hand-written derivative rule (softplus) and the residual of a user-defined PDE.
//
// Run after `npm run build`: node examples/verify-activation.mjs
// Exits with code 1 if a correct rule fails its check or the wrong rule passes.

import { add as addScalar, div, mul, neg, sigmoid, Taylor } from "siren-pinn/dual";
import { definePde } from "siren-pinn/pinn";
import { createMlp } from "siren-pinn/siren";
import { add, scale, sub, mul as tapeMul, neg as tapeNeg, sin as tapeSin } from "siren-pinn/tape";
import {
  assertDerivatives,
  checkDerivatives,
  checkResidual,
  formatDisagreements,
  formatReport,
} from "siren-pinn/verify";

// softplus(x) = log(1 + eˣ), with its derivative rules written by hand:
//   softplus' = σ(x),  softplus'' = σ(x) σ(−x),
// and the Taylor recurrence of w = softplus(u): w' = σ(u) u', so k w_k = Σ_j j u_j z_(k−j)
// where z are the Taylor coefficients of σ(u).
function makeSoftplus(firstDerivative) {
  const rule = {
    name: "softplus",
    apply: (x) => softplus(x),
    first: (x) => firstDerivative(x),
    second: (x) => mul(sigmoid(x), sigmoid(neg(x))),
    taylor: (u) => {
      const z = firstDerivative(new Taylor(u)).coefficients;
      const w = [softplus(u[0])];
      for (let k = 1; k < u.length; k++) {
        let sum = 0;
        for (let j = 1; j <= k; j++) sum = addScalar(sum, mul(j, mul(u[j], z[k - j])));
        w.push(div(sum, k));
      }
      return w;
    },
  };
  function softplus(x) {
    // log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)) without overflow.
    if (typeof x === "number") return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    return x.applyRule(rule);
  }
  return softplus;
}

let failed = false;

// 1. The correct rule passes at every point, against central differences and the closed form.
const softplus = makeSoftplus((x) => sigmoid(x));
for (const x of [-4, -0.5, 0, 0.7, 3]) {
  const report = checkDerivatives(softplus, x, {
    order: 3,
    closedForm: { 1: (t) => 1 / (1 + Math.exp(-t)) },
  });
  if (!report.pass) failed = true;
  if (x === 0.7) console.log(`${formatReport(report)}\n`);
}

// 2. A wrong rule (σ(−x) in place of σ(x)) is flagged, and the table shows where.
const wrongSoftplus = makeSoftplus((x) => sigmoid(neg(x)));
const wrong = checkDerivatives(wrongSoftplus, 0.7, { order: 2 });
console.log(`${formatReport(wrong)}\n`);
if (wrong.pass) failed = true;

// 3. A user-defined PDE, −u'' + u³ = f on [−1, 1] with f chosen so that u = sin(πx):
//    its residual must agree on the HyperDual, generic and fused paths.
const problem = definePde({
  name: "cubic-reaction",
  coordinates: ["x"],
  domain: [[-1, 1]],
  partials: ["xx"],
  residual: ({ u, u_xx, x }) => {
    // f = π² sin(πx) + sin³(πx)
    const s = tapeSin(scale(x, Math.PI));
    const f = add(scale(s, Math.PI ** 2), tapeMul(tapeMul(s, s), s));
    return sub(add(tapeNeg(u_xx), tapeMul(tapeMul(u, u), u)), f);
  },
  exact: ([x]) => Math.sin(Math.PI * x),
});
const model = createMlp({
  inputs: 1,
  hidden: [32, 32],
  outputs: 1,
  activation: "tanh",
  domain: problem.domain,
  biasInit: "uniform",
  seed: 1,
});
const residual = checkResidual(problem, model, { count: 16 });
console.log(formatDisagreements(residual));
console.log(`largest relative disagreement: ${residual.maxRelative.toExponential(2)}`);
if (!residual.pass) {
  console.log(formatReport(residual));
  failed = true;
}

// The assertion helpers throw a VerificationError with the table, for tests.
assertDerivatives(softplus, 1.5, { order: 2 });

process.exitCode = failed ? 1 : 0;
