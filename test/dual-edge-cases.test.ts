// Tests of non-finite inputs, domain edges, kinks, powers at zero and nesting in every kind.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AdScalar,
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
  exp,
  gradient,
  HyperDual,
  hessian,
  laplacian,
  log,
  max,
  min,
  mul,
  neg,
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

const ALL_FUNCTIONS: [string, Fn][] = [
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
  ["pow x^2.5", (x) => pow(x, 2.5)],
  ["pow x^3", (x) => pow(x, 3)],
  ["pow 2^x", (x) => pow(2, x)],
];

/**
 * Returns the `size` components of f's result as numbers. A plain number (f ignored its
 * input, as max(x, 0) does on a tie) is a constant whose perturbation parts are 0.
 */
function components(y: Scalar, size: number): number[] {
  if (typeof y === "number") {
    return [y, ...new Array<number>(size - 1).fill(0)];
  }
  if (y instanceof Dual) {
    return [primal(y.value), primal(y.tangent)];
  }
  if (y instanceof HyperDual) {
    return [y.a, y.b, y.c, y.d].map(primal);
  }
  return y.derivatives().map(primal);
}

/** Returns [f, f', f''] (Taylor and Dual give what they have) in each kind at x. */
function byKind(f: Fn, x: number): Record<string, number[]> {
  const hyper = components(f(new HyperDual(x, 1, 1, 0)), 4);
  return {
    dual: components(f(new Dual(x, 1)), 2),
    hyper: [hyper[0], hyper[1], hyper[3]],
    taylor: components(f(new Taylor([x, 1, 0])), 3),
  };
}

/** Asserts that each kind gives `want` (compared with Object.is after mapping -0 to 0). */
function expectEveryKind(f: Fn, x: number, want: number[]): void {
  for (const [kind, got] of Object.entries(byKind(f, x))) {
    const n = Math.min(got.length, want.length);
    const normalise = (v: number) => (v === 0 ? 0 : v);
    expect({ kind, values: got.slice(0, n).map(normalise) }).toEqual({
      kind,
      values: want.slice(0, n).map(normalise),
    });
  }
}

describe("non-finite inputs", () => {
  it.each(ALL_FUNCTIONS)("%s of NaN is NaN in every component", (_name, f) => {
    for (const got of Object.values(byKind(f, Number.NaN))) {
      for (const v of got) {
        expect(v).toBeNaN();
      }
    }
  });

  it("exp at ±Infinity", () => {
    expectEveryKind(exp, Number.NEGATIVE_INFINITY, [0, 0, 0]);
    // The second derivative is NaN: HyperDual forms f'(a) d with d = 0 and Taylor forms
    // 2 u_2 w_0 with u_2 = 0, both Infinity * 0.
    expectEveryKind(exp, Number.POSITIVE_INFINITY, [Infinity, Infinity, Number.NaN]);
  });

  it("saturating functions at ±Infinity have zero derivatives", () => {
    expectEveryKind(tanh, Infinity, [1, 0, 0]);
    expectEveryKind(tanh, -Infinity, [-1, 0, 0]);
    expectEveryKind(sigmoid, Infinity, [1, 0, 0]);
    expectEveryKind(sigmoid, -Infinity, [0, 0, 0]);
    // atan''(x) = -2x / (1 + x²)² is formed as -2x atan'(x)², which is Infinity * 0 at Infinity.
    expectEveryKind(atan, Infinity, [Math.PI / 2, 0, Number.NaN]);
  });

  it("sin and cos of Infinity are NaN everywhere", () => {
    for (const f of [sin, cos]) {
      for (const got of Object.values(byKind(f, Infinity))) {
        for (const v of got) {
          expect(v).toBeNaN();
        }
      }
    }
  });

  it("log, sqrt, relu and abs at ±Infinity", () => {
    expectEveryKind(log, Infinity, [Infinity, 0]);
    expectEveryKind(sqrt, Infinity, [Infinity, 0]);
    expectEveryKind(relu, Infinity, [Infinity, 1, 0]);
    expectEveryKind(relu, -Infinity, [0, 0, 0]);
    expectEveryKind(abs, -Infinity, [Infinity, -1, 0]);
  });
});

