// Tests of the network builder: option checks, parameter layout and the initialisation.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createMlp,
  glorotUniformBound,
  heUniformBound,
  type Mlp,
  type MlpOptions,
  Random,
  sirenFirstLayerBound,
  sirenHiddenBound,
  uniformBiasBound,
} from "../src/siren/index.js";
import sirenCases from "./fixtures/siren-cases.json" with { type: "json" };

const EPS = 2 ** -52;

// sqrt(6/n) and the division by ω0 round once each, by half an ulp each. The computed
// bound is then within 1 ulp of the correctly rounded reference, and the test allows 2.
const BOUND_ULPS = 2;

// One neuron a·sin(ω0(w x + b)): 3 roundings in the argument, sin's own error (1 ulp),
// a condition number of about 1 at 0.45 and one rounding in the product: at most 6 eps.
const NEURON_RELATIVE = 6 * EPS;

const siren17 = sirenCases.cases.find((c) => c.id.startsWith("SIREN-17"))!;

function allWeights(model: Mlp, l: number): Float64Array {
  return model.layers[l]!.W;
}

function maxAbs(values: Float64Array): number {
  let max = 0;
  for (const v of values) {
    max = Math.max(max, Math.abs(v));
  }
  return max;
}

describe("createMlp options", () => {
  it("rejects NaN and infinite numbers", () => {
    const base: MlpOptions = { inputs: 1, hidden: [4], outputs: 1, activation: "sine" };
    expect(() => createMlp({ ...base, omega0: Number.NaN })).toThrow(
      /omega0 must be a finite number > 0, received NaN/,
    );
    expect(() => createMlp({ ...base, omega0: Number.POSITIVE_INFINITY })).toThrow(/omega0/);
    expect(() => createMlp({ ...base, inputs: Number.NaN })).toThrow(
      /inputs must be an integer >= 1/,
    );
    expect(() => createMlp({ ...base, hidden: [Number.POSITIVE_INFINITY] })).toThrow(/hidden\[0\]/);
    expect(() => createMlp({ ...base, domain: [[0, Number.POSITIVE_INFINITY]] })).toThrow(
      /domain\[0\]/,
    );
    expect(() => createMlp({ ...base, domain: [[Number.NaN, 1]] })).toThrow(/domain\[0\]/);
    expect(() => createMlp({ ...base, seed: Number.NaN })).toThrow(/seed must be a safe integer/);
  });

  it("rejects invalid widths and names", () => {
    const base: MlpOptions = { inputs: 1, hidden: [4], outputs: 1, activation: "sine" };
    expect(() => createMlp({ ...base, hidden: [] })).toThrow(/at least one hidden width/);
    expect(() => createMlp({ ...base, hidden: [4, 0] })).toThrow(
      /hidden\[1\] must be an integer >= 1, received 0/,
    );
    expect(() => createMlp({ ...base, outputs: 1.5 })).toThrow(/outputs/);
    expect(() => createMlp({ ...base, activation: "gelu" as never })).toThrow(
      /activation must be "sine", "tanh" or "relu"/,
    );
    expect(() => createMlp({ ...base, hiddenOmega: "two" as never })).toThrow(/hiddenOmega/);
    expect(() => createMlp({ ...base, biasInit: "normal" as never })).toThrow(/biasInit/);
    expect(() => createMlp({ ...base, domain: [[1, 1]] })).toThrow(/lo < hi/);
    expect(() =>
      createMlp({
        ...base,
        domain: [
          [0, 1],
          [0, 1],
        ],
      }),
    ).toThrow(/one \[lo, hi\] interval per input \(1\), received 2/);
  });

  it("fills the documented defaults", () => {
    const model = createMlp({ inputs: 2, hidden: [3], outputs: 1, activation: "sine" });
    expect(model.options.omega0).toBe(30);
    expect(model.options.hiddenOmega).toBe("one");
    expect(model.options.seed).toBe(0);
    expect(model.options.biasInit).toBe("zero");
    expect(model.options.domain).toBeNull();
  });
});

