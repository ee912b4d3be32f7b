// Named tests for the derivative cases in test/fixtures/derivative-cases.json.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  abs,
  add,
  cos,
  Dual,
  derivative,
  derivatives,
  exp,
  gradient,
  HyperDual,
  hessian,
  laplacian,
  max,
  mul,
  newTag,
  pow,
  primal,
  relu,
  type Scalar,
  sigmoid,
  sin,
  sqrt,
  sub,
  Taylor,
  tanh,
} from "../src/dual/index.js";
import { Random } from "../src/siren/random.js";

interface DerivativeCase {
  id: string;
  inputs: Record<string, unknown>;
  expected: Record<string, unknown>;
}

const CASES: DerivativeCase[] = JSON.parse(
  readFileSync(new URL("./fixtures/derivative-cases.json", import.meta.url), "utf8"),
).cases;

function fixture(prefix: string): DerivativeCase {
  const found = CASES.find((c) => c.id.startsWith(prefix));
  if (!found) {
    throw new Error(`fixture ${prefix} not found in derivative-cases.json`);
  }
  return found;
}

const EPS = Number.EPSILON;

// The expected values are exact results rounded to float64. Our evaluation adds at most a few
// dozen roundings (each eps/2 relative) and rounds inputs such as 0.1, 0.3 and pi (4e-17
// relative); the functions here have condition numbers |x f'/f| below about 10, so the
// error stays below 1e-14 relative to the largest term.
const CASE_TOLERANCE = 1e-14;

// Values reached by one or two products of exact inputs (e.g. e^x e^x): a few ulps.
const ULPS = 4 * EPS;

function toNumber(x: Scalar): number {
  expect(typeof x).toBe("number");
  return x as number;
}

function expectClose(got: number, want: number, tolerance: number, scale = Math.abs(want)): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(tolerance * scale);
}

/** Returns [f, f', f''] in every kind for a univariate f, as numbers. */
function kinds(f: (x: Scalar) => Scalar, x: number): Record<string, number[]> {
  // A plain number result (max(x, 0) on a tie returns its constant argument) has zero
  // perturbation parts.
  const asDual = (y: Scalar) => (typeof y === "number" ? new Dual(y, 0) : (y as Dual));
  const asHyper = (y: Scalar) =>
    typeof y === "number" ? new HyperDual(y, 0, 0, 0) : (y as HyperDual);
  const dual = asDual(f(new Dual(x, 1)));
  const hyper = asHyper(f(new HyperDual(x, 1, 1, 0)));
  return {
    dual: [primal(dual), toNumber(dual.tangent)],
    hyper: [toNumber(hyper.a), toNumber(hyper.b), toNumber(hyper.d)],
    taylor: derivatives(f, x, 2).map(toNumber),
    nested: [
      toNumber(f(x)),
      toNumber(derivative(f, x)),
      toNumber(derivative((t) => derivative(f, t), x)),
    ],
  };
}

/** Returns the kinds that give a second derivative (all but the single Dual). */
function secondOrderKinds(f: (x: Scalar) => Scalar, x: number): number[][] {
  return Object.values(kinds(f, x)).filter((got) => got.length > 2);
}

function expectAllKinds(
  f: (x: Scalar) => Scalar,
  x: number,
  want: number[],
  tolerance: number,
): void {
  const scale = Math.max(...want.map(Math.abs));
  for (const got of Object.values(kinds(f, x))) {
    for (let k = 0; k < got.length; k++) {
      expectClose(got[k], want[k], tolerance, scale);
    }
  }
}