describe("domain edges", () => {
  it("log at 0 is -Infinity with derivative +Infinity", () => {
    expectEveryKind(log, 0, [-Infinity, Infinity]);
    expect(toNumber(derivative(log, 0))).toBe(Infinity);
  });

  it("sqrt at 0 is 0 with derivative +Infinity", () => {
    expectEveryKind(sqrt, 0, [0, Infinity]);
  });

  it("second derivatives at singular points are NaN in every kind", () => {
    // f'(x) d + f''(x) b c with d = 0 and f'(x) = Infinity is 0 * Infinity; Taylor composes the
    // same terms so the kinds agree.
    for (const [f, x] of [
      [log, 0],
      [sqrt, 0],
      [asin, 1],
      [acos, -1],
    ] as [Fn, number][]) {
      for (const got of [byKind(f, x).hyper, byKind(f, x).taylor]) {
        expect(got[2]).toBeNaN();
      }
    }
  });

  it("outside the domain every component is NaN", () => {
    for (const [f, x] of [
      [log, -1],
      [sqrt, -1e-300],
      [asin, 1.5],
      [acos, -1.000001],
      [(t: Scalar) => pow(t, 0.5), -2],
    ] as [Fn, number][]) {
      for (const got of Object.values(byKind(f, x))) {
        for (const v of got) {
          expect(v).toBeNaN();
        }
      }
    }
  });

  it("asin and acos at ±1 have infinite first derivatives", () => {
    expectEveryKind(asin, 1, [Math.PI / 2, Infinity]);
    expectEveryKind(asin, -1, [-Math.PI / 2, Infinity]);
    expectEveryKind(acos, 1, [0, -Infinity]);
    expectEveryKind(acos, -1, [Math.PI, -Infinity]);
  });

  it("sqrt(x²) at 0 has derivative NaN (0 * Infinity)", () => {
    const f: Fn = (x) => sqrt(mul(x, x));
    for (const got of Object.values(byKind(f, 0))) {
      expect(got[0]).toBe(0);
      expect(got[1]).toBeNaN();
    }
  });

  it("an infinite derivative times a stored zero tangent is NaN", () => {
    // IEEE inside a rule: sqrt'(0) = Infinity times a tangent stored as 0 is NaN.
    const y = sqrt(new Dual(0, 0)) as Dual;
    expect(y.value).toBe(0);
    expect(y.tangent).toBeNaN();
  });

  it("gradient seeds only the differentiated input", () => {
    // f(x, y) = sqrt(x) + y at (0, 1): the pass along y passes x = 0 as a plain number, so
    // sqrt(x) is a constant of that pass and ∂f/∂y is exactly 1.
    const g = gradient((p) => add(sqrt(p[0]), p[1]), [0, 1]).map(toNumber);
    expect(g[0]).toBe(Infinity);
    expect(g[1]).toBe(1);
  });
});

describe("kinks", () => {
  it("relu'(0) = abs'(0) = max(x, 0)'(0) = 0 in every kind", () => {
    expectEveryKind(relu, 0, [0, 0, 0]);
    expectEveryKind(abs, 0, [0, 0, 0]);
    expectEveryKind((x) => max(x, 0), 0, [0, 0, 0]);
    expectEveryKind((x) => min(x, 0), 0, [0, 0, 0]);
    expectEveryKind(relu, -0, [0, 0, 0]);
  });

  it("max on a tie returns its second argument", () => {
    expectEveryKind((x) => max(0, x), 0, [0, 1, 0]);
    expectEveryKind((x) => min(0, x), 0, [0, 1, 0]);
  });

  it("relu'' is 0 everywhere, up to Taylor order 4", () => {
    for (const x of [-1, 0, 1, 1e-300, -1e-300]) {
      const d = derivatives(relu, x, 4).map(toNumber);
      expect(d.slice(2)).toEqual([0, 0, 0]);
      expect(byKind(relu, x).hyper[2]).toBe(0);
      expect(toNumber(derivative((t) => derivative(relu, t), x))).toBe(0);
    }
  });

  it("relu spellings agree in every kind", () => {
    const branch: Fn = (x) => (primal(x) > 0 ? x : mul(x, 0));
    const point = fc.oneof(fc.constant(0), fc.double({ min: -5, max: 5, noNaN: true }));
    fc.assert(
      fc.property(point, (x) => {
        const a = byKind(relu, x);
        expect(byKind((t) => max(t, 0), x)).toEqual(a);
        const b = byKind(branch, x);
        for (const kind of Object.keys(a)) {
          expect(a[kind].map((v) => v + 0)).toEqual(b[kind].map((v) => v + 0));
        }
      }),
      { numRuns: 100 },
    );
  });

  it("abs follows the sign away from 0", () => {
    expectEveryKind(abs, -2, [2, -1, 0]);
    expectEveryKind(abs, 3, [3, 1, 0]);
  });
});

