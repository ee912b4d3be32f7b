// The three forward paths (HyperDual scalar, generic tape jet, fused tape jet) checked against each other.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Dual } from "../src/dual/dual.js";
import { HyperDual } from "../src/dual/hyperdual.js";
import { newTag, type Scalar } from "../src/dual/scalar.js";
import {
  type Activation,
  createMlp,
  flatGradient,
  type JetPath,
  type Mlp,
} from "../src/siren/index.js";
import type { JetSpec, TapeJet } from "../src/tape/jet.js";
import { add, mean, square } from "../src/tape/ops.js";
import { Tape } from "../src/tape/tape.js";
import sirenCases from "./fixtures/siren-cases.json" with { type: "json" };

const EPS = 2 ** -52;

// The paths differ only in the order of their roundings: a sum of at most 16 terms per
// layer, 4 layers and the jet rules' few products give errors of a few hundred eps times the
// cancellation factor of the sums (Σ|terms| / |sum|). 1e-10 leaves a factor of about 1e3 for
// cancellation, measured against the largest entry of each coefficient over the batch.
const PATH_RELATIVE = 1e-10;

const PATHS: JetPath[] = ["generic", "fused"];

interface Architecture {
  inputs: number;
  hidden: number[];
  outputs: number;
  activation: Activation;
  omega0: number;
  hiddenOmega: "omega0" | "one";
  seed: number;
  domain: [number, number][];
}

const architecture: fc.Arbitrary<Architecture> = fc
  .record({
    inputs: fc.integer({ min: 1, max: 3 }),
    hidden: fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 }),
    outputs: fc.integer({ min: 1, max: 2 }),
    activation: fc.constantFrom<Activation>("sine", "tanh", "relu"),
    omega0: fc.double({ min: 1, max: 30, noNaN: true }),
    hiddenOmega: fc.constantFrom("omega0" as const, "one" as const),
    seed: fc.integer({ min: 0, max: 2 ** 31 }),
    lows: fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { minLength: 3, maxLength: 3 }),
    widths: fc.array(fc.double({ min: 0.1, max: 10, noNaN: true }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ lows, widths, ...rest }) => ({
    ...rest,
    domain: Array.from({ length: rest.inputs }, (_, i): [number, number] => [
      lows[i]!,
      lows[i]! + widths[i]!,
    ]),
  }));

/** Points inside the domain, as fractions of each interval. */
const fractions = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), {
  minLength: 9,
  maxLength: 9,
});

function buildModel(a: Architecture): Mlp {
  // Uniform biases make every term of the jet rules nonzero.
  return createMlp({ ...a, biasInit: "uniform" });
}

function pointsIn(a: Architecture, fractionsOfBox: number[], count: number): Float64Array {
  const points = new Float64Array(count * a.inputs);
  for (let p = 0; p < count; p++) {
    for (let i = 0; i < a.inputs; i++) {
      const [lo, hi] = a.domain[i]!;
      points[p * a.inputs + i] =
        lo + (hi - lo) * fractionsOfBox[(p * a.inputs + i) % fractionsOfBox.length]!;
    }
  }
  return points;
}

function fullSpec(dim: number): JetSpec {
  const second: [number, number][] = [[0, 0]];
  if (dim >= 2) {
    second.push([0, 1]);
  }
  return { dim, first: [], second, laplacian: true };
}

/** Returns u, ∂u/∂x_i, ∂u/∂x_j and ∂²u/∂x_i∂x_j of every output at `point` by HyperDual seeding. */
function hyperDualPartials(model: Mlp, point: number[], i: number, j: number) {
  // One tag for all coordinates: they are perturbed by the same e1 and e2.
  const tag = newTag();
  const seeded = point.map((x, k) => new HyperDual(x, k === i ? 1 : 0, k === j ? 1 : 0, 0, tag));
  return model.evaluateScalar(seeded).map((y) => {
    const h = y as HyperDual;
    return { u: h.a as number, ui: h.b as number, uj: h.c as number, uij: h.d as number };
  });
}

function maxAbs(values: ArrayLike<number>): number {
  let max = 0;
  for (let k = 0; k < values.length; k++) {
    max = Math.max(max, Math.abs(values[k]!));
  }
  return max;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const scale = maxAbs(expected);
  for (let k = 0; k < expected.length; k++) {
    const error = Math.abs(actual[k]! - expected[k]!);
    if (!(error <= PATH_RELATIVE * scale)) {
      expect.fail(`${what}[${k}]: ${actual[k]} vs ${expected[k]} (error ${error}, scale ${scale})`);
    }
  }
}

