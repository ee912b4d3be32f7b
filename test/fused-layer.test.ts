// Tests of the fused layer: forward vs the batched jets, backward vs Dual jvps and differences.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchJet, batchAffine, batchUnary, seedBatchJet } from "../src/dual/batch-jet.js";
import { JetLayout, type JetSpec } from "../src/dual/batch-spec.js";
import { add, cos, Dual, mul, newTag, primal, type Scalar, sin, tanh } from "../src/dual/index.js";
import type { LayerActivation } from "../src/siren/activation.js";
import {
  FusedLayerWorkspace,
  fusedLayerBackward,
  fusedLayerForward,
  fusedLayerOp,
} from "../src/siren/fused.js";
import { sum, mul as tapeMul } from "../src/tape/ops.js";
import { Tape } from "../src/tape/tape.js";

const EPS = Number.EPSILON;

// The fused forward and batchAffine + batchUnary run the same products and library calls in
// the same order, so they agree to the last bit in practice. 4 eps of each stream's max
// magnitude is a margin, not an error estimate.
const SAME_PATH_TOLERANCE = 4 * EPS;

// <ct, J t> and <Jᵀ ct, t> sum the same products in different orders over at most a few
// thousand terms, and the Dual jvp rounds each elementary product once: n·eps with n <= 4096
// stays below 1e-12 of the sum of absolute terms Σ|ct_k (J t)_k| + Σ|(Jᵀ ct)_k t_k|.
const DOT_PRODUCT_TOLERANCE = 1e-12;

// Central differences at step h: the truncation error is estimated by Richardson's rule as
// |D(h) − D(2h)| (three times the error at h), to which we add rounding, eps·Σ|ct||F| / h per
// evaluation of L; a factor 4 on the whole covers the estimate's own error.
const H = 1e-5;

const SPECS: JetSpec[] = [
  { dim: 1, first: [0], second: [[0, 0]], laplacian: false },
  { dim: 2, first: [], second: [[0, 1]], laplacian: true },
  {
    dim: 2,
    first: [0, 1],
    second: [
      [0, 0],
      [0, 1],
      [1, 1],
    ],
    laplacian: true,
  },
  { dim: 3, first: [2], second: [], laplacian: false },
];

interface Case {
  spec: JetSpec;
  points: number;
  inputs: number;
  outputs: number;
  activation: LayerActivation;
  omega: number;
  seed: number;
}

const caseArbitrary = fc.record({
  spec: fc.constantFrom(...SPECS),
  points: fc.integer({ min: 1, max: 6 }),
  inputs: fc.integer({ min: 1, max: 7 }),
  outputs: fc.integer({ min: 1, max: 7 }),
  activation: fc.constantFrom<LayerActivation>("sine", "tanh", "relu", "linear"),
  omega: fc.double({ min: 0.5, max: 30, noNaN: true }),
  seed: fc.integer({ min: 1, max: 2 ** 30 }),
});

function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** Random S, W, b, a tangent (dS, dW, db) and an output cotangent for one case. */
function draw(c: Case, layout: JetLayout) {
  const next = generator(c.seed);
  const rows = layout.streams * c.points;
  const array = (length: number, factor = 1) =>
    Float64Array.from({ length }, () => factor * next());
  // Weights of size 1/inputs keep z of order 1, as the SIREN initialisation does.
  return {
    input: array(rows * c.inputs),
    weights: array(c.outputs * c.inputs, 1 / c.inputs),
    bias: array(c.outputs),
    dInput: array(rows * c.inputs),
    dWeights: array(c.outputs * c.inputs),
    dBias: array(c.outputs),
    ct: array(rows * c.outputs),
  };
}

/**
 * The layer's jet forward written with generic scalar ops, so that Dual inputs give its jvp.
 * It follows the fused forward's formulas, which the batched-jet tests check against
 * HyperDual. Here it is the oracle of the backward only.
 */