describe("Mlp parameter layout", () => {
  it("stores W then b per layer in one buffer", () => {
    const model = createMlp({ inputs: 2, hidden: [3, 4], outputs: 5, activation: "tanh" });
    const layout = model.paramEntries.map((e) => [e.name, e.offset, e.shape]);
    expect(layout).toEqual([
      ["layer0.W", 0, [3, 2]],
      ["layer0.b", 6, [3]],
      ["layer1.W", 9, [4, 3]],
      ["layer1.b", 21, [4]],
      ["layer2.W", 25, [5, 4]],
      ["layer2.b", 45, [5]],
    ]);
    expect(model.params.length).toBe(50);
  });

  it("shares memory between params and the views", () => {
    const model = createMlp({ inputs: 2, hidden: [3], outputs: 1, activation: "relu" });
    model.params[7] = 42;
    expect(model.layers[0]!.b[1]).toBe(42);
    model.layers[1]!.W[2] = -3;
    expect(model.params[9 + 2]).toBe(-3);
    expect(model.paramEntries[2]!.view[2]).toBe(-3);
  });

  it("sets the layer frequencies per convention", () => {
    const paper = createMlp({
      inputs: 1,
      hidden: [4, 4],
      outputs: 1,
      activation: "sine",
      omega0: 7,
      hiddenOmega: "omega0",
    });
    const one = createMlp({
      inputs: 1,
      hidden: [4, 4],
      outputs: 1,
      activation: "sine",
      omega0: 7,
      hiddenOmega: "one",
    });
    const tanh = createMlp({
      inputs: 1,
      hidden: [4, 4],
      outputs: 1,
      activation: "tanh",
      omega0: 7,
    });
    expect(paper.layers.map((l) => l.omega)).toEqual([7, 7, 1]);
    expect(one.layers.map((l) => l.omega)).toEqual([7, 1, 1]);
    expect(tanh.layers.map((l) => l.omega)).toEqual([1, 1, 1]);
    expect(one.layers.map((l) => l.activation)).toEqual(["sine", "sine", "linear"]);
  });

  it("rejects a wrong length in setParams", () => {
    const model = createMlp({ inputs: 1, hidden: [2], outputs: 1, activation: "sine" });
    expect(() => model.setParams([1, 2])).toThrow(
      /values must have 7 entries \(the parameter count\), received 2/,
    );
  });
});

describe("SIREN reference values", () => {
  it("matches the hidden bound for n = 256, omega0 = 30", () => {
    const expected = siren17.expected.hidden_bound!;
    const bound = sirenHiddenBound(siren17.inputs.n!, siren17.inputs.omega0!);
    expect(Math.abs(bound - expected)).toBeLessThanOrEqual(BOUND_ULPS * EPS * expected);
  });

  it("matches the first-layer bounds", () => {
    expect(sirenFirstLayerBound(1)).toBe(siren17.expected.first_layer_bound_n_in_1);
    expect(sirenFirstLayerBound(2)).toBe(siren17.expected.first_layer_bound_n_in_2);
  });

  it("places omega outside the bias (form A)", () => {
    const { a, w, b, x } = siren17.inputs.neuron!;
    const formA = siren17.expected["form_A_sin(omega0(wx+b))"]!.u;
    const formB = siren17.expected["form_B_sin(omega0 w x + b)"]!.u;
    const model = createMlp({ inputs: 1, hidden: [1], outputs: 1, activation: "sine", omega0: 30 });
    model.setParams([w, b, a, 0]);

    const u = model.evaluate([x])[0]!;
    expect(Math.abs(u - formA)).toBeLessThanOrEqual(NEURON_RELATIVE * Math.abs(formA));
    expect(Math.abs(u - formB)).toBeGreaterThan(0.1);
  });

  it("gives form B with the bias divided by omega0", () => {
    const { a, w, b, x } = siren17.inputs.neuron!;
    const formB = siren17.expected["form_B_sin(omega0 w x + b)"]!.u;
    const model = createMlp({ inputs: 1, hidden: [1], outputs: 1, activation: "sine", omega0: 30 });
    model.setParams([w, b / 30, a, 0]);

    const u = model.evaluate([x])[0]!;
    // One more rounding (b/30) than form A.
    expect(Math.abs(u - formB)).toBeLessThanOrEqual((NEURON_RELATIVE + EPS) * Math.abs(formB));
  });
});

