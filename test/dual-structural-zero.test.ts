// Tests that the derivative helpers seed structural zeros by absence, so singular terms in
// untouched directions leave partials exact, while computed zeros follow IEEE arithmetic.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  abs,
  acos,
  add,
  asin,
  atan,
  cos,
  cosh,
  Dual,
  derivative,
  derivatives,
  div,
  exp,
  gradient,
  HyperDual,
  hessian,
  laplacian,
  log,
  mul,
  newTag,
  pow,
  primal,
  relu,
  type Scalar,
  sigmoid,
  sin,
  sinh,
  sqrt,
  sub,
  Taylor,
  tan,
  tanh,
} from "../src/dual/index.js";

type Fn = (x: Scalar) => Scalar;

function toNumber(x: Scalar): number {
  expect(typeof x).toBe("number");
  return x as number;
}

/** Returns f(p0) + p1, a function whose partial along p1 is exactly 1. */
function plusSecond(f: Fn): (p: Scalar[]) => Scalar {
  return (p) => add(f(p[0]), p[1]);
}

/**
 * Points where a derivative of f is infinite, with f'(s) and f''(s) as one-sided limits. The
 * real powers below 1 have infinite first derivatives at 0, and x^1.875 has an infinite second.
 */
const SINGULAR: { name: string; f: Fn; s: number; first: number; second: number }[] = [
  { name: "sqrt at 0", f: sqrt, s: 0, first: Infinity, second: -Infinity },
  { name: "log at 0", f: log, s: 0, first: Infinity, second: -Infinity },
  { name: "asin at 1", f: asin, s: 1, first: Infinity, second: Infinity },
  { name: "asin at -1", f: asin, s: -1, first: Infinity, second: -Infinity },
  { name: "acos at 1", f: acos, s: 1, first: -Infinity, second: -Infinity },
  { name: "acos at -1", f: acos, s: -1, first: -Infinity, second: Infinity },
  { name: "x^0.5 at 0", f: (x) => pow(x, 0.5), s: 0, first: Infinity, second: -Infinity },
  { name: "x^0.25 at 0", f: (x) => pow(x, 0.25), s: 0, first: Infinity, second: -Infinity },
  { name: "x^-1.5 at 0", f: (x) => pow(x, -1.5), s: 0, first: -Infinity, second: Infinity },
  { name: "x^1.875 at 0", f: (x) => pow(x, 1.875), s: 0, first: 0, second: Infinity },
];