function referenceForward(
  c: Case,
  layout: JetLayout,
  input: Scalar[],
  weights: Scalar[],
  bias: Scalar[],
): Scalar[] {
  const rows = layout.streams * c.points;
  const size = c.points * c.outputs;
  const z: Scalar[] = new Array(rows * c.outputs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < c.outputs; o++) {
      let s: Scalar = r < c.points ? bias[o] : 0;
      for (let i = 0; i < c.inputs; i++)
        s = add(s, mul(input[r * c.inputs + i], weights[o * c.inputs + i]));
      z[r * c.outputs + o] = s;
    }
  }
  if (c.activation === "linear") return z;

  const y: Scalar[] = new Array(rows * c.outputs);
  for (let e = 0; e < size; e++) {
    const [f0, f1, f2] = activationTerms(c, z[e]);
    y[e] = f0;
    for (let s = 1; s <= layout.spec.first.length; s++) y[s * size + e] = mul(f1, z[s * size + e]);
    layout.spec.second.forEach((_, k) => {
      const at = (stream: number) => z[stream * size + e];
      const base = layout.secondStreams[k];
      const zi = at(layout.secondFactors[2 * k]);
      const zj = at(layout.secondFactors[2 * k + 1]);
      y[base * size + e] = add(mul(f1, at(base)), mul(f2, mul(zi, zj)));
    });
    if (layout.laplacianStream >= 0) {
      let squares: Scalar = 0;
      for (const stream of layout.laplacianFactors) {
        squares = add(squares, mul(z[stream * size + e], z[stream * size + e]));
      }
      const base = layout.laplacianStream * size;
      y[base + e] = add(mul(f1, z[base + e]), mul(f2, squares));
    }
  }
  return y;
}

/** f(z), f'(z), f''(z) as scalars: sin(ωz), tanh(z) or relu(z). */
function activationTerms(c: Case, z: Scalar): [Scalar, Scalar, Scalar] {
  if (c.activation === "sine") {
    const w = c.omega;
    const s = sin(mul(w, z));
    return [s, mul(w, cos(mul(w, z))), mul(-w * w, s)];
  }
  if (c.activation === "tanh") {
    const t = tanh(z);
    const slope = add(1, mul(-1, mul(t, t)));
    return [t, slope, mul(-2, mul(t, slope))];
  }
  const positive = primal(z) > 0;
  return [positive ? z : 0, positive ? 1 : 0, 0];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; magnitude: number } {
  let value = 0;
  let magnitude = 0;
  for (let k = 0; k < a.length; k++) {
    value += a[k] * b[k];
    magnitude += Math.abs(a[k] * b[k]);
  }
  return { value, magnitude };
}

function backwardOf(c: Case, layout: JetLayout, data: ReturnType<typeof draw>) {
  const ws = new FusedLayerWorkspace(c.points, layout, c.inputs, c.outputs, c.activation, c.omega);
  fusedLayerForward(ws, data.input, data.weights, data.bias);
  const ctIn = new Float64Array(data.input.length);
  const gW = new Float64Array(data.weights.length);
  const gb = new Float64Array(data.bias.length);
  fusedLayerBackward(ws, data.ct, ctIn, gW, gb);
  return { ctIn, gW, gb };
}

describe("fused layer non-finite inputs", () => {
  it("NaN value gives NaN streams", () => {
    const layout = new JetLayout(SPECS[0]);
    for (const activation of ["sine", "tanh", "relu"] as const) {
      const ws = new FusedLayerWorkspace(1, layout, 1, 1, activation, 3);
      const input = Float64Array.of(Number.NaN, 1, 0);
      const y = fusedLayerForward(ws, input, Float64Array.of(1), Float64Array.of(0));
      expect(Number.isNaN(y[0])).toBe(true);
      expect(Number.isNaN(y[1])).toBe(true);
      expect(Number.isNaN(y[2])).toBe(true);
    }
  });

  it("linear keeps NaN in its own stream", () => {
    const ws = new FusedLayerWorkspace(1, new JetLayout(SPECS[0]), 1, 1, "linear");
    const y = fusedLayerForward(
      ws,
      Float64Array.of(Number.NaN, 1, 0),
      Float64Array.of(2),
      Float64Array.of(0),
    );
    expect(Number.isNaN(y[0])).toBe(true);
    expect(y[1]).toBe(2);
  });

  it("infinite pre-activation saturates tanh", () => {
    const ws = new FusedLayerWorkspace(1, new JetLayout(SPECS[0]), 1, 1, "tanh");
    const y = fusedLayerForward(
      ws,
      Float64Array.of(Number.POSITIVE_INFINITY, 1, 0),
      Float64Array.of(1),
      Float64Array.of(0),
    );
    expect(y[0]).toBe(1);
    expect(y[1]).toBe(0);
  });
});