/** Computes the scalar path's coefficients in the [N, outputs] layout of a TapeJet. */
function referenceJet(model: Mlp, points: Float64Array, spec: JetSpec) {
  const d = model.inputs;
  const m = model.outputs;
  const n = points.length / d;
  const value = new Float64Array(n * m);
  const first = new Map<number, Float64Array>();
  const second = new Map<string, Float64Array>();
  const laplacian = new Float64Array(n * m);
  for (let i = 0; i < d; i++) first.set(i, new Float64Array(n * m));
  for (const [i, j] of spec.second) second.set(`${i},${j}`, new Float64Array(n * m));

  for (let p = 0; p < n; p++) {
    const point = Array.from(points.subarray(p * d, (p + 1) * d));
    for (let i = 0; i < d; i++) {
      hyperDualPartials(model, point, i, i).forEach((r, o) => {
        value[p * m + o] = r.u;
        first.get(i)![p * m + o] = r.ui;
        laplacian[p * m + o] += r.uij;
      });
    }
    for (const [i, j] of spec.second) {
      hyperDualPartials(model, point, i, j).forEach((r, o) => {
        second.get(`${i},${j}`)![p * m + o] = r.uij;
      });
    }
  }
  return { value, first, second, laplacian };
}

function compareJets(
  jet: TapeJet,
  reference: ReturnType<typeof referenceJet>,
  label: string,
): void {
  expectClose(jet.value.data, reference.value, `${label} u`);
  for (const [i, tensor] of jet.first) {
    expectClose(tensor.data, reference.first.get(i)!, `${label} u_${i}`);
  }
  for (const [key, tensor] of jet.second) {
    expectClose(tensor.data, reference.second.get(key)!, `${label} u_${key}`);
  }
  expectClose(jet.laplacian!.data, reference.laplacian, `${label} laplacian`);
}

/** L = mean over points and outputs of (Δu + u)², recorded from a jet of `path`. */
function tapeGradient(
  model: Mlp,
  points: Float64Array,
  path: JetPath,
): { loss: number; gradient: Float64Array } {
  const tape = new Tape();
  const jet = model.jet(
    tape,
    points,
    { dim: model.inputs, first: [], second: [], laplacian: true },
    path,
  );
  const loss = mean(square(add(jet.laplacian!, jet.value)));
  const value = loss.data[0]!;
  return { loss: value, gradient: flatGradient(model, tape.backward(loss)) };
}

/** Computes the same loss on the scalar path with parameters θ + ε v (Dual): L and dL/dε. */
function scalarDirectional(model: Mlp, points: Float64Array, direction: Float64Array) {
  const tag = newTag();
  const theta = Array.from(model.params, (value, k) => new Dual(value, direction[k]!, tag));
  const d = model.inputs;
  const n = points.length / d;
  let total: Scalar = 0;
  let magnitude = 0;

  for (let p = 0; p < n; p++) {
    const point = Array.from(points.subarray(p * d, (p + 1) * d));
    const outputs: Scalar[][] = [];
    for (let i = 0; i < d; i++) {
      // HyperDual tags are newer than the parameter tag, so the Duals sit inside.
      const pointTag = newTag();
      const seeded = point.map(
        (x, k) => new HyperDual(x, k === i ? 1 : 0, k === i ? 1 : 0, 0, pointTag),
      );
      outputs.push(model.evaluateScalar(seeded, theta));
    }
    for (let o = 0; o < model.outputs; o++) {
      let residual: Dual = (outputs[0]![o] as HyperDual).a as Dual;
      for (let i = 0; i < d; i++) {
        residual = addDual(residual, (outputs[i]![o] as HyperDual).d as Dual);
      }
      total = addDual(total as Dual, mulDual(residual, residual));
      magnitude += Math.abs(2 * (residual.value as number) * (residual.tangent as number));
    }
  }
  const count = n * model.outputs;
  const result = total as Dual;
  return {
    loss: (result.value as number) / count,
    directional: (result.tangent as number) / count,
    magnitude: magnitude / count,
  };
}

function addDual(a: Dual | number, b: Dual): Dual {
  const value = typeof a === "number" ? a : (a.value as number);
  const tangent = typeof a === "number" ? 0 : (a.tangent as number);
  return new Dual(value + (b.value as number), tangent + (b.tangent as number), b.tag);
}

function mulDual(a: Dual, b: Dual): Dual {
  const av = a.value as number;
  const bv = b.value as number;
  return new Dual(av * bv, av * (b.tangent as number) + (a.tangent as number) * bv, a.tag);
}