describe("NaN values", () => {
  it("a NaN value gives NaN partials in every helper", () => {
    // sqrt(-1) is a plain NaN in the pass along p1, but f is undefined on the whole line
    // p0 = -1, so ∂/∂p1 is NaN too, never the finite 1.
    for (const f of [sqrt, log]) {
      expect(gradient(plusSecond(f), [-1, 1])).toEqual([Number.NaN, Number.NaN]);
      expect(hessian(plusSecond(f), [-1, 1])).toEqual([
        [Number.NaN, Number.NaN],
        [Number.NaN, Number.NaN],
      ]);
      expect(laplacian(plusSecond(f), [-1, 1])).toBeNaN();
    }
    // p0 / p0 at 0 is the arithmetic NaN 0/0.
    expect(gradient((p) => add(div(p[0], p[0]), p[1]), [0, 1])).toEqual([Number.NaN, Number.NaN]);
    expect(derivative((x) => add(sqrt(-1), x), 2)).toBeNaN();
    expect(derivatives((x) => add(sqrt(-1), x), 2, 2)).toEqual([
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
    expect(derivatives(() => sqrt(-1), 2, 2)).toEqual([Number.NaN, Number.NaN, Number.NaN]);
  });

  it("a NaN value keeps the kind of an outer AD partial", () => {
    // ∂/∂p1 of (sqrt(-1) + p1) t for an outer t: a NaN Dual of t's tag, not a plain number.
    const outer = newTag();
    const t = new Dual(2, 1, outer);
    const partial = gradient((p) => mul(add(sqrt(p[0]), p[1]), t), [-1, 1])[1];
    expect(partial).toBeInstanceOf(Dual);
    expect((partial as Dual).tag).toBe(outer);
    expect((partial as Dual).value).toBeNaN();
    expect((partial as Dual).tangent).toBeNaN();
  });
});

describe("stored zero parts follow IEEE", () => {
  it("an infinite derivative times a stored 0 is NaN", () => {
    expect((sqrt(new Dual(0, 0)) as Dual).tangent).toBeNaN();
    expect((sqrt(new Dual(4, Number.NaN)) as Dual).tangent).toBeNaN();
    const h = sqrt(new HyperDual(0, 1, 0, 0)) as HyperDual;
    expect(h.b).toBe(Infinity);
    expect(h.c).toBeNaN();
    expect(h.d).toBeNaN();
  });

  it.each(SINGULAR)("$name: one HyperDual pass", ({ f, s, first }) => {
    // The seed of p0 stores c = 0 and d = 0, and f'(s) c or f''(s) b c is 0 * Infinity: NaN
    // where a factor is infinite, never a finite stand-in for the mixed partial.
    const tag = newTag();
    const y = plusSecond(f)([new HyperDual(s, 1, 0, 0, tag), new HyperDual(1, 0, 1, 0, tag)]);
    const h = y as HyperDual;
    expect(h.b).toBe(first);
    expect(h.c).toBe(Number.isFinite(first) ? 1 : Number.NaN);
    expect(h.d).toBeNaN();
  });

  it.each(SINGULAR)("$name: Taylor jet along p1", ({ f, s }) => {
    // p0 = s + 0 t stores zero coefficients, and f's series at s has an infinite one.
    const tag = newTag();
    const p0 = new Taylor([s, 0, 0, 0], tag);
    const p1 = new Taylor([1, 1, 0, 0], tag);
    const got = (plusSecond(f)([p0, p1]) as Taylor).derivatives().slice(1);
    for (const d of got) {
      expect(d === 1 || Number.isNaN(d)).toBe(true);
    }
    expect(got.some((d) => Number.isNaN(d))).toBe(true);
  });

  it("Taylor derivatives of order >= 2 at singular points are NaN", () => {
    // The seed stores u_2..u_5 = 0, and the recurrences multiply them by infinite terms.
    for (const [f, s, first] of [
      [log, 0, Infinity],
      [sqrt, 0, Infinity],
      [asin, 1, Infinity],
      [acos, -1, -Infinity],
    ] as [Fn, number, number][]) {
      const got = derivatives(f, s, 5).slice(1).map(toNumber);
      expect(got).toEqual([first, Number.NaN, Number.NaN, Number.NaN, Number.NaN]);
    }
  });
});

describe("computed zeros at singular points", () => {
  // The tangent of x x at 0 is x 1 + 1 x = 0, a computed zero. The true functions below have
  // no finite derivative at 0, so the only acceptable results are ±Infinity and NaN. A zero
  // test on tangents returned the finite values in the comments.

  it("d/dx 1/(x x) at 0 is NaN (was 0)", () => {
    expect(derivative((x) => div(1, mul(x, x)), 0)).toBeNaN();
    expect(derivatives((x) => div(1, mul(x, x)), 0, 3)).toEqual([
      Infinity,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
    expect(hessian((p) => div(1, mul(p[0], p[0])), [0])).toEqual([[Number.NaN]]);
  });

  it("d/dx log(x x) at 0 is NaN (was 0)", () => {
    expect(derivative((x) => log(mul(x, x)), 0)).toBeNaN();
    expect(derivatives((x) => log(mul(x, x)), 0, 3)).toEqual([
      -Infinity,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
    expect(hessian((p) => log(mul(p[0], p[0])), [0])).toEqual([[Number.NaN]]);
  });

  it("x^-2 at 0 is NaN in every order (was 0)", () => {
    expect(derivative((x) => pow(x, -2), 0)).toBeNaN();
    // Was [Infinity, 0, -Infinity, 0].
    expect(derivatives((x) => pow(x, -2), 0, 3)).toEqual([
      Infinity,
      Number.NaN,
      Number.NaN,
      Number.NaN,
    ]);
    // Was -Infinity, the wrong sign for the limit 6 / x^4 -> +Infinity.
    expect(hessian((p) => pow(p[0], -2), [0])).toEqual([[Number.NaN]]);
    expect(laplacian((p) => pow(p[0], -2), [0])).toBeNaN();
  });

  it("x^-3 at 0 has a NaN Hessian (was 0)", () => {
    expect(hessian((p) => pow(p[0], -3), [0])).toEqual([[Number.NaN]]);
    expect(derivative((x) => pow(x, -3), 0)).toBeNaN();
  });

  it("x^-1 at 0 gives the limits from the right, then NaN", () => {
    // 1 / x is one division, so no computed zero enters: -1/x² and 2/x³ at 0+ are exact.
    expect(derivative((x) => pow(x, -1), 0)).toBe(-Infinity);
    expect(hessian((p) => pow(p[0], -1), [0])).toEqual([[Infinity]]);
    expect(derivatives((x) => pow(x, -1), 0, 3)).toEqual([
      Infinity,
      -Infinity,
      Number.NaN,
      Number.NaN,
    ]);
  });

  it("x^-n at 0 is never finite in any kind or order", () => {
    for (let n = 1; n <= 6; n++) {
      const f: Fn = (x) => pow(x, -n);
      const h = f(new HyperDual(0, 1, 1, 0)) as HyperDual;
      const values: number[] = [
        toNumber(derivative(f, 0)),
        ...derivatives(f, 0, 4).map(toNumber),
        toNumber(hessian((p) => f(p[0]), [0])[0][0]),
        toNumber(derivative((x) => derivative(f, x), 0)),
        ...[h.a, h.b, h.c, h.d].map(toNumber),
        toNumber((f(new Dual(0, 1)) as Dual).tangent),
      ];
      for (const v of values) {
        expect(Number.isFinite(v)).toBe(false);
      }
    }
  });
});

describe("singular functions in directions they do not touch", () => {
  it("gradient(sqrt(p0) + p1) at (0, 1) is [Infinity, 1]", () => {
    expect(gradient(plusSecond(sqrt), [0, 1])).toEqual([Infinity, 1]);
  });

  it.each(SINGULAR)("$name: gradient, Hessian and Laplacian", ({ f, s, first, second }) => {
    // Nested Duals carry each direction only where it is seeded, so the pure second partial
    // along p0 is the one-sided limit f''(s) and the p1 row is exact.
    const g = plusSecond(f);
    expect(gradient(g, [s, 1])).toEqual([first, 1]);
    expect(hessian(g, [s, 1])).toEqual([
      [second, 0],
      [0, 0],
    ]);
    expect(laplacian(g, [s, 1])).toBe(second);
    // p1² adds 2 in its own pass, which never reads the singular variable.
    expect(laplacian((p) => add(f(p[0]), mul(p[1], p[1])), [s, 1])).toBe(second + 2);
  });

  it.each(SINGULAR)("$name: products with p1", ({ f, s, first }) => {
    // f(p0) p1: ∂/∂p1 = f(s), ∂²/∂p1² = 0 exactly, ∂²/∂p0∂p1 = f'(s).
    const g = (p: Scalar[]) => mul(f(p[0]), p[1]);
    const value = toNumber(f(s));
    expect(gradient(g, [s, 1])[1]).toBe(value);
    const h = hessian(g, [s, 1]);
    expect(h[1][1]).toBe(0);
    expect(h[0][1]).toBe(first);
    expect(h[1][0]).toBe(first);
  });

  it("nested forward mode keeps the p1 row of the Hessian exact", () => {
    // Forward over forward: the derivative of ∂/∂p1 (sqrt(p0) + p1) = 1 is 0 in both directions.
    const row = gradient((q) => gradient(plusSecond(sqrt), q)[1], [0, 1]);
    expect(row).toEqual([0, 0]);
  });

  it("a helper inside a helper keeps the perturbations apart", () => {
    // d/dx [x d/dy (x + y)] = 1, and d/dx of ∂/∂p1 (sqrt(p0) + p1 x) at x = 2 is 1.
    expect(
      derivative(
        (x) =>
          mul(
            x,
            derivative((y) => add(x, y), 1),
          ),
        2,
      ),
    ).toBe(1);
    const inner = (x: Scalar) => gradient((p) => add(sqrt(p[0]), mul(p[1], x)), [0, 1])[1];
    expect(derivative(inner, 2)).toBe(1);
  });

  it("a^b at a = 0 with 0 < b < 1", () => {
    // ∂/∂a = b 0^(b-1) = Infinity; the pass along b passes a = 0 as a plain number.
    const f = (p: Scalar[]) => pow(p[0], p[1]);
    expect(gradient(f, [0, 0.5])).toEqual([Infinity, 0]);
    expect(hessian(f, [0, 0.5])[1][1]).toBe(0);
  });
});

/** An expression of one variable with its text, built at random for the property below. */
interface Expression {
  f: Fn;
  text: string;
}

const UNARY: [string, Fn][] = [
  ["exp", exp],
  ["log", log],
  ["sqrt", sqrt],
  ["sin", sin],
  ["cos", cos],
  ["tan", tan],
  ["tanh", tanh],
  ["sigmoid", sigmoid],
  ["asin", asin],
  ["acos", acos],
  ["atan", atan],
  ["sinh", sinh],
  ["cosh", cosh],
  ["relu", relu],
  ["abs", abs],
  ["pow0.5", (x) => pow(x, 0.5)],
  ["pow1.875", (x) => pow(x, 1.875)],
  ["pow-0.5", (x) => pow(x, -0.5)],
  ["pow3", (x) => pow(x, 3)],
  ["exp2", (x) => pow(2, x)],
];

const BINARY: [string, (x: Scalar, y: Scalar) => Scalar][] = [
  ["add", add],
  ["sub", sub],
  ["mul", mul],
  ["div", div],
];

// Constants that move p0 onto the singular points 0 and ±1 (sqrt(sub(1, x)) at x = 1, ...).
const CONSTANTS = [0, 1, -1, 2, 0.5];

const expression: fc.Arbitrary<Expression> = fc.letrec<{ node: Expression }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant<Expression>({ f: (x) => x, text: "x" }),
    fc.tuple(fc.constantFrom(...UNARY), tie("node")).map(([[name, op], inner]) => ({
      f: (x: Scalar) => op(inner.f(x)),
      text: `${name}(${inner.text})`,
    })),
    fc
      .tuple(fc.constantFrom(...BINARY), fc.constantFrom(...CONSTANTS), tie("node"), fc.boolean())
      .map(([[name, op], c, inner, constantFirst]) =>
        constantFirst
          ? { f: (x: Scalar) => op(c, inner.f(x)), text: `${name}(${c}, ${inner.text})` }
          : { f: (x: Scalar) => op(inner.f(x), c), text: `${name}(${inner.text}, ${c})` },
      ),
    fc
      .tuple(fc.constantFrom(...BINARY), tie("node"), tie("node"))
      .map(([[name, op], left, right]) => ({
        f: (x: Scalar) => op(left.f(x), right.f(x)),
        text: `${name}(${left.text}, ${right.text})`,
      })),
  ),
})).node;

const point = fc.oneof(fc.constantFrom(0, -0, 1, -1), fc.double({ min: -2, max: 2, noNaN: true }));

describe("partial along p1 property", () => {
  it("counterexamples found when every input was seeded", () => {
    // Each gave NaN for ∂/∂p1 when the pass along p1 also seeded p0 with a zero tangent.
    const cases: [Fn, number][] = [
      [(x) => div(x, sub(x, x)), 1],
      [(x) => div(x, div(add(x, sub(0, x)), 0.5)), -5e-324],
      [(x) => pow(x, 0.5), 0],
    ];
    for (const [f, s] of cases) {
      expect(gradient(plusSecond(f), [s, 0])[1]).toBe(1);
    }
  });

  it("f(p0) + p1 has ∂/∂p1 = 1 and zero second partials in p1", () => {
    fc.assert(
      fc.property(expression, point, fc.double({ min: -3, max: 3, noNaN: true }), (e, s, y) => {
        const g = plusSecond(e.f);
        const value = primal(e.f(s));
        if (Number.isNaN(value)) {
          // Where f is undefined every helper reports NaN partials.
          expect(gradient(g, [s, y])[1]).toBeNaN();
          expect(hessian(g, [s, y])[0][1]).toBeNaN();
          return;
        }
        expect(gradient(g, [s, y])[1]).toBe(1);
        const h = hessian(g, [s, y]);
        expect(h[0][1]).toBe(0);
        expect(h[1][1]).toBe(0);
        // The pass along p1 adds exactly 0 to the p0 pass (+ 0 maps -0 to 0, as the sum does).
        expect(Object.is(laplacian(g, [s, y]), toNumber(h[0][0]) + 0)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

/** A function singular at 0, with its text, built at random for the property below. */
interface SingularExpression {
  f: Fn;
  text: string;
}

// Inner terms that are 0 at x = 0 with a tangent there that is a computed zero (x^m, m >= 2) or
// the seed itself (m = 1). Each outer function of such a term has no finite derivative of any
// order >= 1 at 0: (x^m)^-n and c / x^m have poles, log(x^m) = m log|x| has a pole in every
// derivative, and sqrt(x) and x^-0.5 have infinite derivatives at 0+. sqrt is applied only to
// x and x², because sqrt(x^3) = |x|^1.5 has the finite first derivative 0 at 0.
const ZERO_AT_ORIGIN: [string, Fn, boolean][] = [
  ["x", (x) => x, true],
  ["mul(x, x)", (x) => mul(x, x), true],
  ["pow(x, 2)", (x) => pow(x, 2), true],
  ["mul(x, mul(x, x))", (x) => mul(x, mul(x, x)), false],
  ["pow(x, 3)", (x) => pow(x, 3), false],
  ["sub(mul(x, x), mul(0.5, mul(x, x)))", (x) => sub(mul(x, x), mul(0.5, mul(x, x))), true],
];

const SINGULAR_OUTER: [string, Fn, boolean][] = [
  ["pow(_, -1)", (u) => pow(u, -1), false],
  ["pow(_, -2)", (u) => pow(u, -2), false],
  ["pow(_, -3)", (u) => pow(u, -3), false],
  ["div(2, _)", (u) => div(2, u), false],
  ["div(-1, _)", (u) => div(-1, u), false],
  ["log", log, false],
  ["sqrt", sqrt, true],
  ["pow(_, 0.5)", (u) => pow(u, 0.5), true],
  ["pow(_, -0.5)", (u) => pow(u, -0.5), false],
];

// Smooth terms added to the singular one; a finite derivative cannot cancel an infinite one.
const SMOOTH: [string, Fn][] = [
  ["0", () => 0],
  ["x", (x) => x],
  ["sin(x)", sin],
  ["mul(3, mul(x, x))", (x) => mul(3, mul(x, x))],
];

const singularExpression: fc.Arbitrary<SingularExpression> = fc
  .tuple(
    fc.constantFrom(...ZERO_AT_ORIGIN),
    fc.constantFrom(...SINGULAR_OUTER),
    fc.constantFrom(...SMOOTH),
    fc.constantFrom(1, -2, 0.5),
  )
  .filter(([[, , sqrtSafe], [, , needsSqrtSafe]]) => sqrtSafe || !needsSqrtSafe)
  .map(([[innerText, inner], [outerText, outer], [smoothText, smooth], c]) => ({
    f: (x: Scalar) => add(mul(c, outer(inner(x))), smooth(x)),
    text: `${c} ${outerText.replace("_", innerText)} + ${smoothText}`,
  }));

/** Returns every derivative of order >= 1 that each helper and kind reports for f at 0. */
function derivativesAtZero(f: Fn): number[] {
  const tag = newTag();
  const hyper = f(new HyperDual(0, 1, 1, 0, tag)) as HyperDual;
  const jet = f(new Taylor([0, 1, 0, 0], tag)) as Taylor;
  return [
    toNumber(derivative(f, 0)),
    ...derivatives(f, 0, 3).slice(1).map(toNumber),
    toNumber(gradient((p) => f(p[0]), [0])[0]),
    toNumber(hessian((p) => f(p[0]), [0])[0][0]),
    toNumber(laplacian((p) => f(p[0]), [0])),
    toNumber(derivative((x) => derivative(f, x), 0)),
    toNumber((f(new Dual(0, 1, tag)) as Dual).tangent),
    toNumber(hyper.b),
    toNumber(hyper.d),
    ...jet.derivatives().slice(1).map(toNumber),
  ];
}

describe("singular at 0 property", () => {
  it("pinned counterexamples of a zero test on tangents", () => {
    for (const f of [
      (x: Scalar) => div(1, mul(x, x)),
      (x: Scalar) => log(mul(x, x)),
      (x: Scalar) => pow(x, -2),
      (x: Scalar) => pow(x, -3),
    ]) {
      for (const d of derivativesAtZero(f)) {
        expect(Number.isFinite(d)).toBe(false);
      }
    }
  });

  it("no derivative of a function singular at 0 is finite there", () => {
    fc.assert(
      fc.property(singularExpression, (e) => {
        for (const d of derivativesAtZero(e.f)) {
          expect(Number.isFinite(d), e.text).toBe(false);
        }
      }),
      { numRuns: 200 },
    );
  });
});
