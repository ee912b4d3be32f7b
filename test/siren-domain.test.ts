// Tests of input normalisation: x̂ = 2(x − lo)/(hi − lo) − 1 and its chain-rule factors.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HyperDual } from "../src/dual/hyperdual.js";
import { newTag } from "../src/dual/scalar.js";
import {
  type Activation,
  activate,
  createInputMap,
  createMlp,
  type JetPath,
  type Mlp,
} from "../src/siren/index.js";
import type { JetSpec } from "../src/tape/jet.js";
import { Tape } from "../src/tape/tape.js";
import sirenCases from "./fixtures/siren-cases.json" with { type: "json" };

const EPS = 2 ** -52;

// Seeding the tangent scale_i instead of 1 changes only the roundings of the derivative
// components: a few eps per layer times the cancellation of the sums, as in the path tests.
const CHAIN_RULE_RELATIVE = 1e-11;

const heat22 = sirenCases.cases.find((c) => c.id.startsWith("HEAT-22"))!;

const boxes = fc.array(
  fc.record({
    lo: fc.double({ min: -10, max: 10, noNaN: true }),
    width: fc.double({ min: 0.05, max: 20, noNaN: true }),
  }),
  { minLength: 2, maxLength: 2 },
);

/**
 * Returns a first-order running bound on the rounding error of model.evaluate([x]) for a
 * 1-input model. It starts from the input map's two roundings. Each sum z = Σ W a + b of n
 * terms then adds (n + 1)·eps·(Σ|W a| + |b|) to the errors carried in, Σ|W|·δa, and an
 * activation multiplies them by at most its slope (ω for the sine, 1 for tanh and ReLU) and
 * adds eps·|f(z)|.
 */
function roundingBound(model: Mlp, x: number): number {
  // x̂ = scale·x + shift rounds twice: the product (eps·|scale·x|) and the sum (eps·|x̂|). On a
  // narrow box far from 0 the two terms nearly cancel, so the first dominates.
  const scaled = model.inputMap.scale[0]! * x;
  let values = [scaled + model.inputMap.shift[0]!];
  let errors = [EPS * (Math.abs(scaled) + Math.abs(values[0]!))];
  for (const layer of model.layers) {
    const next: number[] = [];
    const nextErrors: number[] = [];
    for (let o = 0; o < layer.out; o++) {
      let z = layer.b[o]!;
      let absolute = Math.abs(z);
      let carried = 0;
      for (let i = 0; i < layer.in; i++) {
        const w = layer.W[o * layer.in + i]!;
        z += w * values[i]!;
        absolute += Math.abs(w * values[i]!);
        carried += Math.abs(w) * errors[i]!;
      }
      const error = carried + (layer.in + 1) * EPS * absolute;
      if (layer.activation === "linear") {
        next.push(z);
        nextErrors.push(error);
      } else {
        const y = activate(layer.activation, layer.omega, z);
        const slope = layer.activation === "sine" ? Math.abs(layer.omega) : 1;
        next.push(y);
        nextErrors.push(slope * error + EPS * Math.abs(y));
      }
    }
    values = next;
    errors = nextErrors;
  }
  return errors[0]!;
}

function hyperDualAt(model: Mlp, point: number[], i: number, j: number) {
  const tag = newTag();
  const seeded = point.map((x, k) => new HyperDual(x, k === i ? 1 : 0, k === j ? 1 : 0, 0, tag));
  const y = model.evaluateScalar(seeded)[0] as HyperDual;
  return { u: y.a as number, ui: y.b as number, uj: y.c as number, uij: y.d as number };
}

function within(actual: number, expected: number, tolerance: number, what: string): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    expect.fail(
      `${what}: ${actual} vs ${expected} (error ${Math.abs(actual - expected)}, tolerance ${tolerance})`,
    );
  }
}

describe("input map", () => {
  it("rejects infinite or empty intervals", () => {
    expect(() => createInputMap(1, [[0, Number.POSITIVE_INFINITY]])).toThrow(
      /domain\[0\] must be a finite interval/,
    );
    expect(() => createInputMap(1, [[-1e308, 1e308]])).toThrow(/domain\[0\]/);
    expect(() => createInputMap(1, [[2, 2]])).toThrow(/lo < hi/);
  });

  it("maps the box corners to -1 and 1", () => {
    fc.assert(
      fc.property(boxes, (b) => {
        const domain = b.map(({ lo, width }): [number, number] => [lo, lo + width]);
        const map = createInputMap(2, domain);
        for (let i = 0; i < 2; i++) {
          const [lo, hi] = domain[i]!;
          // scale·x + shift rounds twice, and shift carries the rounding of (hi + lo)/(hi − lo),
          // which is large relative to 1 when the box is far from 0: |shift|·3 eps + 2 eps.
          const tolerance = (3 * Math.abs(map.shift[i]!) + 2) * EPS * 4;
          within(map.scale[i]! * lo + map.shift[i]!, -1, tolerance, `x̂(lo) on ${i}`);
          within(map.scale[i]! * hi + map.shift[i]!, 1, tolerance, `x̂(hi) on ${i}`);
        }
      }),
    );
  });

  it("gives the fixture's scale factor", () => {
    const { lb, ub } = heat22.inputs.normalisation!;
    const factor = heat22.expected.second_derivative_scale_factor!;
    // The fixture maps [lb, ub] onto [0, 1] with slope 1/(ub − lb). This library maps it
    // onto [−1, 1] with twice the slope, so u_xx picks up 4 times the fixture's factor.
    const ours = createInputMap(1, [[lb, ub]]);
    expect(ours.scale[0]! ** 2).toBe(4 * factor);
    // A box twice as wide has the fixture's slope.
    const wide = createInputMap(1, [[2 * lb, 2 * ub]]);
    expect(wide.scale[0]! ** 2).toBe(factor);
  });
});