describe("fused layer argument checks", () => {
  it("rejects buffers of other sizes", () => {
    const ws = new FusedLayerWorkspace(2, SPECS[0], 3, 4, "sine", 30);
    expect(() =>
      fusedLayerForward(ws, new Float64Array(5), new Float64Array(12), new Float64Array(4)),
    ).toThrow(/fusedLayerForward: expected input \[6, 3\]/);
  });

  it("rejects backward before forward", () => {
    const ws = new FusedLayerWorkspace(2, SPECS[0], 3, 4, "sine", 30);
    expect(() => fusedLayerBackward(ws, new Float64Array(24), null, null, null)).toThrow(
      /call fusedLayerForward first/,
    );
  });

  it("rejects an unknown activation", () => {
    const activation = "gelu" as LayerActivation;
    expect(() => new FusedLayerWorkspace(2, SPECS[0], 3, 4, activation)).toThrow(
      /activation must be one of sine, tanh, relu, linear, received "gelu"/,
    );
  });

  it("rejects a non-positive size", () => {
    expect(() => new FusedLayerWorkspace(0, SPECS[0], 3, 4, "sine")).toThrow(
      /points must be a positive integer/,
    );
  });
});

describe("fused layer forward", () => {
  it("matches batchAffine and batchUnary", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const layout = new JetLayout(c.spec);
        const data = draw(c, layout);
        const ws = new FusedLayerWorkspace(
          c.points,
          layout,
          c.inputs,
          c.outputs,
          c.activation,
          c.omega,
        );
        const fused = fusedLayerForward(ws, data.input, data.weights, data.bias);

        const input = new BatchJet(layout, c.points, c.inputs, data.input);
        const jet = batchAffine(input, data.weights, data.bias);
        const op = c.activation === "linear" ? "identity" : c.activation;
        const reference = batchUnary(jet, op, c.omega).data;

        const size = c.points * c.outputs;
        for (let s = 0; s < layout.streams; s++) {
          let scale = 0;
          for (let e = 0; e < size; e++) scale = Math.max(scale, Math.abs(reference[s * size + e]));
          for (let e = 0; e < size; e++) {
            expect(Math.abs(fused[s * size + e] - reference[s * size + e])).toBeLessThanOrEqual(
              SAME_PATH_TOLERANCE * scale,
            );
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("fused layer backward", () => {
  it("satisfies the dot-product identity with Dual jvps", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const layout = new JetLayout(c.spec);
        const data = draw(c, layout);
        const { ctIn, gW, gb } = backwardOf(c, layout, data);

        const tag = newTag();
        const lift = (values: Float64Array, tangents: Float64Array): Scalar[] =>
          Array.from(values, (v, k) => new Dual(v, tangents[k], tag));
        const outputs = referenceForward(
          c,
          layout,
          lift(data.input, data.dInput),
          lift(data.weights, data.dWeights),
          lift(data.bias, data.dBias),
        );
        const jvp = outputs.map((y) => (y instanceof Dual ? primal(y.tangent) : 0));

        const left = dot(data.ct, jvp);
        const right = [dot(ctIn, data.dInput), dot(gW, data.dWeights), dot(gb, data.dBias)];
        const rightValue = right.reduce((s, d) => s + d.value, 0);
        const magnitude = left.magnitude + right.reduce((s, d) => s + d.magnitude, 0);
        expect(Math.abs(left.value - rightValue)).toBeLessThanOrEqual(
          DOT_PRODUCT_TOLERANCE * magnitude,
        );
      }),
      { numRuns: 150 },
    );
  });

  it("matches central differences along a random direction", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const layout = new JetLayout(c.spec);
        const data = draw(c, layout);
        const { ctIn, gW, gb } = backwardOf(c, layout, data);
        const ws = new FusedLayerWorkspace(
          c.points,
          layout,
          c.inputs,
          c.outputs,
          c.activation,
          c.omega,
        );

        // L(θ + t d) = <ct, F(θ + t d)>, differenced in t.
        const loss = (t: number): { value: number; magnitude: number } => {
          const shift = (v: Float64Array, d: Float64Array) => v.map((x, k) => x + t * d[k]);
          const y = fusedLayerForward(
            ws,
            shift(data.input, data.dInput),
            shift(data.weights, data.dWeights),
            shift(data.bias, data.dBias),
          );
          return dot(data.ct, y);
        };
        const difference = (h: number) => (loss(h).value - loss(-h).value) / (2 * h);
        const predicted =
          dot(ctIn, data.dInput).value + dot(gW, data.dWeights).value + dot(gb, data.dBias).value;

        const estimate = difference(H);
        const truncation = Math.abs(estimate - difference(2 * H));
        const rounding = (EPS * loss(0).magnitude) / H;
        // relu has kinks: a difference across one is not a derivative, so skip those draws.
        if (c.activation === "relu" && truncation > 1e-3 * (1 + Math.abs(estimate))) return;
        expect(Math.abs(estimate - predicted)).toBeLessThanOrEqual(4 * (truncation + rounding));
      }),
      { numRuns: 150 },
    );
  });

  it("accumulates into the given buffers", () => {
    const c: Case = {
      spec: SPECS[2],
      points: 3,
      inputs: 4,
      outputs: 5,
      activation: "sine",
      omega: 3,
      seed: 7,
    };
    const layout = new JetLayout(c.spec);
    const data = draw(c, layout);
    const once = backwardOf(c, layout, data);

    const ws = new FusedLayerWorkspace(
      c.points,
      layout,
      c.inputs,
      c.outputs,
      c.activation,
      c.omega,
    );
    fusedLayerForward(ws, data.input, data.weights, data.bias);
    const gW = new Float64Array(data.weights.length);
    fusedLayerBackward(ws, data.ct, null, gW, null);
    fusedLayerBackward(ws, data.ct, null, gW, null);
    for (let k = 0; k < gW.length; k++) expect(gW[k]).toBe(2 * once.gW[k]);
  });
});