describe("initialisation bounds", () => {
  const widths = fc.record({
    inputs: fc.integer({ min: 1, max: 4 }),
    hidden: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 }),
    outputs: fc.integer({ min: 1, max: 3 }),
    omega0: fc.double({ min: 1, max: 30, noNaN: true }),
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    hiddenOmega: fc.constantFrom("omega0" as const, "one" as const),
    biasInit: fc.constantFrom("zero" as const, "uniform" as const),
  });

  it("keeps every sine weight and bias inside its bound", () => {
    fc.assert(
      fc.property(widths, (o) => {
        const model = createMlp({ ...o, activation: "sine" });
        const sizes = [o.inputs, ...o.hidden, o.outputs];
        model.layers.forEach((layer, l) => {
          const n = sizes[l]!;
          const isFirst = l === 0;
          const isOutput = l === model.layers.length - 1;
          const omegaInWeights = !isFirst && !isOutput && o.hiddenOmega === "one" ? o.omega0 : 1;
          const weightBound =
            isFirst && !isOutput
              ? sirenFirstLayerBound(n)
              : sirenHiddenBound(n, o.omega0) * omegaInWeights;
          const biasBound = o.biasInit === "zero" ? 0 : uniformBiasBound(n) * omegaInWeights;
          expect(maxAbs(layer.W)).toBeLessThanOrEqual(weightBound);
          expect(maxAbs(layer.b)).toBeLessThanOrEqual(biasBound);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("uses Glorot for tanh and He for ReLU", () => {
    fc.assert(
      fc.property(widths, (o) => {
        const tanh = createMlp({ ...o, activation: "tanh" });
        const relu = createMlp({ ...o, activation: "relu" });
        const sizes = [o.inputs, ...o.hidden, o.outputs];
        tanh.layers.forEach((layer, l) => {
          expect(maxAbs(layer.W)).toBeLessThanOrEqual(glorotUniformBound(sizes[l]!, sizes[l + 1]!));
        });
        relu.layers.forEach((layer, l) => {
          const isOutput = l === relu.layers.length - 1;
          const bound = isOutput
            ? glorotUniformBound(sizes[l]!, sizes[l + 1]!)
            : heUniformBound(sizes[l]!);
          expect(maxAbs(layer.W)).toBeLessThanOrEqual(bound);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("reaches the bound in a wide layer", () => {
    // For m weights uniform on [−B, B], P(max |w| < B(1 − δ)) = (1 − δ)^m ≤ exp(−mδ).
    // δ = 50/m makes a false failure less likely than 1e-21.
    const n = 256;
    const model = createMlp({
      inputs: 1,
      hidden: [n, n],
      outputs: 1,
      activation: "sine",
      omega0: 30,
      hiddenOmega: "omega0",
      seed: 3,
    });
    const bound = sirenHiddenBound(n, 30);
    const delta = 50 / (n * n);
    expect(maxAbs(allWeights(model, 1))).toBeLessThanOrEqual(bound);
    expect(maxAbs(allWeights(model, 1))).toBeGreaterThanOrEqual(bound * (1 - delta));
  });

  it("starts biases at zero by default", () => {
    const model = createMlp({ inputs: 2, hidden: [8, 8], outputs: 2, activation: "sine", seed: 5 });
    for (const layer of model.layers) {
      expect(maxAbs(layer.b)).toBe(0);
    }
  });
});

describe("initialisation variance", () => {
  // Sitzmann et al. (2020): with inputs arcsine-distributed on [−1, 1] (variance 1/2) and
  // W ~ U(−c, c), c = √(6/n)/ω0, the pre-activation z = ω0 Σ w_k x_k has variance
  // ω0²·n·(c²/3)·(1/2) = 1. The estimate mean(z²) over J neurons and M input samples has
  // variance (2 + (J − 1)/(2n) + (M − 1)·0.8/n)/(J·M): Var(z²) = 2 for a near-normal z,
  // neurons sharing an input covary by Var_x((2/n) Σ x²) = 1/(2n), and samples sharing a
  // row covary by Var_w((ω0²/2) Σ w²) = 0.8/n.
  const n = 256;
  const samples = 200;
  const standardError = Math.sqrt(
    (2 + (n - 1) / (2 * n) + ((samples - 1) * 0.8) / n) / (n * samples),
  );
  const TOLERANCE = 5 * standardError;

  for (const hiddenOmega of ["omega0", "one"] as const) {
    it(`has unit pre-activation variance (${hiddenOmega})`, () => {
      const model = createMlp({
        inputs: 1,
        hidden: [n, n],
        outputs: 1,
        activation: "sine",
        omega0: 30,
        hiddenOmega,
        seed: 11,
      });
      const layer = model.layers[1]!;
      const random = new Random(99);
      const x = new Float64Array(n);
      let sumOfSquares = 0;

      for (let s = 0; s < samples; s++) {
        for (let k = 0; k < n; k++) {
          x[k] = Math.cos(Math.PI * random.uniform()); // arcsine on [−1, 1]
        }
        for (let j = 0; j < n; j++) {
          let z = 0;
          for (let k = 0; k < n; k++) {
            z += layer.W[j * n + k]! * x[k]!;
          }
          sumOfSquares += (layer.omega * z) ** 2;
        }
      }

      const variance = sumOfSquares / (n * samples);
      expect(Math.abs(variance - siren17.expected.preactivation_variance!)).toBeLessThanOrEqual(
        TOLERANCE,
      );
    });
  }
});

describe("initialisation reproducibility", () => {
  it("gives the same bits for the same seed", () => {
    const options: MlpOptions = {
      inputs: 3,
      hidden: [16, 16],
      outputs: 2,
      activation: "sine",
      seed: 1234,
      biasInit: "uniform",
    };
    const first = createMlp(options);
    const second = createMlp(options);
    expect(new Uint8Array(second.params.buffer)).toEqual(new Uint8Array(first.params.buffer));
  });

  it("gives different weights for another seed", () => {
    const first = createMlp({ inputs: 3, hidden: [16], outputs: 1, activation: "sine", seed: 1 });
    const second = createMlp({ inputs: 3, hidden: [16], outputs: 1, activation: "sine", seed: 2 });
    expect(second.params).not.toEqual(first.params);
  });

  it("draws the same weights with or without a domain", () => {
    const plain = createMlp({ inputs: 2, hidden: [8], outputs: 1, activation: "sine", seed: 4 });
    const boxed = createMlp({
      inputs: 2,
      hidden: [8],
      outputs: 1,
      activation: "sine",
      seed: 4,
      domain: [
        [0, 3],
        [-5, 1],
      ],
    });
    expect(boxed.params).toEqual(plain.params);
  });
});

describe("conventions at initialisation", () => {
  // Per hidden layer: ω·W under "one" is √(6/n)·(2u − 1) and under "omega0" it is
  // ω0·((√(6/n)/ω0)·(2u − 1)): the same draw u with at most 3 extra roundings.
  const OMEGA_W_ULPS = 3;

  const arbitrary = fc.record({
    inputs: fc.integer({ min: 1, max: 3 }),
    hidden: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 }),
    omega0: fc.double({ min: 1, max: 30, noNaN: true }),
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    biasInit: fc.constantFrom("zero" as const, "uniform" as const),
  });

  it("has equal first and output layers and equal omega-scaled hidden layers", () => {
    fc.assert(
      fc.property(arbitrary, (o) => {
        const paper = createMlp({ ...o, outputs: 1, activation: "sine", hiddenOmega: "omega0" });
        const one = createMlp({ ...o, outputs: 1, activation: "sine", hiddenOmega: "one" });
        const last = paper.layers.length - 1;

        expect(one.layers[0]!.W).toEqual(paper.layers[0]!.W);
        expect(one.layers[0]!.b).toEqual(paper.layers[0]!.b);
        expect(one.layers[last]!.W).toEqual(paper.layers[last]!.W);
        expect(one.layers[last]!.b).toEqual(paper.layers[last]!.b);

        for (let l = 1; l < last; l++) {
          const a = paper.layers[l]!;
          const b = one.layers[l]!;
          for (let i = 0; i < a.W.length; i++) {
            const scaled = a.omega * a.W[i]!;
            expect(Math.abs(scaled - b.omega * b.W[i]!)).toBeLessThanOrEqual(
              OMEGA_W_ULPS * EPS * Math.abs(scaled),
            );
          }
          for (let i = 0; i < a.b.length; i++) {
            const scaled = a.omega * a.b[i]!;
            expect(Math.abs(scaled - b.omega * b.b[i]!)).toBeLessThanOrEqual(
              OMEGA_W_ULPS * EPS * Math.abs(scaled),
            );
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it("computes the same function up to rounding", () => {
    fc.assert(
      fc.property(
        arbitrary,
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (o, x) => {
          const paper = createMlp({ ...o, outputs: 1, activation: "sine", hiddenOmega: "omega0" });
          const one = createMlp({ ...o, outputs: 1, activation: "sine", hiddenOmega: "one" });
          const point = x.slice(0, o.inputs);
          const difference = Math.abs(paper.evaluate(point)[0]! - one.evaluate(point)[0]!);
          expect(difference).toBeLessThanOrEqual(conventionErrorBound(paper, point));
        },
      ),
      { numRuns: 200 },
    );
  });
});

/**
 * Bounds |u_omega0 − u_one| by propagating first-order error bounds through the layers: a
 * pre-activation z_j = ω Σ_k w_jk a_k + ω b_j that differs by OMEGA_W_ULPS per term and is
 * summed with n roundings errs by at most (n + 4)·eps·Σ_k |ω w_jk a_k| + |ω b_j| terms, plus
 * Σ_k |ω w_jk|·δ_k from the inputs; sin is 1-Lipschitz.
 */
function conventionErrorBound(model: Mlp, point: number[]): number {
  let a = model.normaliseInput(point);
  let delta = new Float64Array(a.length);
  for (const layer of model.layers) {
    const next = new Float64Array(layer.out);
    const nextDelta = new Float64Array(layer.out);
    for (let j = 0; j < layer.out; j++) {
      let z = layer.b[j]!;
      let magnitude = Math.abs(layer.omega * layer.b[j]!);
      let inherited = 0;
      for (let k = 0; k < layer.in; k++) {
        const w = layer.W[j * layer.in + k]!;
        z += w * a[k]!;
        magnitude += Math.abs(layer.omega * w * a[k]!);
        inherited += Math.abs(layer.omega * w) * delta[k]!;
      }
      next[j] = layer.activation === "linear" ? z : Math.sin(layer.omega * z);
      nextDelta[j] = (layer.in + 6) * EPS * magnitude + inherited + 2 * EPS;
    }
    a = next;
    delta = nextDelta;
  }
  return delta[0]!;
}