describe("PC-01 nested closure sum", () => {
  const { expected } = fixture("PC-01");

  it("d/dx [x d/dy (x + y)] at 1 is exactly 1", () => {
    const f = (x: Scalar) =>
      mul(
        x,
        derivative((y) => add(x, y), 1),
      );
    expect(derivative(f, 1)).toBe(expected["d/dx[x*d/dy(x+y)]"]);
    expect(derivatives(f, 1, 2).map(toNumber)).toEqual([1, 1, 0]);
    expect(hessian((p) => f(p[0]), [1])).toEqual([[0]]);
  });

  it("d/dx [x (d/dx e^x)] at 1 is 2e", () => {
    const f = (x: Scalar) => mul(x, derivative(exp, x));
    expectClose(toNumber(derivative(f, 1)), expected["d/dx[x*e^x'] at 1 (=2e)"] as number, ULPS);
    const inner = (x: Scalar) => mul(x, derivatives(exp, x, 1)[1]);
    expectClose(toNumber(derivative(inner, 1)), 2 * Math.E, ULPS);
  });

  it("cos'' at 0.5 by nesting without closure", () => {
    const want = expected["cos'' at 0.5"] as number;
    expect(derivative((x) => derivative(cos, x), 0.5)).toBe(want);
    expect(derivatives(cos, 0.5, 2)[2]).toBe(want);
  });
});

describe("POW-05 power rule at zero base", () => {
  const { expected, inputs } = fixture("POW-05");

  it("x^2, x^0 and x^1 at 0 in every kind", () => {
    expect(expected["d/dx x^2"]).toBe(0);
    expectAllKinds((x) => pow(x, 2), 0, [0, 0, 2], 0);
    expectAllKinds((x) => pow(x, 0), 0, [1, 0, 0], 0);
    expectAllKinds((x) => pow(x, 1), 0, [0, 1, 0], 0);
  });

  it("x^n derivatives at 0 to order 10", () => {
    let factorial = 1;
    for (let n = 0; n <= 8; n++) {
      factorial *= Math.max(n, 1);
      const want = Array.from({ length: 11 }, (_, k) => (k === n ? factorial : 0));
      expect(derivatives((x) => pow(x, n), 0, 10).map(toNumber)).toEqual(want);
    }
  });

  it("real exponents: d/dx x^1.875 = 0 and d/dx x^0.5 = +Infinity at 0", () => {
    expect(expected["d/dx x^0.5"]).toBe("Infinity");
    for (const got of Object.values(kinds((x) => pow(x, 1.875), 0))) {
      expect(got[1]).toBe(expected["d/dx x^1.875"]);
    }
    for (const got of Object.values(kinds((x) => pow(x, 0.5), 0))) {
      expect(got[1]).toBe(Infinity);
    }
  });

  it("Rosenbrock Hessians at (0, 0) and (1, 1)", () => {
    const rosenbrock = (p: Scalar[]) =>
      add(pow(sub(1, p[0]), 2), mul(100, pow(sub(p[1], pow(p[0], 2)), 2)));
    const points = inputs.rosenbrock_points as number[][];
    // The mixed partial -400 x is -0 at x = 0; + 0 maps it to the fixture's 0.
    const unsignedZeros = (h: Scalar[][]) => h.map((row) => row.map((x) => toNumber(x) + 0));
    expect(unsignedZeros(hessian(rosenbrock, points[0]))).toEqual(expected["rosenbrock_H(0,0)"]);
    expect(unsignedZeros(hessian(rosenbrock, points[1]))).toEqual(expected["rosenbrock_H(1,1)"]);
    // Forward over forward by nested Duals gives the same exact integers.
    const nested = [0, 1].map((i) =>
      gradient((q) => gradient(rosenbrock, q)[i], points[1]).map(toNumber),
    );
    expect(nested).toEqual(expected["rosenbrock_H(1,1)"]);
  });

  it("g(x) = [x1^0, x2^1] at [10, 0] has an all-zero Hessian", () => {
    expect(expected.jax20574_hessian).toBe("all zeros");
    const point = inputs.jax20574_x as number[];
    const components = [(p: Scalar[]) => pow(p[0], 0), (p: Scalar[]) => pow(p[1], 1)];
    for (const g of components) {
      expect(hessian(g, point)).toEqual([
        [0, 0],
        [0, 0],
      ]);
    }
  });

  it("d/db a^b at (0, 1) and (2, 1)", () => {
    const { a, b } = inputs.pytorch27134 as { a: number[]; b: number };
    const want = expected["d/db a^b"] as number[];
    for (let i = 0; i < a.length; i++) {
      expect(derivative((t) => pow(a[i], t), b)).toBe(want[i]);
      expect(toNumber(gradient((p) => pow(p[0], p[1]), [a[i], b])[1])).toBe(want[i]);
      expect(toNumber(derivatives((t) => pow(a[i], t), b, 2)[1])).toBe(want[i]);
    }
  });
});