const FACTORIAL = [1, 1, 2, 6, 24, 120, 720, 5040, 40320];

describe("powers at base 0", () => {
  it("x^n derivatives at 0 in every kind", () => {
    for (let n = 0; n <= 6; n++) {
      const f: Fn = (x) => pow(x, n);
      const want = FACTORIAL.slice(0, 8).map((_, k) => (k === n ? FACTORIAL[n] : 0));
      expect(derivatives(f, 0, 7).map(toNumber)).toEqual(want);
      expectEveryKind(f, 0, want);
      const third = toNumber(derivative((a) => derivative((b) => derivative(f, b), a), 0));
      expect(third).toBe(want[3]);
    }
  });

  it("x^0 is the constant 1 even at NaN", () => {
    expectEveryKind((x) => pow(x, 0), Number.NaN, [1, 0, 0]);
  });

  it("real exponents at 0 follow the limit from the right", () => {
    // d/dx x^1.875 -> 0 and d²/dx² -> +Infinity; x^0.5 has derivative +Infinity.
    expectEveryKind((x) => pow(x, 1.875), 0, [0, 0, Infinity]);
    expectEveryKind((x) => pow(x, 0.5), 0, [0, Infinity]);
    expectEveryKind((x) => pow(x, 2.5), 0, [0, 0, 0]);
    expect(derivatives((x) => pow(x, 2.5), 0, 3).map(toNumber)).toEqual([0, 0, 0, Infinity]);
  });

  it("negative integer powers at 0 are infinite", () => {
    expectEveryKind((x) => pow(x, -1), 0, [Infinity, -Infinity]);
  });

  it("d/db 0^b for a constant base", () => {
    for (const b of [0.5, 1, 2, 3.7]) {
      expect(toNumber(derivative((t) => pow(0, t), b))).toBe(0);
      expect(derivatives((t) => pow(0, t), b, 3).map(toNumber)).toEqual([0, 0, 0, 0]);
    }
  });

  it("d/db a^b at a = 0 in the gradient of a^b", () => {
    const f = (p: Scalar[]) => pow(p[0], p[1]);
    for (const b of [1, 2, 3.7]) {
      expect(toNumber(gradient(f, [0, b])[1])).toBe(0);
    }
    // For 0 < b < 1, ∂/∂a = b 0^(b-1) is Infinity. The pass along b passes a = 0 as a plain
    // number, so that infinite partial never meets the pass along b.
    expect(gradient(f, [0, 0.5]).map(toNumber)).toEqual([Infinity, 0]);
    expect(hessian(f, [0, 2]).map((row) => row.map(toNumber))).toEqual([
      [2, 0],
      [0, 0],
    ]);
  });

  it("a^b partials at (2, 1) match the closed forms", () => {
    const f = (p: Scalar[]) => pow(p[0], p[1]);
    const ln2 = Math.LN2;
    expect(gradient(f, [2, 1]).map(toNumber)).toEqual([1, 2 * ln2]);
    const h = hessian(f, [2, 1]).map((row) => row.map(toNumber));
    // d2/da2 = b (b-1) a^(b-2) = 0, d2/da db = a^(b-1) (1 + b ln a), d2/db2 = a^b ln² a
    expect(h[0][0]).toBe(0);
    expect(h[0][1]).toBeCloseTo(1 + ln2, 15);
    expect(h[1][1]).toBeCloseTo(2 * ln2 * ln2, 15);
    const taylor = derivatives((t) => pow(add(1, t), t), 1, 2).map(toNumber);
    const nested = toNumber(derivative((s) => derivative((t) => pow(add(1, t), t), s), 1));
    // d/dt (1 + t)^t = (1 + t)^t (ln(1 + t) + t / (1 + t)) = 2 ln 2 + 1 at t = 1
    expect(taylor[1]).toBeCloseTo(2 * ln2 + 1, 14);
    expect(taylor[2]).toBeCloseTo(nested, 13);
  });
});

