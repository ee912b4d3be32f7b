// Tests that an exactly zero perturbation part stays zero next to infinite or NaN derivatives.

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
import { isZero } from "../src/dual/scalar.js";

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

describe("NaN and infinite parts", () => {
  it("a NaN tangent stays NaN beside a zero one", () => {
    const y = sqrt(new Dual(4, Number.NaN)) as Dual;
    expect(y.value).toBe(2);
    expect(y.tangent).toBeNaN();
    const h = sqrt(new HyperDual(0, Number.NaN, 0, 0)) as HyperDual;
    expect(h.b).toBeNaN();
    expect(h.c).toBe(0);
  });

  it("a NaN value fills zero parts with NaN too", () => {
    // Outside the domain the value is NaN, and no partial of it is reported as finite,
    // including the structural zero of the pass along p1.
    expect(gradient(plusSecond(sqrt), [-1, 1])).toEqual([Number.NaN, Number.NaN]);
    expect(gradient(plusSecond(log), [-1, 1])).toEqual([Number.NaN, Number.NaN]);
    const tag = newTag();
    const y = asin(new Taylor([2, 0, 0], tag)) as Taylor;
    expect(y.coefficients).toEqual([Number.NaN, Number.NaN, Number.NaN]);
  });

  it("a zero value times an infinite part stays NaN", () => {
    // x sqrt(x) at 0: the term x sqrt'(0) dx is the value 0 times the part Infinity.
    const f: Fn = (x) => mul(x, sqrt(x));
    expect(toNumber(derivative(f, 0))).toBeNaN();
    expect(toNumber(derivatives(f, 0, 2)[1])).toBeNaN();
    expect((f(new HyperDual(0, 1, 1, 0)) as HyperDual).b).toBeNaN();
  });

  it("an infinite value times a zero part is 0", () => {
    // log(p0) p1 at (0, 1): ∂/∂p0 = p1 / p0 = Infinity and ∂/∂p1 = log(p0) = -Infinity.
    // The pass along p0 forms log(0) * 0 for the p1 tangent, which drops out.
    expect(gradient((p) => mul(log(p[0]), p[1]), [0, 1])).toEqual([Infinity, -Infinity]);
    // A constant Infinity scales every part; the zero ones stay 0.
    expect(gradient((p) => add(mul(p[0], Infinity), p[1]), [1, 2])).toEqual([Infinity, 1]);
    expect(gradient((p) => add(mul(Infinity, p[0]), p[1]), [1, 2])).toEqual([Infinity, 1]);
    expect(gradient((p) => add(div(p[0], 0), p[1]), [1, 2])).toEqual([Infinity, 1]);
  });

  it("a NaN value from arithmetic does not fill the parts", () => {
    // p0 / p0 at 0 is 0/0 = NaN; the pass along p1 sees zero parts only.
    expect(gradient((p) => add(div(p[0], p[0]), p[1]), [0, 1])).toEqual([Number.NaN, 1]);
  });

  it("a zero divisor keeps zero parts at 0", () => {
    // 1 / p0 at 0: the quotient rule forms (0 - Infinity * 0) / 0 along p1.
    expect(gradient((p) => add(div(1, p[0]), p[1]), [0, 1])).toEqual([-Infinity, 1]);
  });
});

describe("isZero", () => {
  it("accepts ±0 and all-zero AD values, rejects NaN", () => {
    expect(isZero(0)).toBe(true);
    expect(isZero(-0)).toBe(true);
    expect(isZero(Number.NaN)).toBe(false);
    expect(isZero(Number.MIN_VALUE)).toBe(false);
    const outer = newTag();
    const inner = newTag();
    expect(isZero(new Dual(0, 0, outer))).toBe(true);
    expect(isZero(new Dual(0, new Dual(-0, 0, outer), inner))).toBe(true);
    expect(isZero(new Dual(0, new Dual(0, 1, outer), inner))).toBe(false);
    expect(isZero(new Dual(1, 0, outer))).toBe(false);
    expect(isZero(new HyperDual(0, 0, 0, 0))).toBe(true);
    expect(isZero(new HyperDual(0, 0, 0, Number.NaN))).toBe(false);
    expect(isZero(new Taylor([0, 0, 0]))).toBe(true);
    expect(isZero(new Taylor([0, 0, 1e-300]))).toBe(false);
  });

  it("a zero part times an AD factor keeps the product's kind", () => {
    // Code that reads h.d as a Dual (a parameter derivative inside an input derivative)
    // finds a Dual whether or not the part was zero.
    const parameter = new Dual(Infinity, 1);
    const h = mul(parameter, new HyperDual(2, 1, 0, 0)) as HyperDual;
    expect(h.c).toBeInstanceOf(Dual);
    expect((h.c as Dual).value).toBe(0);
    expect((h.c as Dual).tangent).toBe(0);
  });
});