describe("NORM-06 sqrt and norm at zero", () => {
  const { expected, inputs } = fixture("NORM-06");
  const zero = inputs.x as number[];
  const sumSquares = (p: Scalar[]) => add(mul(p[0], p[0]), mul(p[1], p[1]));
  const sumPowers = (p: Scalar[]) => add(pow(p[0], 2), pow(p[1], 2));

  it("||x||² has gradient 2x and Hessian 2I, including at 0", () => {
    for (const f of [sumSquares, sumPowers]) {
      expect(gradient(f, zero)).toEqual(expected["grad sum_sq at 0"]);
      expect(hessian(f, zero)).toEqual(expected["hess sum_sq at 0"]);
      expect(gradient(f, inputs.x_ones as number[])).toEqual(expected["grad sum_sq at [1,1]"]);
    }
  });

  it("(sqrt(sum x_i²))² at 0 has NaN gradient and Hessian", () => {
    // The handed case allows NaN or [0, 0]. Documented: NaN. The tangent of sum x_i² at 0 is
    // the computed zero 2 x_i = 0, and sqrt'(0) = Infinity times it is NaN. A rule that kept
    // that zero would also turn d/dx 1/(x x) at 0 into a wrong finite 0.
    const f = (p: Scalar[]) => pow(sqrt(sumSquares(p)), 2);
    expect(gradient(f, zero)).toEqual([Number.NaN, Number.NaN]);
    expect(hessian(f, zero)).toEqual([
      [Number.NaN, Number.NaN],
      [Number.NaN, Number.NaN],
    ]);
    expect(laplacian(f, zero)).toBeNaN();
  });

  it("Hessian of 0.5 ||x||² at 0 is the identity", () => {
    expect(hessian((p) => mul(0.5, sumSquares(p)), zero)).toEqual(expected["hess 0.5*norm^2 at 0"]);
  });

  it("d/dx sqrt(x²) at 0 is NaN in every kind", () => {
    // Documented: NaN, not the subgradient 0 of |x|, for the reason above.
    for (const got of Object.values(kinds((x) => sqrt(mul(x, x)), 0))) {
      expect(got[0]).toBe(0);
      for (const d of got.slice(1)) {
        expect(d).toBeNaN();
      }
    }
    expect(hessian((p) => sqrt(mul(p[0], p[0])), [0])).toEqual([[Number.NaN]]);
  });
});

describe("KINK-07 abs, relu and max conventions", () => {
  const { expected, inputs } = fixture("KINK-07");

  it("abs'(0) = relu'(0) = max(x, 0)'(0) = 0 in every kind", () => {
    const x = inputs.kink_x as number;
    for (const [name, f] of [
      ["abs'(0)", abs],
      ["relu'(0)", relu],
      ["max(x,0)'(0)", (t: Scalar) => max(t, 0)],
    ] as [string, (t: Scalar) => Scalar][]) {
      for (const got of Object.values(kinds(f, x))) {
        expect(got[1]).toBe(expected[name]);
      }
      for (const got of secondOrderKinds(f, x)) {
        expect(got[2]).toBe(0);
      }
    }
  });

  it("relu'' at -1, 0 and 1 is 0 in every kind", () => {
    const want = expected["relu''(-1,0,1)"] as number[];
    [-1, 0, 1].forEach((x, i) => {
      for (const got of secondOrderKinds(relu, x)) {
        expect(got[2]).toBe(want[i]);
      }
    });
  });

  it("relu network values and the u'' + u residual", () => {
    const net = expected.relu_net as Record<string, number>;
    const u = (x: Scalar) => sub(mul(2, relu(sub(x, 0.3))), relu(add(x, 0.1)));
    // 0.5 - 0.3 and 0.5 + 0.1 each round once, so u is within a few ulps of -0.2.
    for (const got of secondOrderKinds(u, 0.5)) {
      expectClose(got[0], net.u, ULPS);
      expect(got[1]).toBe(net.u1);
      expect(got[2]).toBe(net.u2);
      expectClose(got[2] + got[0], net["residual u''+u"], ULPS);
    }
  });
});

