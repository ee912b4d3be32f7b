// Tests of the batched Taylor jets against closed forms, the scalar Taylor jets and BatchJet.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { batchAffine, batchUnary, seedBatchJet } from "../src/dual/batch-jet.js";
import {
  BatchTaylor,
  type BatchTaylorOp,
  batchTaylorAffine,
  batchTaylorMul,
  batchTaylorSine,
  batchTaylorUnary,
  seedBatchTaylor,
} from "../src/dual/batch-taylor.js";
import {
  add,
  derivatives,
  exp,
  log,
  mul,
  primal,
  relu,
  type Scalar,
  sigmoid,
  sin,
  sqrt,
  tanh,
} from "../src/dual/index.js";

// On a seeded line z = a x + c every recurrence reduces to one product per coefficient
// (z_j = 0 for j >= 2), so coefficient k carries about k + 2 roundings. The closed forms
// round their argument (ωz + kπ/2 for the sine) by eps times its size. Both errors are
// measured against the coefficient's natural size |a|^k M_k / k! with M_k >= |f^(k)| on the
// range tested, where the sine's M_k carries a factor 1 + |ωz| + k for its rounded argument.
// With order <= 6 both errors stay within a few tens of eps of that size, so 1e-12 is ample.
const CLOSED_FORM_TOLERANCE = 1e-12;

// Two implementations of the same coefficients (recurrences vs the chain rule, or batched vs
// scalar Taylor) sum the same terms in other orders. Each sums a few hundred products no larger
// than the largest coefficient, so 1e-12 of that maximum bounds the difference.
const CROSS_CHECK_TOLERANCE = 1e-12;

const FACTORIALS = [1, 1, 2, 6, 24, 120, 720, 5040, 40320];

/** Returns the derivatives of tanh at z of orders 0 to 4 (from t' = 1 − t²). */
function tanhDerivatives(z: number): number[] {
  const t = Math.tanh(z);
  const s = 1 - t * t;
  return [t, s, -2 * t * s, s * (6 * t * t - 2), s * (16 * t - 24 * t ** 3)];
}

interface ClosedForm {
  maxOrder: number;
  /** Returns f^(k)(z) for k = 0..order and bounds M_k >= |f^(k)| near z. */
  derivatives: (z: number, omega: number, order: number) => { values: number[]; bounds: number[] };
}

const ks = (order: number) => Array.from({ length: order + 1 }, (_, k) => k);

const closedForms: Partial<Record<BatchTaylorOp, ClosedForm>> = {
  sine: {
    maxOrder: 6,
    derivatives: (z, w, order) => ({
      values: ks(order).map((k) => w ** k * Math.sin(w * z + (k * Math.PI) / 2)),
      bounds: ks(order).map((k) => w ** k * (1 + Math.abs(w * z) + k)),
    }),
  },
  cos: {
    maxOrder: 6,
    derivatives: (z, _w, order) => ({
      values: ks(order).map((k) => Math.cos(z + (k * Math.PI) / 2)),
      bounds: ks(order).map((k) => 1 + Math.abs(z) + k),
    }),
  },
  exp: {
    maxOrder: 6,
    derivatives: (z, _w, order) => ({
      values: ks(order).map(() => Math.exp(z)),
      bounds: ks(order).map(() => Math.exp(z)),
    }),
  },
  log: {
    maxOrder: 6,
    derivatives: (z, _w, order) => ({
      values: ks(order).map((k) =>
        k === 0 ? Math.log(z) : ((-1) ** (k + 1) * FACTORIALS[k - 1]) / z ** k,
      ),
      bounds: ks(order).map((k) =>
        k === 0 ? 1 + Math.abs(Math.log(z)) : FACTORIALS[k - 1] / z ** k,
      ),
    }),
  },
  sqrt: {
    maxOrder: 6,
    derivatives: (z, _w, order) => {
      // d^k z^(1/2) = (1/2)(1/2 − 1)...(1/2 − k + 1) z^(1/2 − k)
      const values: number[] = [];
      let falling = 1;
      for (let k = 0; k <= order; k++) {
        values.push(falling * z ** (0.5 - k));
        falling *= 0.5 - k;
      }
      return { values, bounds: values.map(Math.abs) };
    },
  },
  square: {
    maxOrder: 6,
    derivatives: (z, _w, order) => ({
      values: ks(order).map((k) => [z * z, 2 * z, 2][k] ?? 0),
      bounds: ks(order).map(() => 1 + z * z),
    }),
  },
  tanh: {
    maxOrder: 4,
    derivatives: (z, _w, order) => ({
      values: tanhDerivatives(z).slice(0, order + 1),
      bounds: ks(order).map(() => 8),
    }),
  },
  sigmoid: {
    maxOrder: 4,
    // σ(z) = (1 + tanh(z/2)) / 2, so σ^(k)(z) = tanh^(k)(z/2) / 2^(k+1) for k >= 1.
    derivatives: (z, _w, order) => ({
      values: tanhDerivatives(z / 2)
        .slice(0, order + 1)
        .map((d, k) => (k === 0 ? (1 + d) / 2 : d / 2 ** (k + 1))),
      bounds: ks(order).map(() => 1),
    }),
  },
};

