// Tests of the fused Taylor layer: forward vs batched Taylor jets, backward vs Dual jvps and differences.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BatchTaylor, batchTaylorAffine, batchTaylorUnary } from "../src/dual/batch-taylor.js";
import {
  add,
  cos,
  Dual,
  derivatives,
  mul,
  newTag,
  primal,
  type Scalar,
  sin,
  tanh,
} from "../src/dual/index.js";
import type { LayerActivation } from "../src/siren/activation.js";
import {
  FusedTaylorLayerWorkspace,
  fusedTaylorLayerBackward,
  fusedTaylorLayerForward,
  fusedTaylorLayerOp,
} from "../src/siren/fused-taylor.js";
import { fusedTaylorJet } from "../src/siren/fused-taylor-jet.js";
import { createMlp, type Mlp } from "../src/siren/mlp.js";
import { sum, add as tapeAdd, mul as tapeMul } from "../src/tape/ops.js";
import { Tape } from "../src/tape/tape.js";
import type { Tensor } from "../src/tape/tensor.js";

const EPS = Number.EPSILON;

// The fused forward calls the same recurrences as batchTaylorUnary after the same product, so
// both give the same bits in practice; 4 eps of each coefficient's max magnitude is a margin.
const SAME_PATH_TOLERANCE = 4 * EPS;

// <ct, J t> and <Jᵀ ct, t> sum the same products in other orders, over at most a few thousand
// terms with order <= 5: n·eps with n <= 4096 stays below 1e-12 of the sum of absolute terms.
const DOT_PRODUCT_TOLERANCE = 1e-12;

// Central differences at step H, with the truncation error estimated by Richardson's rule as
// |D(h) − D(2h)| and rounding as eps·Σ|ct||F| / h; a factor 4 covers the estimate's own error.
const H = 1e-5;

interface Case {
  points: number;
  order: number;
  inputs: number;
  outputs: number;
  activation: LayerActivation;
  omega: number;
  seed: number;
}