describe("LIN-08 second derivative of a linear map", () => {
  it("f = 2x has f''(1) = 0 and f = 0.3x has f'''(1) = 0", () => {
    expect(derivatives((x) => mul(2, x), 1, 2)[2]).toBe(0);
    expect(derivative((a) => derivative((b) => derivative((c) => mul(0.3, c), b), a), 1)).toBe(0);
    expect(derivatives((x) => mul(0.3, x), 1, 3)[3]).toBe(0);
  });

  it("f = y - a x has zero second partials", () => {
    const a = 0.3;
    const f = (p: Scalar[]) => sub(p[1], mul(a, p[0]));
    expect(hessian(f, [0.5, 1.0])).toEqual(fixture("LIN-08").expected["f3 second partials"]);
  });

  it("an affine network Linear(12 -> 1) has Laplacian 0", () => {
    const random = new Random(8);
    const w = Array.from({ length: 12 }, () => random.uniformIn(-1, 1));
    const bias = random.uniformIn(-1, 1);
    const net = (p: Scalar[]) => p.reduce<Scalar>((s, pi, i) => add(s, mul(w[i], pi)), bias);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 12, maxLength: 12 }),
        (x) => {
          expect(laplacian(net, x)).toBe(0);
        },
      ),
      { numRuns: 30 },
    );
  });
});

describe("ACT-09 tanh, sigmoid and exp second derivatives", () => {
  const { expected, inputs } = fixture("ACT-09");
  const xs = inputs.x as number[];

  it.each([
    ["tanh''", tanh],
    ["sigmoid''", sigmoid],
    ["exp''", exp],
  ] as [string, (x: Scalar) => Scalar][])("%s at 2 and 3 in every kind", (name, f) => {
    const want = expected[name] as number[];
    xs.forEach((x, i) => {
      for (const got of secondOrderKinds(f, x)) {
        expectClose(got[2], want[i], CASE_TOLERANCE);
      }
    });
  });

  it("network 0.7 tanh(1.3 x - 0.2) at 0.5", () => {
    const { a, w, b, x } = inputs.tanh_net as Record<string, number>;
    const net = expected.tanh_net as Record<string, number>;
    const u = (t: Scalar) => mul(a, tanh(add(mul(w, t), b)));
    expectAllKinds(u, x, [net.u, net.u1, net.u2], CASE_TOLERANCE);
  });
});