describe("BatchTaylor non-finite and singular inputs", () => {
  it("NaN propagates to every coefficient", () => {
    for (const op of ["sine", "tanh", "relu", "exp", "log", "sqrt", "sigmoid"] as const) {
      const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(Number.NaN), 1, 0, 3), op, 2);
      for (let k = 0; k <= 3; k++) expect(Number.isNaN(y.coefficient(k)[0])).toBe(true);
    }
  });

  it("log at 0 is −Infinity with non-finite coefficients", () => {
    const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(0), 1, 0, 3), "log");
    expect(y.coefficient(0)[0]).toBe(Number.NEGATIVE_INFINITY);
    for (let k = 1; k <= 3; k++) expect(Number.isFinite(y.coefficient(k)[0])).toBe(false);
  });

  it("log below 0 is NaN in every coefficient", () => {
    const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(-2), 1, 0, 3), "log");
    for (let k = 0; k <= 3; k++) expect(Number.isNaN(y.coefficient(k)[0])).toBe(true);
  });

  it("sqrt below 0 is NaN in every coefficient", () => {
    const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(-2), 1, 0, 3), "sqrt");
    for (let k = 0; k <= 3; k++) expect(Number.isNaN(y.coefficient(k)[0])).toBe(true);
  });

  it("sqrt at 0 has non-finite coefficients", () => {
    const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(0), 1, 0, 2), "sqrt");
    expect(y.coefficient(0)[0]).toBe(0);
    expect(y.coefficient(1)[0]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isFinite(y.coefficient(2)[0])).toBe(false);
  });

  it("relu at 0 has zero coefficients", () => {
    const y = batchTaylorUnary(seedBatchTaylor(Float64Array.of(0, 2, -1), 1, 0, 3), "relu");
    expect(Array.from(y.coefficient(0))).toEqual([0, 2, 0]);
    expect(Array.from(y.coefficient(1))).toEqual([0, 1, 0]);
    expect(Array.from(y.coefficient(2))).toEqual([0, 0, 0]);
  });
});

describe("BatchTaylor argument checks", () => {
  it("rejects an unknown op", () => {
    const jet = seedBatchTaylor(Float64Array.of(1), 1, 0, 2);
    expect(() => batchTaylorUnary(jet, "gelu" as BatchTaylorOp)).toThrow(
      /op must be one of sine, sin, cos, tanh/,
    );
  });

  it("rejects a negative order", () => {
    expect(() => new BatchTaylor(-1, 1, 1)).toThrow(/order must be a non-negative integer/);
  });

  it("rejects a direction outside the input", () => {
    expect(() => seedBatchTaylor(Float64Array.of(1, 2), 2, 2, 3)).toThrow(
      /direction must be an axis in \[0, 1\]/,
    );
  });

  it("rejects coefficients above the order", () => {
    expect(() => new BatchTaylor(2, 1, 1).coefficient(3)).toThrow(
      /k must be an integer in \[0, 2\]/,
    );
  });

  it("rejects weights of the wrong size", () => {
    const jet = seedBatchTaylor(Float64Array.of(1, 2), 2, 0, 2);
    expect(() => batchTaylorAffine(jet, new Float64Array(3), new Float64Array(2))).toThrow(
      /weights must be \[out, in\] = \[2, 2\]/,
    );
  });
});