const caseArbitrary = fc.record({
  points: fc.integer({ min: 1, max: 5 }),
  order: fc.integer({ min: 0, max: 5 }),
  inputs: fc.integer({ min: 1, max: 6 }),
  outputs: fc.integer({ min: 1, max: 6 }),
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

/** Draws S, W, b, a tangent (dS, dW, db) and an output cotangent for one case. */
function draw(c: Case) {
  const next = generator(c.seed);
  const rows = (c.order + 1) * c.points;
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
 * Computes the layer's Taylor forward with generic scalar ops, so that Dual inputs give its jvp.
 * It runs the same recurrences as the library. The batched-Taylor tests check those against
 * closed forms and scalar Taylor jets, so here it is the oracle of the backward only.
 */
function referenceForward(c: Case, input: Scalar[], weights: Scalar[], bias: Scalar[]): Scalar[] {
  const rows = (c.order + 1) * c.points;
  const stride = c.points * c.outputs;
  const z: Scalar[] = new Array(rows * c.outputs);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < c.outputs; o++) {
      let s: Scalar = r < c.points ? bias[o] : 0;
      for (let i = 0; i < c.inputs; i++) {
        s = add(s, mul(input[r * c.inputs + i], weights[o * c.inputs + i]));
      }
      z[r * c.outputs + o] = s;
    }
  }
  if (c.activation === "linear") return z;

  const y: Scalar[] = new Array(rows * c.outputs);
  for (let e = 0; e < stride; e++) {
    const series = Array.from({ length: c.order + 1 }, (_, k) => z[k * stride + e]);
    const result = activationSeries(c, series);
    result.forEach((value, k) => {
      y[k * stride + e] = value;
    });
  }
  return y;
}

/** Returns the Taylor coefficients of f(z) for the series z, with the library's recurrences. */
function activationSeries(c: Case, z: Scalar[]): Scalar[] {
  const order = z.length - 1;
  if (c.activation === "relu") return z.map((zk) => (primal(z[0]) > 0 ? zk : 0));

  if (c.activation === "sine") {
    const w = z.map((zk) => mul(c.omega, zk));
    const s: Scalar[] = [sin(w[0])];
    const co: Scalar[] = [cos(w[0])];
    for (let k = 1; k <= order; k++) {
      let sumS: Scalar = 0;
      let sumC: Scalar = 0;
      for (let j = 1; j <= k; j++) {
        sumS = add(sumS, mul(j, mul(w[j], co[k - j])));
        sumC = add(sumC, mul(j, mul(w[j], s[k - j])));
      }
      s.push(mul(1 / k, sumS));
      co.push(mul(-1 / k, sumC));
    }
    return s;
  }

  const t: Scalar[] = [tanh(z[0])];
  const q: Scalar[] = [add(1, mul(-1, mul(t[0], t[0])))];
  for (let k = 1; k <= order; k++) {
    let sumT: Scalar = 0;
    for (let j = 1; j <= k; j++) sumT = add(sumT, mul(j, mul(z[j], q[k - j])));
    t.push(mul(1 / k, sumT));
    let square: Scalar = 0;
    for (let j = 0; j <= k; j++) square = add(square, mul(t[j], t[k - j]));
    q.push(mul(-1, square));
  }
  return t;
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

function workspaceFor(c: Case): FusedTaylorLayerWorkspace {
  return new FusedTaylorLayerWorkspace(
    c.points,
    c.order,
    c.inputs,
    c.outputs,
    c.activation,
    c.omega,
  );
}

function backwardOf(c: Case, data: ReturnType<typeof draw>) {
  const ws = workspaceFor(c);
  fusedTaylorLayerForward(ws, data.input, data.weights, data.bias);
  const ctIn = new Float64Array(data.input.length);
  const gW = new Float64Array(data.weights.length);
  const gb = new Float64Array(data.bias.length);
  fusedTaylorLayerBackward(ws, data.ct, ctIn, gW, gb);
  return { ctIn, gW, gb };
}

describe("fused Taylor layer non-finite inputs", () => {
  it("NaN value gives NaN coefficients", () => {
    for (const activation of ["sine", "tanh", "relu"] as const) {
      const ws = new FusedTaylorLayerWorkspace(1, 3, 1, 1, activation, 3);
      const input = Float64Array.of(Number.NaN, 1, 0, 0);
      const y = fusedTaylorLayerForward(ws, input, Float64Array.of(1), Float64Array.of(0));
      for (let k = 0; k <= 3; k++) expect(Number.isNaN(y[k])).toBe(true);
    }
  });

  it("relu backward keeps NaN", () => {
    const ws = new FusedTaylorLayerWorkspace(1, 1, 1, 1, "relu");
    fusedTaylorLayerForward(
      ws,
      Float64Array.of(Number.NaN, 1),
      Float64Array.of(1),
      Float64Array.of(0),
    );
    const gW = new Float64Array(1);
    fusedTaylorLayerBackward(ws, Float64Array.of(1, 1), null, gW, null);
    expect(Number.isNaN(gW[0])).toBe(true);
  });
});

describe("fused Taylor layer argument checks", () => {
  it("rejects buffers of other sizes", () => {
    const ws = new FusedTaylorLayerWorkspace(2, 4, 3, 2, "sine", 30);
    expect(() =>
      fusedTaylorLayerForward(ws, new Float64Array(5), new Float64Array(6), new Float64Array(2)),
    ).toThrow(/fusedTaylorLayerForward: expected input \[10, 3\]/);
  });

  it("rejects backward before forward", () => {
    const ws = new FusedTaylorLayerWorkspace(2, 4, 3, 2, "tanh");
    expect(() => fusedTaylorLayerBackward(ws, new Float64Array(20), null, null, null)).toThrow(
      /call fusedTaylorLayerForward first/,
    );
  });

  it("rejects an unknown activation", () => {
    const activation = "gelu" as LayerActivation;
    expect(() => new FusedTaylorLayerWorkspace(2, 3, 3, 2, activation)).toThrow(
      /activation must be one of sine, tanh, relu, linear, received "gelu"/,
    );
  });

  it("rejects a negative order", () => {
    expect(() => new FusedTaylorLayerWorkspace(2, -1, 3, 2, "tanh")).toThrow(
      /order must be an integer >= 0, received -1/,
    );
  });
});

describe("fused Taylor layer forward", () => {
  it("matches batchTaylorAffine and batchTaylorUnary", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const data = draw(c);
        const fused = fusedTaylorLayerForward(workspaceFor(c), data.input, data.weights, data.bias);

        const input = new BatchTaylor(c.order, c.points, c.inputs, data.input);
        const z = batchTaylorAffine(input, data.weights, data.bias);
        const op = c.activation === "linear" ? "identity" : c.activation;
        const reference = batchTaylorUnary(z, op, c.omega).data;

        const stride = c.points * c.outputs;
        for (let k = 0; k <= c.order; k++) {
          let scale = 0;
          for (let e = 0; e < stride; e++)
            scale = Math.max(scale, Math.abs(reference[k * stride + e]));
          for (let e = 0; e < stride; e++) {
            const difference = Math.abs(fused[k * stride + e] - reference[k * stride + e]);
            expect(difference).toBeLessThanOrEqual(SAME_PATH_TOLERANCE * scale);
          }
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("fused Taylor layer backward", () => {
  it("satisfies the dot-product identity with Dual jvps", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const data = draw(c);
        const { ctIn, gW, gb } = backwardOf(c, data);

        const tag = newTag();
        const lift = (values: Float64Array, tangents: Float64Array): Scalar[] =>
          Array.from(values, (v, k) => new Dual(v, tangents[k], tag));
        const outputs = referenceForward(
          c,
          lift(data.input, data.dInput),
          lift(data.weights, data.dWeights),
          lift(data.bias, data.dBias),
        );
        const jvp = outputs.map((y) => (y instanceof Dual ? primal(y.tangent) : 0));

        const left = dot(data.ct, jvp);
        const right = [dot(ctIn, data.dInput), dot(gW, data.dWeights), dot(gb, data.dBias)];
        const rightValue = right.reduce((total, d) => total + d.value, 0);
        const magnitude = left.magnitude + right.reduce((total, d) => total + d.magnitude, 0);
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
        const data = draw(c);
        const { ctIn, gW, gb } = backwardOf(c, data);
        const ws = workspaceFor(c);

        // L(θ + t d) = <ct, F(θ + t d)>, differenced in t.
        const loss = (t: number): { value: number; magnitude: number } => {
          const shift = (v: Float64Array, d: Float64Array) => v.map((x, k) => x + t * d[k]);
          const y = fusedTaylorLayerForward(
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
});

describe("fused Taylor layer on the tape", () => {
  it("gives the direct backward's gradients", () => {
    const c: Case = {
      points: 3,
      order: 4,
      inputs: 3,
      outputs: 5,
      activation: "sine",
      omega: 30,
      seed: 13,
    };
    const data = draw(c);
    const direct = backwardOf(c, data);

    const tape = new Tape();
    const rows = (c.order + 1) * c.points;
    const input = tape.param("S", data.input, [rows, c.inputs]);
    const W = tape.param("W", data.weights, [c.outputs, c.inputs]);
    const b = tape.param("b", data.bias, [c.outputs]);
    const y = fusedTaylorLayerOp(tape, input, W, b, workspaceFor(c));
    const grads = tape.backward(sum(tapeMul(y, tape.constant(data.ct, [rows, c.outputs]))));

    expect(grads.get("W")).toEqual(direct.gW);
    expect(grads.get("b")).toEqual(direct.gb);
    expect(grads.get("S")).toEqual(direct.ctIn);
  });
});

const FACTORIALS = [1, 1, 2, 6, 24, 120, 720];

// The network's coefficients from fused layers and from scalar Taylor jets of src/dual sum the
// same terms in other orders. A few hundred products per coefficient, none larger than the
// largest coefficient, keep the difference below 1e-12 of that maximum.
const NETWORK_TOLERANCE = 1e-12;

const networkArbitrary = fc.record({
  hidden: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
  inputs: fc.integer({ min: 1, max: 3 }),
  activation: fc.constantFrom("sine" as const, "tanh" as const),
  omega0: fc.double({ min: 1, max: 30, noNaN: true }),
  seed: fc.integer({ min: 0, max: 1000 }),
  order: fc.integer({ min: 0, max: 5 }),
  x: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
  v: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
});

function networkOf(options: {
  hidden: number[];
  inputs: number;
  activation: "sine" | "tanh";
  omega0: number;
  seed: number;
}): Mlp {
  const domain = Array.from({ length: options.inputs }, () => [-2, 2] as const);
  const { hidden, inputs, activation, omega0, seed } = options;
  return createMlp({
    inputs,
    hidden,
    outputs: 1,
    activation,
    omega0,
    seed,
    domain,
    biasInit: "uniform",
  });
}

describe("fusedTaylorJet on a network", () => {
  it("matches scalar Taylor jets of evaluateScalar", () => {
    fc.assert(
      fc.property(networkArbitrary, (c) => {
        const model = networkOf(c);
        const x = c.x.slice(0, c.inputs);
        const v = c.v.slice(0, c.inputs);
        const tape = new Tape();
        const coefficients = fusedTaylorJet(model, tape, Float64Array.from(x), v, c.order);
        tape.release();

        // Along the line x + t v the network is a function of t alone.
        const line = (t: Scalar) =>
          model.evaluateScalar(x.map((xi, i) => add(xi, mul(v[i], t))))[0];
        const reference = derivatives(line, 0, c.order).map((d, k) => primal(d) / FACTORIALS[k]);
        const scale = Math.max(1, ...reference.map(Math.abs));
        reference.forEach((want, k) => {
          const got = coefficients[k].data[0];
          expect(Math.abs(got - want)).toBeLessThanOrEqual(NETWORK_TOLERANCE * scale);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("gives gradients like central differences", () => {
    const model = networkOf({ hidden: [5, 4], inputs: 2, activation: "sine", omega0: 3, seed: 2 });
    const points = Float64Array.of(0.3, -0.4, -1.1, 0.9);
    const order = 4;
    // L(θ) = Σ_k Σ_points (u_k)², a loss that reads every coefficient.
    const loss = (tape: Tape): Tensor => {
      const coefficients = fusedTaylorJet(model, tape, points, [0.6, -0.8], order);
      return coefficients
        .map((u) => sum(tapeMul(u, u)))
        .reduce((total, term) => tapeAdd(total, term));
    };

    const tape = new Tape();
    const grads = tape.backward(loss(tape));
    const direction = Float64Array.from(model.params, (_, k) => Math.sin(3 * k + 1));
    let predicted = 0;
    for (const entry of model.paramEntries) {
      const gradient = grads.get(entry.name)!;
      for (let k = 0; k < gradient.length; k++)
        predicted += gradient[k] * direction[entry.offset + k];
    }

    const start = model.params.slice();
    const evaluate = (t: number): number => {
      model.setParams(start.map((p, k) => p + t * direction[k]));
      const probe = new Tape();
      const value = loss(probe).data[0];
      probe.release();
      return value;
    };
    const difference = (h: number) => (evaluate(h) - evaluate(-h)) / (2 * h);
    const estimate = difference(H);
    const truncation = Math.abs(estimate - difference(2 * H));
    const rounding = (EPS * Math.abs(evaluate(0))) / H;
    model.setParams(start);
    expect(Math.abs(predicted - estimate)).toBeLessThanOrEqual(4 * (truncation + rounding));
  });

  it("keeps two live tapes apart", () => {
    const model = networkOf({ hidden: [4], inputs: 1, activation: "tanh", omega0: 1, seed: 5 });
    const first = new Tape();
    const second = new Tape();
    const a = fusedTaylorJet(model, first, Float64Array.of(0.5), 0, 3);
    const b = fusedTaylorJet(model, second, Float64Array.of(-0.5), 0, 3);
    const again = new Tape();
    const c = fusedTaylorJet(model, again, Float64Array.of(0.5), 0, 3);
    for (let k = 0; k <= 3; k++) {
      expect(a[k].data[0]).toBe(c[k].data[0]);
      expect(b[k].data[0]).not.toBe(a[k].data[0]);
    }
  });

  it("rejects points of the wrong length", () => {
    const model = networkOf({ hidden: [4], inputs: 2, activation: "tanh", omega0: 1, seed: 5 });
    expect(() => fusedTaylorJet(model, new Tape(), Float64Array.of(1, 2, 3), 0, 2)).toThrow(
      /^fusedTaylorJet: points has length 3, not a multiple of the input dimension 2/,
    );
  });

  it("rejects empty or non-finite points", () => {
    const model = networkOf({ hidden: [4], inputs: 2, activation: "tanh", omega0: 1, seed: 5 });
    expect(() => fusedTaylorJet(model, new Tape(), new Float64Array(0), 0, 2)).toThrow(
      /^fusedTaylorJet: points is empty/,
    );
    expect(() => fusedTaylorJet(model, new Tape(), Float64Array.of(1, Number.NaN), 0, 2)).toThrow(
      /^fusedTaylorJet: point 0 has coordinate 1 = NaN/,
    );
  });
});

describe("fusedTaylorJet workspace reuse", () => {
  it("overwrites released results on the next call", () => {
    // Documents the NOTE on fusedTaylorJet: results are views of a reused workspace.
    const model = networkOf({ hidden: [3], inputs: 1, activation: "sine", omega0: 2, seed: 9 });
    const first = new Tape();
    const before = fusedTaylorJet(model, first, Float64Array.of(0.25), 0, 2);
    const kept = Float64Array.from(before[1].data);
    first.release();

    const second = new Tape();
    const after = fusedTaylorJet(model, second, Float64Array.of(-0.75), 0, 2);
    expect(before[1].data[0]).toBe(after[1].data[0]);
    expect(kept[0]).not.toBe(after[1].data[0]);
  });
});