describe("SIN-13 sine at large arguments and high omega", () => {
  const { expected, inputs } = fixture("SIN-13");

  it("sin(30x) at 0.1: f to f''' agree across kinds and with the exact values", () => {
    const omega = inputs.omega as number;
    const x = inputs.siren_x as number;
    const f = (t: Scalar) => sin(mul(omega, t));
    const want = [expected.f, expected.f1, expected.f2, expected.f3] as number[];
    // 30 * 0.1 rounds to 3 + dz; the exact values are at z = 3, so f^(k) moves by
    // 30^k |sin^(k+1)(3)| |dz| on top of a few ulps of rounding.
    const dz = Math.abs(omega * x - 3);
    const sinDerivatives = [Math.cos(3), -Math.sin(3), -Math.cos(3), Math.sin(3)];
    const taylor = derivatives(f, x, 3).map(toNumber);
    for (let k = 0; k <= 3; k++) {
      const tolerance = ULPS * Math.abs(want[k]) + omega ** k * Math.abs(sinDerivatives[k]) * dz;
      expect(Math.abs(taylor[k] - want[k])).toBeLessThanOrEqual(tolerance);
    }

    // Kinds against each other: the same arithmetic in a different order, about 1e-15.
    for (const got of Object.values(kinds(f, x))) {
      for (let k = 0; k < got.length; k++) {
        expectClose(got[k], taylor[k], ULPS);
      }
    }
    const third = toNumber(derivative((a) => derivative((b) => derivative(f, b), a), x));
    expectClose(third, taylor[3], ULPS);
  });

  it("sin' at 1000, 1e6 and 1e8", () => {
    const xs = inputs.large_x as number[];
    const names = ["cos(1000)", "cos(1e6)", "cos(1e8)"];
    xs.forEach((x, i) => {
      const want = expected[names[i]] as number;
      for (const got of Object.values(kinds(sin, x))) {
        // One library cos call: within 1 ulp of the exact value.
        expectClose(got[1], want, EPS);
      }
      for (const got of secondOrderKinds(cos, x)) {
        expectClose(got[0], want, EPS);
        expectClose(got[2], -want, EPS);
      }
    });
  });

  it("sin(39800) value", () => {
    const x = inputs.x_39800 as number;
    for (const got of secondOrderKinds(sin, x)) {
      expectClose(got[0], expected["sin(39800)"] as number, EPS);
      expectClose(got[2], -(expected["sin(39800)"] as number), EPS);
    }
  });
});

describe("LAP-15 mixed partials leaking into the Laplacian", () => {
  const { expected, inputs } = fixture("LAP-15");

  it("Helmholtz residual is 0 and the Laplacian has no cross terms", () => {
    const [x, y] = inputs.point as number[];
    const k = inputs.k as number;
    const u = (p: Scalar[]) => mul(sin(mul(Math.PI, p[0])), sin(mul(Math.PI, p[1])));
    const uValue = toNumber(u([x, y]));
    const lap = toNumber(laplacian(u, [x, y]));
    const h = hessian(u, [x, y]).map((row) => row.map(toNumber));
    const q = (1 - 2 * Math.PI ** 2) * Math.sin(Math.PI * x) * Math.sin(Math.PI * y);
    const scale = Math.abs(lap) + k * k * Math.abs(uValue);

    expectClose(uValue, expected.u as number, CASE_TOLERANCE);
    expectClose(lap, expected.laplacian as number, CASE_TOLERANCE);
    expectClose(h[0][1], expected.u_xy as number, CASE_TOLERANCE);
    expectClose(lap + k * k * uValue - q, expected.residual as number, CASE_TOLERANCE, scale);
    // The buggy assembly adds 2 u_xy: far outside the tolerance.
    expect(Math.abs(lap - (expected.buggy_laplacian as number))).toBeGreaterThan(1);
  });

  it("Laplacian of sum sin(x_i) at x_i = i/10 is -sum sin(i/10)", () => {
    const x = inputs.sumsin_x as number[];
    const f = (p: Scalar[]) => p.reduce<Scalar>((s, pi) => add(s, sin(pi)), 0);
    expectClose(toNumber(laplacian(f, x)), expected.laplacian_sumsin_d10 as number, CASE_TOLERANCE);
  });

  it("Laplacian equals the Hessian trace for quadratics with cross terms", () => {
    // f(x) = x^T A x with a dense A: the Laplacian is 2 trace(A) and any leak of the
    // off-diagonal entries changes it.
    const entries = fc.double({ min: -3, max: 3, noNaN: true });
    const problem = fc.integer({ min: 1, max: 5 }).chain((n) =>
      fc.tuple(
        fc.array(fc.array(entries, { minLength: n, maxLength: n }), {
          minLength: n,
          maxLength: n,
        }),
        fc.array(entries, { minLength: n, maxLength: n }),
      ),
    );
    fc.assert(
      fc.property(problem, ([a, x]) => {
        const f = (p: Scalar[]) => {
          let s: Scalar = 0;
          for (let i = 0; i < p.length; i++) {
            for (let j = 0; j < p.length; j++) {
              s = add(s, mul(a[i][j], mul(p[i], p[j])));
            }
          }
          return s;
        };
        const trace = a.reduce((s, row, i) => s + 2 * row[i], 0);
        const size = a.reduce((s, row, i) => s + 2 * Math.abs(row[i]), 0);
        expectClose(toNumber(laplacian(f, x)), trace, 8 * EPS * a.length, size);
      }),
      { numRuns: 100 },
    );
  });
});

