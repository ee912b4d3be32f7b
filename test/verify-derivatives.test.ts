// Tests of checkDerivatives and checkPartials: right rules pass, wrong rules are flagged.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { add, mul, neg, sub } from "../src/dual/arith.js";
import { cos, exp, sin, tanh } from "../src/dual/elementary.js";
import type { Scalar } from "../src/dual/scalar.js";
import { defaultStep } from "../src/verify/central-difference.js";
import { assertDerivatives, checkDerivatives } from "../src/verify/check-derivatives.js";
import { checkPartials, hyperDualPartials } from "../src/verify/check-partials.js";
import { VerificationError } from "../src/verify/report.js";
import { functionFromDerivatives } from "./verify-rules.js";

// d^k/dx^k sin(x) = sin(x + kπ/2), written with Scalar ops so that rules can use it.
const sinDerivatives = [
  (x: Scalar) => sin(x),
  (x: Scalar) => cos(x),
  (x: Scalar) => neg(sin(x)),
  (x: Scalar) => neg(cos(x)),
  (x: Scalar) => sin(x),
];

// tanh' = 1 − t², tanh'' = −2t(1 − t²), tanh''' = −2(1 − t²)(1 − 3t²) with t = tanh x.
const sech2 = (x: Scalar): Scalar => sub(1, mul(tanh(x), tanh(x)));
const tanhDerivatives = [
  (x: Scalar) => tanh(x),
  (x: Scalar) => sech2(x),
  (x: Scalar) => mul(-2, mul(tanh(x), sech2(x))),
  (x: Scalar) => mul(-2, mul(sech2(x), sub(1, mul(3, mul(tanh(x), tanh(x)))))),
];

describe("checkDerivatives with non-finite values", () => {
  it("never passes an overflowing function", () => {
    // exp(1000·x) overflows at x = 1: every value is Infinity or NaN.
    const report = checkDerivatives((x) => exp(mul(1000, x)), 1, { order: 2 });
    expect(report.pass).toBe(false);
    expect(report.comparisons.every((c) => !c.pass)).toBe(true);
  });

  it("never passes NaN from outside the domain", () => {
    // log of a negative number is NaN in every component.
    const report = checkDerivatives((x) => exp(mul(0.5, x)) as Scalar, 0.3, {
      order: 1,
      forward: () => [Number.NaN, Number.NaN],
    });
    expect(report.pass).toBe(false);
    expect(report.comparisons[1].relativeError).toBeNaN();
  });

  it("rejects a non-finite x", () => {
    expect(() => checkDerivatives(sin, Number.NaN)).toThrow(RangeError);
    expect(() => checkDerivatives(sin, Number.NEGATIVE_INFINITY)).toThrow(/finite/);
  });
});

