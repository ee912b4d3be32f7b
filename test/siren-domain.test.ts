// Tests of input normalisation: x̂ = 2(x − lo)/(hi − lo) − 1 and its chain-rule factors.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HyperDual } from "../src/dual/hyperdual.js";
import { newTag } from "../src/dual/scalar.js";
import {
  type Activation,
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
  // Central differences: f' ≈ (f(x+h) − f(x−h))/2h with error h²|f'''|/6 + eps|f|/h, and
  // f'' ≈ (f(x+h) − 2f(x) + f(x−h))/h² with error h²|f''''|/12 + 4 eps|f|/h². f''' and f''''
  // are estimated from differences of the exact jet u'' at x ± h, with a safety factor of 10
  // for their variation over [x − h, x + h].
  const SAFETY = 10;

  for (const path of ["generic", "fused"] as JetPath[]) {
    it(`match u_x and u_xx on several boxes (${path})`, () => {
      fc.assert(
        fc.property(
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: 0.05, max: 20, noNaN: true }),
          fc.double({ min: 0.05, max: 0.95, noNaN: true }),
          fc.constantFrom<Activation>("sine", "tanh"),
          fc.integer({ min: 0, max: 1000 }),
          (lo, width, fraction, activation, seed) => {
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
            const jet = model.jet(new Tape(), new Float64Array([x - h, x, x + h]), spec, path);
            const [um, u0, up] = jet.value.data;
            const [, u1] = jet.first.get(0)!.data;
            const [u2m, u2, u2p] = jet.second.get("0,0")!.data;

            const third = Math.abs(u2p! - u2m!) / (2 * h);
            const fourth = Math.abs(u2p! - 2 * u2! + u2m!) / (h * h);
            const size = Math.max(Math.abs(um!), Math.abs(u0!), Math.abs(up!));
            const firstTolerance = SAFETY * ((h * h * third) / 6 + (EPS * size) / h);
            const secondTolerance = SAFETY * ((h * h * fourth) / 12 + (4 * EPS * size) / (h * h));

            const plain = [
              model.evaluate([x - h])[0]!,
              model.evaluate([x])[0]!,
              model.evaluate([x + h])[0]!,
            ];
            within((plain[2]! - plain[0]!) / (2 * h), u1!, firstTolerance, "u_x");
            within((plain[2]! - 2 * plain[1]! + plain[0]!) / (h * h), u2!, secondTolerance, "u_xx");
          },
        ),
        { numRuns: 100 },
      );
    });
  }
});