describe("nesting", () => {
  it("an inner helper on an outer AD value returns an AD value", () => {
    const tag = newTag();
    const inner = derivative((y) => mul(y, y), new Dual(3, 1, tag));
    expect(inner).toBeInstanceOf(Dual);
    expect((inner as Dual).tag).toBe(tag);
    expect((inner as Dual).value).toBe(6);
    expect((inner as Dual).tangent).toBe(2);
  });

  it("d/da of a Laplacian and of a Hessian entry", () => {
    const lap = (a: Scalar) =>
      laplacian((p) => mul(a, add(mul(p[0], p[0]), mul(p[1], p[1]))), [0.3, -0.4]);
    expect(toNumber(derivative(lap, 2))).toBe(4);
    const mixed = (a: Scalar) => hessian((p) => mul(mul(a, a), mul(p[0], p[1])), [1, 2])[0][1];
    expect(toNumber(derivative(mixed, 5))).toBe(10);
  });

  it("Taylor jets nest inside Taylor jets", () => {
    const third = (a: Scalar) => derivatives((x) => mul(a, pow(x, 3)), 1, 3)[3];
    expect(derivatives(third, 2, 2).map(toNumber)).toEqual([12, 6, 0]);
  });

  it("closures over an outer variable keep their perturbations apart", () => {
    // d/dx [x * d/dy (x * y)] = d/dx x² = 2x
    const f = (x: Scalar) =>
      mul(
        x,
        derivative((y) => mul(x, y), 1),
      );
    expect(toNumber(derivative(f, 3))).toBe(6);
    expect(derivatives(f, 3, 2).map(toNumber)).toEqual([9, 6, 2]);
    expect(toNumber(hessian((p) => f(p[0]), [3])[0][0])).toBe(2);
  });

  it("a perturbation that leaks out of f is rejected", () => {
    expect(() => derivative(() => new Dual(1, 1), 0)).toThrow(RangeError);
    expect(() => derivative(() => new Dual(1, 1), 0)).toThrow(/derivative: f returned an AD value/);
  });

  it("mixed-tag arithmetic lifts the lower tag to a constant", () => {
    const outer = new Dual(2, 1);
    const inner = new HyperDual(outer, 1, 0, 0);
    const sum = add(inner, outer) as HyperDual;
    expect(sum.b).toBe(1);
    expect(primal(sum.a)).toBe(4);
    const q = sub(3, inner) as HyperDual;
    expect(q.b).toBe(-1);
    expect((neg(q) as HyperDual).b).toBe(1);
  });
});

function toNumber(x: Scalar): number {
  expect(typeof x).toBe("number");
  return x as number;
}

describe("method sugar", () => {
  it("chains arithmetic on AD values", () => {
    // (x² + 1) / (x - 2) = x + 2 + 5 / (x - 2): at x = 3 the value is 10,
    // f' = 1 - 5 / (x - 2)² = -4 and f'' = 10 / (x - 2)³ = 10.
    const f = (x: Scalar) =>
      (x as AdScalar)
        .mul(x)
        .add(1)
        .div((x as AdScalar).sub(2))
        .neg()
        .neg();
    expect(derivative(f, 3)).toBe(-4);
    expect(derivatives(f, 3, 2).map(toNumber)).toEqual([10, -4, 10]);
  });
});

describe("perturbation confusion property", () => {
  it("d/dx [x d/dy (x + y)²] = 4x + 2y0", () => {
    const value = fc.double({ min: -100, max: 100, noNaN: true });
    fc.assert(
      fc.property(value, value, (a, b) => {
        const f = (x: Scalar) =>
          mul(
            x,
            derivative((y) => mul(add(x, y), add(x, y)), b),
          );
        const want = 4 * a + 2 * b;
        // A few roundings of terms of size |4a| + |2b|.
        const bound = 8 * Number.EPSILON * (Math.abs(4 * a) + Math.abs(2 * b));
        expect(Math.abs(toNumber(derivative(f, a)) - want)).toBeLessThanOrEqual(bound);
        expect(Math.abs(toNumber(derivatives(f, a, 1)[1]) - want)).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 100 },
    );
  });
});