describe("fused layer on the tape", () => {
  it("gives the direct backward's gradients", () => {
    const c: Case = {
      spec: SPECS[1],
      points: 4,
      inputs: 3,
      outputs: 5,
      activation: "sine",
      omega: 30,
      seed: 11,
    };
    const layout = new JetLayout(c.spec);
    const data = draw(c, layout);
    const direct = backwardOf(c, layout, data);

    const tape = new Tape();
    const rows = layout.streams * c.points;
    const input = tape.param("S", data.input, [rows, c.inputs]);
    const W = tape.param("W", data.weights, [c.outputs, c.inputs]);
    const b = tape.param("b", data.bias, [c.outputs]);
    const ws = new FusedLayerWorkspace(
      c.points,
      layout,
      c.inputs,
      c.outputs,
      c.activation,
      c.omega,
    );
    const y = fusedLayerOp(tape, input, W, b, ws);
    const grads = tape.backward(sum(tapeMul(y, tape.constant(data.ct, [rows, c.outputs]))));

    expect(grads.get("W")).toEqual(direct.gW);
    expect(grads.get("b")).toEqual(direct.gb);
    expect(grads.get("S")).toEqual(direct.ctIn);
  });

  it("chains two layers like central differences", () => {
    const spec = SPECS[2];
    const layout = new JetLayout(spec);
    const points = 3;
    const next = generator(5);
    const x = Float64Array.from({ length: points * spec.dim }, next);
    const seeded = seedBatchJet(x, spec).data;
    const W1 = Float64Array.from({ length: 6 * 2 }, () => next() / 2);
    const b1 = Float64Array.from({ length: 6 }, next);
    const W2 = Float64Array.from({ length: 6 }, () => next() / 6);
    const b2 = Float64Array.of(0.1);
    const weights = { W1, b1, W2, b2 };
    const ws1 = new FusedLayerWorkspace(points, layout, 2, 6, "sine", 3);
    const ws2 = new FusedLayerWorkspace(points, layout, 6, 1, "linear");

    const loss = (tape: Tape) => {
      const S = tape.constant(seeded, [layout.streams * points, 2]);
      const hidden = fusedLayerOp(
        tape,
        S,
        tape.param("W1", W1, [6, 2]),
        tape.param("b1", b1, [6]),
        ws1,
      );
      const out = fusedLayerOp(
        tape,
        hidden,
        tape.param("W2", W2, [1, 6]),
        tape.param("b2", b2, [1]),
        ws2,
      );
      return sum(tapeMul(out, out));
    };
    const tape = new Tape();
    const grads = tape.backward(loss(tape));

    for (const [name, values] of Object.entries(weights)) {
      const gradient = grads.get(name)!;
      for (let k = 0; k < values.length; k++) {
        const saved = values[k];
        const evaluate = (h: number) => {
          values[k] = saved + h;
          const t = new Tape();
          const result = loss(t).data[0];
          t.release();
          values[k] = saved;
          return result;
        };
        const estimate = (evaluate(H) - evaluate(-H)) / (2 * H);
        const truncation = Math.abs(estimate - (evaluate(2 * H) - evaluate(-2 * H)) / (4 * H));
        const rounding = (EPS * Math.abs(evaluate(0))) / H;
        expect(Math.abs(gradient[k] - estimate)).toBeLessThanOrEqual(
          4 * (truncation + rounding) + 1e-12,
        );
      }
    }
  });
});