describe("paths on non-finite input", () => {
  it("propagate NaN, except Mlp.jet", () => {
    const model = createMlp({ inputs: 1, hidden: [4], outputs: 1, activation: "sine", omega0: 3 });
    const points = new Float64Array([Number.NaN]);
    expect(model.evaluate([Number.NaN])[0]).toBeNaN();
    expect(
      (model.evaluateScalar([new HyperDual(Number.NaN, 1, 1, 0)])[0] as HyperDual).d,
    ).toBeNaN();
    // Mlp.jet rejects a NaN point instead of returning a NaN jet.
    for (const path of PATHS) {
      expect(() => model.jet(new Tape(), points, fullSpec(1), path), path).toThrow(
        /^Mlp\.jet: point 0 has coordinate 0 = NaN/,
      );
    }
  });

  it("reject an infinite input in Mlp.jet", () => {
    const model = createMlp({ inputs: 1, hidden: [3], outputs: 1, activation: "sine", omega0: 3 });
    for (const path of PATHS) {
      expect(
        () =>
          model.jet(new Tape(), new Float64Array([Number.POSITIVE_INFINITY]), fullSpec(1), path),
        path,
      ).toThrow(/^Mlp\.jet: point 0 has coordinate 0 = Infinity/);
    }
  });
});