describe("BatchTaylor rules vs closed forms", () => {
  for (const [op, form] of Object.entries(closedForms) as [BatchTaylorOp, ClosedForm][]) {
    it(`${op} to order ${form.maxOrder}`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 1, maxLength: 6 }),
          fc.double({ min: 0.25, max: 2, noNaN: true }),
          fc.double({ min: 0.5, max: 20, noNaN: true }),
          (raw, scale, omega) => {
            // log and sqrt are checked on x̂ in [0.1, 6.1], inside their domain and away from 0.
            const positive = op === "log" || op === "sqrt";
            const points = Float64Array.from(raw, (x) =>
              positive ? Math.abs(x) + 0.1 / scale : x,
            );
            const order = form.maxOrder;
            const y = batchTaylorUnary(seedBatchTaylor(points, 1, 0, order, [scale]), op, omega);

            for (let p = 0; p < points.length; p++) {
              const z = scale * points[p];
              const { values, bounds } = form.derivatives(z, omega, order);
              for (let k = 0; k <= order; k++) {
                const factor = scale ** k / FACTORIALS[k];
                const want = values[k] * factor;
                const size = Math.abs(want) + bounds[k] * factor;
                expect(Math.abs(y.coefficient(k)[p] - want)).toBeLessThanOrEqual(
                  CLOSED_FORM_TOLERANCE * size,
                );
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it("sin(ωx) to order 6 in derivatives", () => {
    const omega = 3;
    const x = 0.7;
    const y = batchTaylorSine(seedBatchTaylor(Float64Array.of(x), 1, 0, 6), omega);
    for (let k = 0; k <= 6; k++) {
      const want = omega ** k * Math.sin(omega * x + (k * Math.PI) / 2);
      expect(Math.abs(y.derivative(k)[0] - want)).toBeLessThanOrEqual(
        CLOSED_FORM_TOLERANCE * omega ** k * 4,
      );
    }
  });

  it("composed rules match scalar Taylor jets", () => {
    // Each rule gets a curved input (z_j != 0 for j >= 2), which a seeded line never gives.
    const order = 6;
    const shift = (jet: BatchTaylor, c: number) =>
      batchTaylorAffine(jet, Float64Array.of(1), Float64Array.of(c));
    fc.assert(
      fc.property(fc.double({ min: -2, max: 2, noNaN: true }), (x) => {
        let jet = seedBatchTaylor(Float64Array.of(x), 1, 0, order);
        jet = batchTaylorUnary(jet, "sin");
        jet = batchTaylorUnary(jet, "exp");
        jet = batchTaylorUnary(jet, "sigmoid");
        jet = batchTaylorUnary(shift(batchTaylorUnary(jet, "square"), 1), "log");
        jet = batchTaylorUnary(shift(jet, 0.5), "sqrt");
        jet = batchTaylorUnary(shift(jet, -0.5), "relu");
        jet = batchTaylorUnary(jet, "cos");

        const f = (t: Scalar): Scalar => {
          const c = sigmoid(exp(sin(t)));
          const r = sqrt(add(log(add(mul(c, c), 1)), 0.5));
          const d = relu(add(r, -0.5));
          return sin(add(d, Math.PI / 2));
        };
        const reference = derivatives(f, x, order).map(primal);
        const scale = Math.max(1, ...reference.map((d, k) => Math.abs(d) / FACTORIALS[k]));
        for (let k = 0; k <= order; k++) {
          const want = reference[k] / FACTORIALS[k];
          expect(Math.abs(jet.coefficient(k)[0] - want)).toBeLessThanOrEqual(
            CROSS_CHECK_TOLERANCE * scale,
          );
        }
      }),
      { numRuns: 100 },
    );
  });

  it("mul of a jet by itself matches square", () => {
    const jet = batchTaylorSine(seedBatchTaylor(Float64Array.of(0.3, -1.2), 1, 0, 5), 2);
    const product = batchTaylorMul(jet, jet);
    const square = batchTaylorUnary(jet, "square");
    for (let e = 0; e < product.data.length; e++) {
      expect(Math.abs(product.data[e] - square.data[e])).toBeLessThanOrEqual(CROSS_CHECK_TOLERANCE);
    }
  });
});

/** A random two-layer network: sin(ω W1 x + b1) → tanh(W2 · + b2) → w3 · + b3. */
interface Network {
  dim: number;
  sizes: [number, number][];
  weights: Float64Array[];
  biases: Float64Array[];
  omega: number;
}

const networkArbitrary = fc
  .record({
    dim: fc.integer({ min: 1, max: 3 }),
    width1: fc.integer({ min: 1, max: 5 }),
    width2: fc.integer({ min: 1, max: 5 }),
    omega: fc.double({ min: 0.5, max: 3, noNaN: true }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ dim, width1, width2, omega, seed }): Network => {
    let state = seed;
    const next = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 31 - 1;
    };
    const sizes: [number, number][] = [
      [width1, dim],
      [width2, width1],
      [1, width2],
    ];
    return {
      dim,
      sizes,
      weights: sizes.map(([o, i]) => Float64Array.from({ length: o * i }, next)),
      biases: sizes.map(([o]) => Float64Array.from({ length: o }, next)),
      omega,
    };
  });

function taylorNetwork(network: Network, jet: BatchTaylor): BatchTaylor {
  let h = batchTaylorSine(
    batchTaylorAffine(jet, network.weights[0], network.biases[0]),
    network.omega,
  );
  h = batchTaylorUnary(batchTaylorAffine(h, network.weights[1], network.biases[1]), "tanh");
  return batchTaylorAffine(h, network.weights[2], network.biases[2]);
}

/** Evaluates the same network on scalars, for the scalar Taylor jets of src/dual. */
function scalarNetwork(network: Network, x: Scalar[]): Scalar {
  let activations: Scalar[] = x;
  network.sizes.forEach(([outputs, inputs], layer) => {
    const next: Scalar[] = [];
    for (let o = 0; o < outputs; o++) {
      let z: Scalar = network.biases[layer][o];
      for (let i = 0; i < inputs; i++)
        z = add(z, mul(network.weights[layer][o * inputs + i], activations[i]));
      next.push(layer === 0 ? sin(mul(network.omega, z)) : layer === 1 ? tanh(z) : z);
    }
    activations = next;
  });
  return activations[0];
}

const pointArbitrary = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
  minLength: 3,
  maxLength: 3,
});
const directionArbitrary = fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
  minLength: 3,
  maxLength: 3,
});