describe("singular functions in their own direction", () => {
  /** Returns the sign of prod_{i<k} (p - i), the sign of the k-th derivative of x^p near 0+. */
  function powerSign(p: number, k: number): number {
    let sign = 1;
    for (let i = 0; i < k; i++) {
      sign *= Math.sign(p - i);
    }
    return sign;
  }

  it("Taylor derivatives up to order 5 are the one-sided limits", () => {
    // log^(k)(x) = (-1)^(k+1) (k-1)! / x^k; asin is odd with every derivative positive near 1,
    // so asin^(k) at -1 has sign (-1)^(k+1); acos = pi/2 - asin.
    const cases: [Fn, number, (k: number) => number][] = [
      [log, 0, (k) => (-1) ** (k + 1)],
      [sqrt, 0, (k) => powerSign(0.5, k)],
      [(x) => pow(x, 0.25), 0, (k) => powerSign(0.25, k)],
      [(x) => pow(x, 2.5), 0, (k) => (k < 3 ? 0 : powerSign(2.5, k))],
      [asin, 1, () => 1],
      [asin, -1, (k) => (-1) ** (k + 1)],
      [acos, 1, () => -1],
      [acos, -1, (k) => (-1) ** k],
    ];
    for (const [f, s, sign] of cases) {
      const got = derivatives(f, s, 5).slice(1).map(toNumber);
      const want = [1, 2, 3, 4, 5].map((k) => (sign(k) === 0 ? 0 : sign(k) * Infinity));
      expect(got).toEqual(want);
    }
  });
});

describe("singular functions in directions they do not touch", () => {
  it("gradient(sqrt(p0) + p1) at (0, 1) is [Infinity, 1]", () => {
    expect(gradient(plusSecond(sqrt), [0, 1])).toEqual([Infinity, 1]);
  });

  it.each(SINGULAR)("$name: gradient, Hessian and Laplacian", ({ f, s, first, second }) => {
    const g = plusSecond(f);
    expect(gradient(g, [s, 1])).toEqual([first, 1]);
    expect(hessian(g, [s, 1])).toEqual([
      [second, 0],
      [0, 0],
    ]);
    expect(laplacian(g, [s, 1])).toBe(second);
    // p1² adds 2 in its own pass, which never sees the singular variable.
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
  });

  it.each(SINGULAR)("$name: one HyperDual pass", ({ f, s, first }) => {
    const tag = newTag();
    const y = plusSecond(f)([new HyperDual(s, 1, 0, 0, tag), new HyperDual(1, 0, 1, 0, tag)]);
    const h = y as HyperDual;
    expect(h.b).toBe(first);
    expect(h.c).toBe(1);
    expect(h.d).toBe(0);
  });

  it.each(SINGULAR)("$name: Taylor jet along p1", ({ f, s }) => {
    const tag = newTag();
    const p0 = new Taylor([s, 0, 0, 0], tag);
    const p1 = new Taylor([1, 1, 0, 0], tag);
    const y = plusSecond(f)([p0, p1]) as Taylor;
    expect(y.derivatives().slice(1)).toEqual([1, 0, 0]);
    // s + 0 t is a jet whose parts are zero products, not seeds.
    expect(derivatives((t) => add(f(add(s, mul(0, t))), t), 1, 3).slice(1)).toEqual([1, 0, 0]);
  });

  it("nested forward mode keeps the p1 row of the Hessian exact", () => {
    // Forward over forward: the derivative of ∂/∂p1 (sqrt(p0) + p1) = 1 is 0 in both directions.
    const row = gradient((q) => gradient(plusSecond(sqrt), q)[1], [0, 1]);
    expect(row).toEqual([0, 0]);
  });

  it("a^b at a = 0 with 0 < b < 1", () => {
    // ∂/∂a = b 0^(b-1) = Infinity; the pass along b has a zero a-tangent.
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
  it("counterexamples the property found under the IEEE 0 * Infinity rule", () => {
    // Each gave NaN for ∂/∂p1 before zero parts were kept at zero.
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
          // A NaN value from a function outside its domain fills every part with NaN, and a
          // NaN from arithmetic (0 * Infinity) leaves the parts as they are.
          const partial = toNumber(gradient(g, [s, y])[1]);
          expect(partial === 1 || Number.isNaN(partial)).toBe(true);
          return;
        }
        expect(gradient(g, [s, y])[1]).toBe(1);
        const h = hessian(g, [s, y]);
        expect(h[0][1]).toBe(0);
        expect(h[1][1]).toBe(0);
        // The pass along p1 adds exactly 0 to the p0 pass (+ 0 maps -0 to 0, as the sum does).
        expect(Object.is(laplacian(g, [s, y]), toNumber(h[0][0]) + 0)).toBe(true);
        const tag = newTag();
        const jet = g([new Taylor([s, 0, 0, 0], tag), new Taylor([y, 1, 0, 0], tag)]) as Taylor;
        expect(jet.derivatives().slice(1)).toEqual([1, 0, 0]);
      }),
      { numRuns: 300 },
    );
  });
});