describe("HEAT-22 derivative order and input scaling", () => {
  const { expected, inputs } = fixture("HEAT-22");
  const pi2 = Math.PI * Math.PI;
  const u = (p: Scalar[]) => mul(sin(mul(Math.PI, p[0])), exp(mul(-pi2, p[1])));

  it("heat residual u_t - u_xx is 0 and using u_x instead is not", () => {
    const point = inputs.heat_point as number[];
    const g = gradient(u, point).map(toNumber);
    const h = hessian(u, point).map((row) => row.map(toNumber));
    expectClose(toNumber(u(point)), expected.u as number, CASE_TOLERANCE);
    expectClose(g[0], expected.u_x as number, CASE_TOLERANCE);
    expectClose(g[1], expected.u_t as number, CASE_TOLERANCE);
    expectClose(h[0][0], expected.u_xx as number, CASE_TOLERANCE);
    expectClose(h[0][1], expected.u_xt as number, CASE_TOLERANCE);
    expectClose(g[1] - h[0][0], expected.residual as number, CASE_TOLERANCE, Math.abs(g[1]));
    expectClose(g[1] - g[0], expected.residual_if_u_x_used as number, CASE_TOLERANCE);
  });

  it("sin(x) e^-t partials at (0.5, 0.25)", () => {
    const f = (p: Scalar[]) => mul(sin(p[0]), exp(mul(-1, p[1])));
    const h = hessian(f, inputs.sinexp_point as number[]).map((row) => row.map(toNumber));
    expectClose(h[0][1], expected.f_xt as number, CASE_TOLERANCE);
    expectClose(h[0][0], expected.f_xx as number, CASE_TOLERANCE);
    expectClose(h[1][1], expected.f_tt as number, CASE_TOLERANCE);
    expect(h[1][0]).toBe(h[0][1]);
  });

  it("input normalisation scales u_xx by 1/(ub - lb)²", () => {
    const { lb, ub } = inputs.normalisation as { lb: number; ub: number };
    const v = (xh: Scalar) => sin(mul(3, xh));
    const viaInput = (x: Scalar) => v(div(sub(x, lb), ub - lb));
    for (const x of [-0.7, 0.1, 0.9]) {
      const xh = (x - lb) / (ub - lb);
      const ratio = toNumber(derivatives(viaInput, x, 2)[2]) / toNumber(derivatives(v, xh, 2)[2]);
      expectClose(ratio, expected.second_derivative_scale_factor as number, ULPS);
    }
  });
});

function div(a: Scalar, b: number): Scalar {
  return mul(a, 1 / b);
}

it("fixture copy lists every case id used here", () => {
  const ids = [
    "PC-01",
    "POW-05",
    "NORM-06",
    "KINK-07",
    "LIN-08",
    "ACT-09",
    "SIN-13",
    "LAP-15",
    "HEAT-22",
  ];
  for (const id of ids) {
    expect(CASES.some((c) => c.id.startsWith(id))).toBe(true);
  }
  expect(newTag()).toBeGreaterThan(0);
  expect(new Taylor([1]).order).toBe(0);
});