describe("checkDerivatives on correct rules", () => {
  it("passes sin, tanh and exp compositions to order 4", () => {
    const functions: [string, (x: Scalar) => Scalar][] = [
      ["sin", sin],
      ["tanh(2x)", (x) => tanh(mul(2, x))],
      ["exp(sin x)", (x) => exp(sin(x))],
      ["x·tanh(x) + cos(x)", (x) => add(mul(x, tanh(x)), cos(x))],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...functions),
        fc.double({ min: -2, max: 2, noNaN: true }),
        fc.integer({ min: 1, max: 4 }),
        ([, f], x, order) => {
          expect(checkDerivatives(f, x, { order }).pass).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("passes a SIREN-like sin(30x) with a step scaled by 1/30", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 3 }),
        (x, order) => {
          const f = (t: Scalar): Scalar => sin(mul(30, t));
          expect(checkDerivatives(f, x, { order, step: defaultStep(order) / 30 }).pass).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("checks closed forms when given", () => {
    const report = assertDerivatives(sin, 0.4, {
      order: 2,
      closedForm: { 1: Math.cos, 2: (x) => -Math.sin(x) },
    });
    expect(report.differences[1]?.step).toBe(2 ** -8);
    expect(report.differences[2]?.truncationEstimate).toBeLessThan(1e-9);
    const kinds = report.comparisons.map((c) => `${c.label} ${c.referenceKind}`);
    expect(kinds).toEqual([
      "order 0 plain evaluation",
      "order 1 central difference",
      "order 1 closed form",
      "order 2 central difference",
      "order 2 closed form",
    ]);
  });

  it("passes a rule built from correct derivative formulas", () => {
    const goodSin = functionFromDerivatives("sin", sinDerivatives);
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), (x) => {
        expect(checkDerivatives(goodSin, x, { order: 4 }).pass).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe("checkDerivatives on wrong rules", () => {
  it("flags a sine rule whose derivative is −cos", () => {
    const badSin = functionFromDerivatives("bad sin", [
      sinDerivatives[0],
      (x) => neg(cos(x)),
      ...sinDerivatives.slice(2),
    ]);
    // The error 2|cos x| dwarfs the tolerance (about 1e-11) wherever cos x is not tiny.
    fc.assert(
      fc.property(fc.double({ min: -1.4, max: 1.4, noNaN: true }), (x) => {
        const report = checkDerivatives(badSin, x, { order: 1 });
        expect(report.pass).toBe(false);
        expect(report.comparisons.find((c) => c.label === "order 1")?.pass).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("flags a tanh rule whose second derivative has the wrong sign", () => {
    const badTanh = functionFromDerivatives("bad tanh", [
      ...tanhDerivatives.slice(0, 2),
      (x) => neg(tanhDerivatives[2](x)),
      tanhDerivatives[3],
    ]);
    // tanh'' vanishes only at 0, so away from 0 the sign error is 2|tanh''| ≫ tolerance.
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.boolean(),
        (magnitude, negative) => {
          const x = negative ? -magnitude : magnitude;
          const report = checkDerivatives(badTanh, x, { order: 3 });
          const verdicts = report.comparisons.map((c) => [c.label, c.pass]);
          expect(verdicts).toEqual([
            ["order 0", true],
            ["order 1", true],
            ["order 2", false],
            ["order 3", true],
          ]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("assertion error shows the failing row and its formula", () => {
    const badSin = functionFromDerivatives("bad sin", [
      sinDerivatives[0],
      (x) => neg(cos(x)),
      sinDerivatives[2],
    ]);
    let thrown: unknown;
    try {
      assertDerivatives(badSin, 0.3, { order: 1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VerificationError);
    const message = (thrown as VerificationError).message;
    expect(message).toMatch(/FAIL: 1 of 2 comparisons/);
    expect(message).toMatch(/order 1 .* central difference .* FAIL/);
    expect(message).toMatch(/order 1: s·\|R\(h\)−R\(h\/2\)\|\/15/);
  });
});

describe("checkPartials", () => {
  // u = sin(πx) sin(πy): Δu = −2π² u, u_xy = π² cos(πx) cos(πy).
  const u = ([x, y]: readonly Scalar[]): Scalar => mul(sin(mul(Math.PI, x)), sin(mul(Math.PI, y)));

  it("passes hyper-dual partials of sin(πx)·sin(πy)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (x, y) => {
          expect(checkPartials(u, [x, y]).pass).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("passes at points that once failed", () => {
    // (5e-324, 0): u and its x-partials are subnormal, so rounding is absolute, not relative.
    // (1.34e-307, 0.9995): y + h crosses 1, where rounding the argument moves f by u·|f_y|.
    expect(checkPartials(u, [5e-324, 0]).pass).toBe(true);
    expect(checkPartials(u, [1.3407850606521375e-307, 0.9995110027975885]).pass).toBe(true);
  });

  it("flags a Laplacian that adds 2·u_xy", () => {
    // Regression value: at (0.3, 0.7) the buggy Laplacian is −19.739208802178716 where the
    // true one is −12.919479888783746.
    const buggy = (point: readonly number[]) => {
      const pairs: [number, number][] = [
        [0, 0],
        [0, 1],
        [1, 1],
      ];
      const right = hyperDualPartials(u, point, [0, 1], pairs, true);
      const mixed = right.second?.get("0,1") as number;
      return { ...right, laplacian: (right.laplacian as number) + 2 * mixed };
    };
    const report = checkPartials(u, [0.3, 0.7], { forward: buggy });
    const laplacian = report.comparisons.find((c) => c.label === "Laplacian");
    expect(laplacian?.value).toBeCloseTo(-19.739208802178716, 12);
    expect(laplacian?.reference).toBeCloseTo(-12.919479888783746, 8);
    expect(laplacian?.pass).toBe(false);
    expect(report.comparisons.filter((c) => !c.pass).map((c) => c.label)).toEqual(["Laplacian"]);
  });

  it("flags the buggy Laplacian wherever u_xy is not tiny", () => {
    const buggyAt = (point: readonly number[]) => {
      const right = hyperDualPartials(u, point, [], [[0, 1]], true);
      return { laplacian: (right.laplacian as number) + 2 * (right.second?.get("0,1") as number) };
    };
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 0.45, noNaN: true }),
        fc.double({ min: 0.55, max: 0.95, noNaN: true }),
        (x, y) => {
          const report = checkPartials(u, [x, y], { first: [], second: [], forward: buggyAt });
          expect(report.pass).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });
});