describe("BatchTaylor network cross-checks", () => {
  it("matches scalar Taylor jets to order 6", () => {
    fc.assert(
      fc.property(
        networkArbitrary,
        pointArbitrary,
        directionArbitrary,
        (network, coordinates, direction) => {
          const x = coordinates.slice(0, network.dim);
          const v = direction.slice(0, network.dim);
          const order = 6;
          const jet = taylorNetwork(
            network,
            seedBatchTaylor(Float64Array.from(x), network.dim, v, order),
          );
          // Along the line x + t v the network is a function of t alone.
          const line = (t: Scalar) =>
            scalarNetwork(
              network,
              x.map((xi, i) => add(xi, mul(v[i], t))),
            );
          const reference = derivatives(line, 0, order).map(primal);
          const scale = Math.max(1, ...reference.map((d, k) => Math.abs(d) / FACTORIALS[k]));
          for (let k = 0; k <= order; k++) {
            const want = reference[k] / FACTORIALS[k];
            expect(Math.abs(jet.coefficient(k)[0] - want)).toBeLessThanOrEqual(
              CROSS_CHECK_TOLERANCE * scale,
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("matches BatchJet along a direction", () => {
    fc.assert(
      fc.property(
        networkArbitrary,
        pointArbitrary,
        directionArbitrary,
        (network, coordinates, direction) => {
          const dim = network.dim;
          const x = Float64Array.from(coordinates.slice(0, dim));
          const v = direction.slice(0, dim);
          const taylor = taylorNetwork(network, seedBatchTaylor(x, dim, v, 2));

          const pairs: [number, number][] = [];
          for (let i = 0; i < dim; i++) for (let j = i; j < dim; j++) pairs.push([i, j]);
          let jet = seedBatchJet(x, { dim, first: [], second: pairs, laplacian: false });
          jet = batchUnary(
            batchAffine(jet, network.weights[0], network.biases[0]),
            "sine",
            network.omega,
          );
          jet = batchUnary(batchAffine(jet, network.weights[1], network.biases[1]), "tanh");
          jet = batchAffine(jet, network.weights[2], network.biases[2]);

          // u_v = Σ_i v_i u_i and u_vv = Σ_ij v_i v_j u_ij; the Taylor jet stores u_vv / 2.
          let slope = 0;
          let curvature = 0;
          for (let i = 0; i < dim; i++) {
            slope += v[i] * jet.first(i)[0];
            for (let j = 0; j < dim; j++) curvature += v[i] * v[j] * jet.second(i, j)[0];
          }
          const scale = 1 + Math.abs(slope) + Math.abs(curvature);
          expect(Math.abs(taylor.coefficient(0)[0] - jet.value()[0])).toBeLessThanOrEqual(
            CROSS_CHECK_TOLERANCE * scale,
          );
          expect(Math.abs(taylor.coefficient(1)[0] - slope)).toBeLessThanOrEqual(
            CROSS_CHECK_TOLERANCE * scale,
          );
          expect(Math.abs(taylor.coefficient(2)[0] - curvature / 2)).toBeLessThanOrEqual(
            CROSS_CHECK_TOLERANCE * scale,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});