describe("jet paths agree with the scalar reference", () => {
  it("on u, first, second, mixed partials and the Laplacian", () => {
    fc.assert(
      fc.property(architecture, fractions, fc.integer({ min: 1, max: 3 }), (a, f, count) => {
        const model = buildModel(a);
        const points = pointsIn(a, f, count);
        const spec = fullSpec(a.inputs);
        const reference = referenceJet(model, points, spec);

        for (const path of PATHS) {
          const tape = new Tape();
          compareJets(model.jet(tape, points, spec, path), reference, path);
          tape.release();
        }
        expectClose(model.evaluateBatch(points), reference.value, "evaluateBatch");
      }),
      { numRuns: 150 },
    );
  });

  it("on a two-input network at the box corner", () => {
    // Regression: this shrunk counterexample once gave a NaN reference, because the
    // HyperDual seeds of the two coordinates had different tags.
    const a: Architecture = {
      inputs: 2,
      hidden: [1],
      outputs: 1,
      activation: "sine",
      omega0: 1,
      hiddenOmega: "omega0",
      seed: 0,
      domain: [
        [0, 0.1],
        [0, 0.1],
      ],
    };
    const model = buildModel(a);
    const points = new Float64Array([0, 0]);
    const spec = fullSpec(2);
    const reference = referenceJet(model, points, spec);
    expect(reference.laplacian[0]).not.toBeNaN();
    for (const path of PATHS) {
      compareJets(model.jet(new Tape(), points, spec, path), reference, path);
    }
  });

  it("on the loss gradient (dot-product test)", () => {
    // ⟨∂L/∂θ, v⟩ is a sum of as many terms as parameters; its rounding is eps times
    // Σ|g_k v_k|, and each g_k carries the path error above, so the bound scales with that sum.
    fc.assert(
      fc.property(
        architecture,
        fractions,
        fc.integer({ min: 1, max: 2 }),
        fc.integer(),
        (a, f, count, directionSeed) => {
          const model = buildModel(a);
          const points = pointsIn(a, f, count);
          const generic = tapeGradient(model, points, "generic");
          const fused = tapeGradient(model, points, "fused");
          expectClose(fused.gradient, generic.gradient, "fused vs generic ∂L/∂θ");

          const direction = new Float64Array(model.params.length);
          let state = directionSeed >>> 0;
          for (let k = 0; k < direction.length; k++) {
            state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
            direction[k] = state / 2 ** 32 - 0.5;
          }
          const scalar = scalarDirectional(model, points, direction);
          let dot = 0;
          let dotMagnitude = 0;
          for (let k = 0; k < direction.length; k++) {
            dot += generic.gradient[k]! * direction[k]!;
            dotMagnitude += Math.abs(generic.gradient[k]! * direction[k]!);
          }
          const bound = PATH_RELATIVE * Math.max(dotMagnitude, scalar.magnitude);
          expect(Math.abs(generic.loss - scalar.loss)).toBeLessThanOrEqual(
            PATH_RELATIVE * Math.abs(scalar.loss),
          );
          expect(Math.abs(dot - scalar.directional)).toBeLessThanOrEqual(bound);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("SIREN neuron derivatives", () => {
  const siren17 = sirenCases.cases.find((c) => c.id.startsWith("SIREN-17"))!;
  const { a, w, b, x } = siren17.inputs.neuron!;
  // u' and u'' add a cos/sin evaluation and two products to the value's error budget.
  const NEURON_RELATIVE = 16 * EPS;

  for (const [form, bias] of [
    ["form_A_sin(omega0(wx+b))", b],
    ["form_B_sin(omega0 w x + b)", b / 30],
  ] as const) {
    it(`matches ${form.slice(0, 6)} in every path`, () => {
      const expected = siren17.expected[form]!;
      const model = createMlp({
        inputs: 1,
        hidden: [1],
        outputs: 1,
        activation: "sine",
        omega0: 30,
      });
      model.setParams([w, bias, a, 0]);

      const scalar = hyperDualPartials(model, [x], 0, 0)[0]!;
      const values: [string, number, number, number][] = [
        ["scalar", scalar.u, scalar.ui, scalar.uij],
      ];
      for (const path of PATHS) {
        const jet = model.jet(
          new Tape(),
          new Float64Array([x]),
          { dim: 1, first: [0], second: [[0, 0]], laplacian: false },
          path,
        );
        values.push([
          path,
          jet.value.data[0]!,
          jet.first.get(0)!.data[0]!,
          jet.second.get("0,0")!.data[0]!,
        ]);
      }
      for (const [path, u, u1, u2] of values) {
        expect(Math.abs(u - expected.u), `${path} u`).toBeLessThanOrEqual(
          NEURON_RELATIVE * Math.abs(expected.u),
        );
        expect(Math.abs(u1 - expected.u1), `${path} u'`).toBeLessThanOrEqual(
          NEURON_RELATIVE * Math.abs(expected.u1),
        );
        expect(Math.abs(u2 - expected.u2), `${path} u''`).toBeLessThanOrEqual(
          NEURON_RELATIVE * Math.abs(expected.u2),
        );
        expect(Math.abs(u2 + u - expected["u2+u"]), `${path} u''+u`).toBeLessThanOrEqual(
          NEURON_RELATIVE * (Math.abs(expected.u2) + Math.abs(expected.u)),
        );
      }
    });
  }
});

describe("ReLU second derivatives", () => {
  it("vanish at random points in every path", () => {
    fc.assert(
      fc.property(architecture, fractions, (a, f) => {
        const model = buildModel({ ...a, activation: "relu" });
        const points = pointsIn(a, f, 2);
        const spec = fullSpec(a.inputs);
        const reference = referenceJet(model, points, spec);
        expect(maxAbs(reference.laplacian)).toBe(0);
        for (const values of reference.second.values()) {
          expect(maxAbs(values)).toBe(0);
        }
        for (const path of PATHS) {
          const jet = model.jet(new Tape(), points, spec, path);
          expect(maxAbs(jet.laplacian!.data), path).toBe(0);
          for (const tensor of jet.second.values()) {
            expect(maxAbs(tensor.data), path).toBe(0);
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("fused workspaces", () => {
  it("serve two evaluations on one tape", () => {
    const model = createMlp({
      inputs: 1,
      hidden: [8, 8],
      outputs: 1,
      activation: "sine",
      omega0: 5,
      biasInit: "uniform",
    });
    const spec = fullSpec(1);
    const interior = new Float64Array([0.1, 0.4]);
    const boundary = new Float64Array([-0.9, 0.7]);
    const tape = new Tape();
    const first = model.jet(tape, interior, spec, "fused");
    const second = model.jet(tape, boundary, spec, "fused");
    const loss = add(mean(square(first.laplacian!)), mean(square(second.value)));
    const fusedGradient = flatGradient(model, tape.backward(loss));

    const genericTape = new Tape();
    const g1 = model.jet(genericTape, interior, spec, "generic");
    const g2 = model.jet(genericTape, boundary, spec, "generic");
    const genericLoss = add(mean(square(g1.laplacian!)), mean(square(g2.value)));
    expectClose(
      fusedGradient,
      flatGradient(model, genericTape.backward(genericLoss)),
      "two evaluations ∂L/∂θ",
    );
  });

  it("are reused across training steps", () => {
    const model = createMlp({ inputs: 2, hidden: [6], outputs: 1, activation: "tanh" });
    const points = new Float64Array([0.1, 0.2, 0.3, 0.4]);
    const spec = fullSpec(2);
    const outputs = new Set<ArrayBufferLike>();
    for (let step = 0; step < 3; step++) {
      const tape = new Tape();
      const jet = model.jet(tape, points, spec, "fused");
      tape.backward(mean(jet.laplacian!));
      const sets = [...model.cache.values()][0] as { layers: { y: Float64Array }[] }[];
      outputs.add(sets[0]!.layers[0]!.y.buffer);
    }
    expect(model.cache.size).toBe(1);
    expect(([...model.cache.values()][0] as unknown[]).length).toBe(1);
    expect(outputs.size).toBe(1);
  });
});