describe("chain rule through the domain map", () => {
  it("scales partials by scale_i and scale_i·scale_j exactly", () => {
    fc.assert(
      fc.property(
        boxes,
        fc.constantFrom<Activation>("sine", "tanh"),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 2 }),
        (b, activation, seed, fraction) => {
          const domain = b.map(({ lo, width }): [number, number] => [lo, lo + width]);
          const options = {
            inputs: 2,
            hidden: [8, 8],
            outputs: 1,
            activation,
            omega0: 6,
            seed,
            biasInit: "uniform" as const,
          };
          const boxed = createMlp({ ...options, domain });
          const plain = createMlp(options);
          const x = domain.map(([lo, hi], i) => lo + (hi - lo) * fraction[i]!);
          const xhat = Array.from(boxed.normaliseInput(x));
          const s = boxed.inputMap.scale;

          for (const [i, j] of [
            [0, 0],
            [1, 1],
            [0, 1],
          ] as const) {
            const raw = hyperDualAt(boxed, x, i, j);
            const mapped = hyperDualAt(plain, xhat, i, j);
            expect(raw.u).toBe(mapped.u);
            const firstScale = Math.abs(mapped.ui) + Math.abs(mapped.uj);
            within(raw.ui, s[i]! * mapped.ui, CHAIN_RULE_RELATIVE * s[i]! * firstScale, `u_${i}`);
            within(
              raw.uij,
              s[i]! * s[j]! * mapped.uij,
              CHAIN_RULE_RELATIVE * s[i]! * s[j]! * (Math.abs(mapped.uij) + firstScale + 1),
              `u_${i}${j}`,
            );
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("domain partials against central differences", () => {
  // Central differences: f' ≈ (f(x+h) − f(x−h))/2h with error h²|f'''|/6 + δ/h, and
  // f'' ≈ (f(x+h) − 2f(x) + f(x−h))/h² with error h²|f''''|/12 + 4δ/h², where δ bounds the
  // rounding error of one evaluation (roundingBound: eps·|u| alone missed the cancellation in
  // the input map on narrow boxes far from 0, which a long run found). f''' and f'''' are the
  // largest of their difference estimates at x − h, x and x + h, from the exact u'' on five
  // points, because one estimate at x alone failed where f'''' passes near 0. A safety factor
  // of 10 covers the variation left over [x − h, x + h].
  const SAFETY = 10;

  /** Checks u_x and u_xx of one network on [lo, lo + width] at lo + fraction·width. */
  function checkAgainstDifferences(
    path: JetPath,
    lo: number,
    width: number,
    fraction: number,
    activation: Activation,
    seed: number,
  ): void {
    const model = createMlp({
      inputs: 1,
      hidden: [8, 8],
      outputs: 1,
      activation,
      omega0: 4,
      seed,
      domain: [[lo, lo + width]],
    });
    const x = lo + width * fraction;
    const h = width * 1e-3;
    const spec: JetSpec = { dim: 1, first: [0], second: [[0, 0]], laplacian: false };
    const stencil = [x - 2 * h, x - h, x, x + h, x + 2 * h];
    const jet = model.jet(new Tape(), new Float64Array(stencil), spec, path);
    const u1 = jet.first.get(0)!.data[2]!;
    const second = jet.second.get("0,0")!.data;
    const u2 = second[2]!;

    // The third and fourth derivatives at x - h, x and x + h from differences of the exact u'';
    // the largest of each is taken as its size over [x - h, x + h].
    const centres = [1, 2, 3];
    const third =
      Math.max(...centres.map((k) => Math.abs(second[k + 1]! - second[k - 1]!))) / (2 * h);
    const fourth =
      Math.max(...centres.map((k) => Math.abs(second[k + 1]! - 2 * second[k]! + second[k - 1]!))) /
      (h * h);
    const delta = Math.max(...[x - h, x, x + h].map((at) => roundingBound(model, at)));
    const firstTolerance = SAFETY * ((h * h * third) / 6 + delta / h);
    const secondTolerance = SAFETY * ((h * h * fourth) / 12 + (4 * delta) / (h * h));

    const plain = [
      model.evaluate([x - h])[0]!,
      model.evaluate([x])[0]!,
      model.evaluate([x + h])[0]!,
    ];
    within((plain[2]! - plain[0]!) / (2 * h), u1!, firstTolerance, "u_x");
    within((plain[2]! - 2 * plain[1]! + plain[0]!) / (h * h), u2!, secondTolerance, "u_xx");
  }

  for (const path of ["generic", "fused"] as JetPath[]) {
    it(`match u_x and u_xx on several boxes (${path})`, () => {
      fc.assert(
        fc.property(
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: 0.05, max: 20, noNaN: true }),
          fc.double({ min: 0.05, max: 0.95, noNaN: true }),
          fc.constantFrom<Activation>("sine", "tanh"),
          fc.integer({ min: 0, max: 1000 }),
          (lo, width, fraction, activation, seed) =>
            checkAgainstDifferences(path, lo, width, fraction, activation, seed),
        ),
        { numRuns: 100 },
      );
    });

    // Boxes that failed before roundingBound and the five-point estimates, kept as fixed cases.
    it.each([
      [6.440771946509023, 0.05059801561726518, 0.7078365723348212, "tanh", 707],
      [-6.4294164252769335, 0.05, 0.4960777652036175, "tanh", 890],
      [0, 0.05, 0.41331360853233934, "sine", 137],
    ] as const)(
      `match on the pinned box lo = %d, width %d (${path})`,
      (lo, width, fraction, activation, seed) => {
        checkAgainstDifferences(path, lo, width, fraction, activation, seed);
      },
    );
  }
});
