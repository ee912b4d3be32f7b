// Train on the harmonic problem, then read u, u' and u'' of the trained network at new points.
//
// Run after `npm run build`: node examples/read-derivatives.mjs [--small]

import { harmonic, train } from "siren-pinn/pinn";
import { Tape } from "siren-pinn/tape";

const small = process.argv.includes("--small");
const { model } = train(harmonic(), {
  hidden: small ? [16, 16] : [32, 32, 32],
  points: small ? 32 : 128,
  steps: small ? 60 : 3000,
  lbfgs: small ? 10 : 500,
});

// A jet carries the value and the partials the spec requests; here du/dx and d²u/dx² along x.
const points = Float64Array.from([0.5, 1.5, 2.5, 4.0, 5.5]);
const tape = new Tape();
const jet = model.jet(tape, points, { dim: 1, first: [0], second: [[0, 0]], laplacian: false });

console.log("x       u        sin x    u'       cos x    u''      −sin x");
points.forEach((x, n) => {
  const row = [
    x,
    jet.value.data[n],
    Math.sin(x),
    jet.first.get(0).data[n],
    Math.cos(x),
    jet.second.get("0,0").data[n],
    -Math.sin(x),
  ];
  console.log(row.map((value) => value.toFixed(5).padStart(8)).join(" "));
});
tape.release();
