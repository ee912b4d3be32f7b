import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add as addScalar,
  cos as cosScalar,
  Dual,
  div as divScalar,
  exp as expScalar,
  HyperDual,
  log as logScalar,
  mul as mulScalar,
  neg as negScalar,
  newTag,
  primal,
  relu as reluScalar,
  type Scalar,
  sin as sinScalar,
  sqrt as sqrtScalar,
  sub as subScalar,
  tanh as tanhScalar,
} from "../src/dual/index.js";
import { Random } from "../src/siren/random.js";
import {
  add,
  cos,
  type JetSpec,
  jetAdd,
  jetAffine,
  jetColumn,
  jetCos,
  jetExp,
  jetLog,
  jetMul,
  jetNeg,
  jetReciprocal,
  jetRelu,
  jetScale,
  jetSin,
  jetSine,
  jetSqrt,
  jetSquare,
  jetSub,
  jetTanh,
  jetUnary,
  log,
  mean,
  mul,
  normalizeSpec,
  ShapeError,
  seedJet,
  sin,
  sqrt,
  square,
  sum,
  Tape,
  TapeJet,
  type Tensor,
} from "../src/tape/index.js";

// Closed form vs jet for sin(ω(s x + c)): both evaluate the same few products (ω z, ω cos,
// ω² sin, times s or s²) in nearly the same order. They differ by a few roundings of the
// result, so 8 ulps relative to the value's magnitude bound the gap.
const CLOSED_FORM_TOLERANCE = 8 * Number.EPSILON;

// Jet vs HyperDual: the same chain rule with the products taken in another order. Each
// partial goes through at most about 40 roundings, each relative to intermediate terms that
// stay below 100 in magnitude (|x| ≤ 1, weights and scales ≤ 2, ω ≤ 3, so ω² s² ≤ 36), so
// 40 · eps · 100 ≈ 1e-12 per unit of the result; 1e-11 leaves a factor of 10 of headroom.
const JET_TOLERANCE = 1e-11;

// <∂L/∂θ, v> from the tape vs the Dual tangent of L: the same sums in different orders over
// a three-layer network, whose partial sums stay within a factor of about 100 of
// Σ_k |g_k v_k|; 1e-12 relative to that scale is about 4500 ulps.
const DOT_TOLERANCE = 1e-12;

// Central differences of L along v with step H: the error is the h² term, estimated from
// the change between steps H and H/2 (which is 3/4 of the error at H), plus rounding
// eps · |L| / H per evaluation.
const H = 1e-3;

function close(actual: number, expected: number, tolerance: number, what: string): void {
  const bound = tolerance * (1 + Math.abs(expected));
  if (!(Math.abs(actual - expected) <= bound)) {
    throw new Error(`${what}: got ${actual}, expected ${expected} within ${bound}`);
  }
}

describe("jets of non-finite values", () => {
  it("jetLog at 0 gives -Infinity and infinite partials", () => {
    const tape = new Tape();
    const jet = jetLog(
      seedJet(tape, Float64Array.of(0), { dim: 1, first: [0], second: [[0, 0]], laplacian: false }),
    );
    expect(jet.value.data[0]).toBe(Number.NEGATIVE_INFINITY);
    expect(jet.partial(0).data[0]).toBe(Number.POSITIVE_INFINITY);
    expect(jet.secondPartial(0, 0).data[0]).toBe(Number.NEGATIVE_INFINITY);
  });

  it("jetSqrt at 0 gives an infinite slope", () => {
    const tape = new Tape();
    const jet = jetSqrt(
      seedJet(tape, Float64Array.of(0), { dim: 1, first: [0], second: [], laplacian: false }),
    );
    expect(jet.value.data[0]).toBe(0);
    expect(jet.partial(0).data[0]).toBe(Number.POSITIVE_INFINITY);
  });

  it("jetLog and jetSqrt below 0 are NaN in every part", () => {
    // Regression: jetLog at z = −3 gave the partial 1/z = −1/3 beside the value NaN.
    const spec: JetSpec = { dim: 1, first: [0], second: [[0, 0]], laplacian: true };
    for (const [name, rule] of [
      ["jetLog", jetLog],
      ["jetSqrt", jetSqrt],
    ] as const) {
      const jet = rule(seedJet(new Tape(), Float64Array.of(-3, 4), spec));
      expect(jet.value.data[0], name).toBeNaN();
      expect(jet.partial(0).data[0], name).toBeNaN();
      expect(jet.secondPartial(0, 0).data[0], name).toBeNaN();
      expect(jet.laplacian?.data[0], name).toBeNaN();
      expect(Number.isFinite(jet.partial(0).data[1]), name).toBe(true);
    }
  });

  it("log and sqrt vjps below 0 are NaN", () => {
    for (const [name, op] of [
      ["log", log],
      ["sqrt", sqrt],
    ] as const) {
      const tape = new Tape();
      const a = tape.param("a", Float64Array.of(-3), [1]);
      expect(tape.backward(sum(op(a))).get("a")?.[0], name).toBeNaN();
    }
  });

  it("NaN value gives NaN partials in every rule", () => {
    // The seed rejects NaN, so the NaN enters as a bias, as after an overflowing layer.
    const spec: JetSpec = { dim: 1, first: [0], second: [[0, 0]], laplacian: true };
    const tape = new Tape();
    const seed = seedJet(tape, Float64Array.of(1), spec);
    const shifted = jetAdd(seed, tape.constant(Float64Array.of(Number.NaN), [1, 1]));
    for (const [name, rule] of [
      ["jetRelu", jetRelu],
      ["jetTanh", jetTanh],
      ["jetExp", jetExp],
      ["jetSquare", jetSquare],
    ] as const) {
      const jet = rule(shifted);
      expect(jet.partial(0).data[0], name).toBeNaN();
      expect(jet.secondPartial(0, 0).data[0], name).toBeNaN();
      expect(jet.laplacian?.data[0], name).toBeNaN();
    }
  });

  it("jetRelu at 0 has zero derivatives", () => {
    const tape = new Tape();
    const spec: JetSpec = { dim: 1, first: [0], second: [[0, 0]], laplacian: true };
    const jet = jetRelu(seedJet(tape, Float64Array.of(0, 1, -1), spec));
    expect(Array.from(jet.partial(0).data)).toEqual([0, 1, 0]);
    expect(Array.from(jet.secondPartial(0, 0).data)).toEqual([0, 0, 0]);
    expect(Array.from((jet.laplacian as { data: Float64Array }).data)).toEqual([0, 0, 0]);
  });
});

describe("jet spec", () => {
  it("normalizeSpec adds the first partials second partials need", () => {
    const closed = normalizeSpec({ dim: 3, first: [2], second: [[1, 0]], laplacian: false });
    expect(closed.first).toEqual([0, 1, 2]);
    expect(closed.second).toEqual([[0, 1]]);
  });

  it("a Laplacian needs every first partial", () => {
    const closed = normalizeSpec({ dim: 2, first: [], second: [], laplacian: true });
    expect(closed.first).toEqual([0, 1]);
  });

  it("the jet carries only what the spec asks for", () => {
    const tape = new Tape();
    const spec: JetSpec = { dim: 3, first: [], second: [[2, 1]], laplacian: false };
    const jet = jetSine(seedJet(tape, new Float64Array(6), spec), 2);
    expect([...jet.first.keys()]).toEqual([1, 2]);
    expect([...jet.second.keys()]).toEqual(["1,2"]);
    expect(jet.laplacian).toBeNull();
    expect(jet.secondPartial(2, 1)).toBe(jet.second.get("1,2"));
    expect(() => jet.partial(0)).toThrow(/direction 0 is not carried/);
    expect(() => jet.secondPartial(0, 0)).toThrow(/add \[0, 0\] to spec.second/);
  });

  it("seedJet rejects points that do not fit the dimension", () => {
    const tape = new Tape();
    const spec: JetSpec = { dim: 2, first: [0], second: [], laplacian: false };
    expect(() => seedJet(tape, new Float64Array(3), spec)).toThrow(
      /not a multiple of the input dimension 2/,
    );
    expect(() => seedJet(tape, new Float64Array(4), spec, [1])).toThrow(/scale has length 1/);
  });

  it("seedJet rejects empty or non-finite points", () => {
    const tape = new Tape();
    const spec: JetSpec = { dim: 2, first: [0], second: [], laplacian: false };
    expect(() => seedJet(tape, new Float64Array(0), spec)).toThrow(
      /^seedJet: points is empty; pass at least one point of 2 coordinates/,
    );
    expect(() => seedJet(tape, Float64Array.of(0, 1, Number.POSITIVE_INFINITY, 2), spec)).toThrow(
      /^seedJet: point 1 has coordinate 0 = Infinity, expected a finite number/,
    );
    expect(() => seedJet(tape, Float64Array.of(Number.NaN, 1), spec)).toThrow(RangeError);
  });

  it("constant operand must not widen jet", () => {
    const tape = new Tape();
    const a = seedJet(tape, new Float64Array(2), {
      dim: 1,
      first: [0],
      second: [],
      laplacian: false,
    });
    const wide = tape.constant(new Float64Array(6), [2, 3]);
    expect(() => jetAdd(a, wide)).toThrow(
      /jetAdd: the constant operand turns the jet's value \[2, 1\] into \[2, 3\]/,
    );
    expect(() => jetMul(wide, a)).toThrow(ShapeError);
  });

  it("combining jets of two specs is an error", () => {
    const tape = new Tape();
    const a = seedJet(tape, new Float64Array(2), {
      dim: 1,
      first: [0],
      second: [],
      laplacian: false,
    });
    const b = seedJet(tape, new Float64Array(2), {
      dim: 2,
      first: [0],
      second: [],
      laplacian: false,
    });
    expect(() => jetMul(a, b)).toThrow(ShapeError);
    expect(() => jetAdd(a, b)).toThrow(/jetAdd: the two jets differ/);
  });
});

describe("jet rules against closed forms", () => {
  it("sin(ω(s x + c)) has ω s cos and -ω² s² sin", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (x, omega, s, c) => {
          const tape = new Tape();
          const spec: JetSpec = { dim: 1, first: [0], second: [[0, 0]], laplacian: true };
          const jet = jetSine(seedJet(tape, Float64Array.of(x), spec, [s], [c]), omega);
          const z = s * x + c;

          close(jet.value.data[0], Math.sin(omega * z), CLOSED_FORM_TOLERANCE, "value");
          close(
            jet.partial(0).data[0],
            omega * s * Math.cos(omega * z),
            CLOSED_FORM_TOLERANCE,
            "u_x",
          );
          const second = -omega * omega * s * s * Math.sin(omega * z);
          close(jet.secondPartial(0, 0).data[0], second, CLOSED_FORM_TOLERANCE, "u_xx");
          close(
            (jet.laplacian as { data: Float64Array }).data[0],
            second,
            CLOSED_FORM_TOLERANCE,
            "Δu",
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the input scale enters u_xx squared", () => {
    // u = sin(xhat) with xhat = 3x, so u_xx = -9 sin(3x).
    const tape = new Tape();
    const spec: JetSpec = { dim: 1, first: [], second: [[0, 0]], laplacian: false };
    const jet = jetSin(seedJet(tape, Float64Array.of(0.4), spec, [3]));
    close(jet.secondPartial(0, 0).data[0], -9 * Math.sin(1.2), CLOSED_FORM_TOLERANCE, "u_xx");
  });

  it("tanh, exp and square of x have their closed forms", () => {
    const tape = new Tape();
    const spec: JetSpec = { dim: 1, first: [], second: [[0, 0]], laplacian: false };
    const x = 0.7;
    const seed = seedJet(tape, Float64Array.of(x), spec);
    const t = Math.tanh(x);
    const cases: [TapeJet, number, number][] = [
      [jetTanh(seed), 1 - t * t, -2 * t * (1 - t * t)],
      [jetExp(seed), Math.exp(x), Math.exp(x)],
      [jetSquare(seed), 2 * x, 2],
      [jetCos(seed), -Math.sin(x), -Math.cos(x)],
      [jetLog(seed), 1 / x, -1 / (x * x)],
      [jetSqrt(seed), 0.5 / Math.sqrt(x), -0.25 / (x * Math.sqrt(x))],
      [jetReciprocal(seed), -1 / (x * x), 2 / (x * x * x)],
    ];
    cases.forEach(([jet, first, second], k) => {
      close(jet.partial(0).data[0], first, CLOSED_FORM_TOLERANCE, `case ${k} first`);
      close(jet.secondPartial(0, 0).data[0], second, CLOSED_FORM_TOLERANCE, `case ${k} second`);
    });
  });
});

// ---------------------------------------------------------------------------------------
// Jet rules against the scalar HyperDual reference, on expressions of two affine inputs.

interface ExpressionCase {
  jet: (u: TapeJet, v: TapeJet) => TapeJet;
  scalar: (u: Scalar, v: Scalar) => Scalar;
}

const one = (x: Scalar): Scalar => addScalar(mulScalar(x, x), 1);

const EXPRESSIONS: Record<string, ExpressionCase> = {
  sine: { jet: (u) => jetSine(u, 2.5), scalar: (u) => sinScalar(mulScalar(2.5, u)) },
  sin: { jet: (u) => jetSin(u), scalar: (u) => sinScalar(u) },
  cos: { jet: (u) => jetCos(u), scalar: (u) => cosScalar(u) },
  tanh: { jet: (u) => jetTanh(u), scalar: (u) => tanhScalar(u) },
  exp: { jet: (u) => jetExp(u), scalar: (u) => expScalar(u) },
  log: { jet: (u) => jetLog(jetAdd(jetSquare(u), 1)), scalar: (u) => logScalar(one(u)) },
  sqrt: {
    jet: (u) => jetSqrt(jetAdd(jetSquare(u), 1)),
    scalar: (u) => sqrtScalar(one(u)),
  },
  reciprocal: {
    jet: (u) => jetReciprocal(jetAdd(jetSquare(u), 1)),
    scalar: (u) => divScalar(1, one(u)),
  },
  relu: { jet: (u) => jetRelu(u), scalar: (u) => reluScalar(u) },
  mul: { jet: (u, v) => jetMul(u, v), scalar: (u, v) => mulScalar(u, v) },
  mulConstant: { jet: (u) => jetMul(2.5, u), scalar: (u) => mulScalar(2.5, u) },
  addSub: {
    jet: (u, v) => jetNeg(jetSub(jetAdd(u, v), jetScale(v, 0.3))),
    scalar: (u, v) => negScalar(subScalar(addScalar(u, v), mulScalar(0.3, v))),
  },
  shift: { jet: (u) => jetSub(1.5, jetAdd(u, 2)), scalar: (u) => subScalar(1.5, addScalar(u, 2)) },
  composite: {
    jet: (u, v) => jetExp(jetMul(jetSin(u), jetTanh(v))),
    scalar: (u, v) => expScalar(mulScalar(sinScalar(u), tanhScalar(v))),
  },
};

const SPEC_2D: JetSpec = {
  dim: 2,
  first: [],
  second: [
    [0, 0],
    [0, 1],
    [1, 1],
  ],
  laplacian: true,
};

interface AffineSetup {
  points: Float64Array;
  scale: number[];
  shift: number[];
  W: Float64Array;
  b: Float64Array;
}

function randomSetup(seed: number, count: number): AffineSetup {
  const rng = new Random(seed);
  const uniform = (n: number, low: number, high: number) =>
    Float64Array.from({ length: n }, () => rng.uniformIn(low, high));
  return {
    points: uniform(2 * count, -1, 1),
    scale: Array.from(uniform(2, 0.5, 2)),
    shift: Array.from(uniform(2, -0.5, 0.5)),
    W: uniform(4, -1, 1),
    b: uniform(2, -0.5, 0.5),
  };
}

/** Partials of f(u(x), v(x)) at one point by HyperDual: value, ∂0, ∂1, ∂00, ∂01, ∂11. */
function hyperDualPartials(c: ExpressionCase, setup: AffineSetup, p: number): number[] {
  const evaluate = (i: number, j: number): HyperDual => {
    // Both coordinates share one tag: e1 and e2 are the two directions of one perturbation.
    const tag = newTag();
    const xhat = [0, 1].map((k) => {
      const s = setup.scale[k];
      const value = s * setup.points[2 * p + k] + setup.shift[k];
      return new HyperDual(value, k === i ? s : 0, k === j ? s : 0, 0, tag);
    });
    const affine = (row: number): Scalar =>
      addScalar(
        addScalar(mulScalar(setup.W[2 * row], xhat[0]), mulScalar(setup.W[2 * row + 1], xhat[1])),
        setup.b[row],
      );
    return lift(c.scalar(affine(0), affine(1)));
  };
  const d00 = evaluate(0, 0);
  const d01 = evaluate(0, 1);
  const d11 = evaluate(1, 1);
  return [d01.a, d01.b, d01.c, d00.d, d01.d, d11.d].map((s) => primal(s));
}

/** Returns `s` as a HyperDual (a constant result has no e1 or e2 part). */
function lift(s: Scalar): HyperDual {
  return s instanceof HyperDual ? s : new HyperDual(s, 0, 0, 0);
}

function checkExpression(name: string, c: ExpressionCase, seed: number): void {
  const setup = randomSetup(seed, 3);
  const tape = new Tape();
  const seedJetValue = seedJet(tape, setup.points, SPEC_2D, setup.scale, setup.shift);
  const z = jetAffine(
    seedJetValue,
    tape.param("W", setup.W, [2, 2]),
    tape.param("b", setup.b, [2]),
  );
  const jet = c.jet(jetColumn(z, 0), jetColumn(z, 1));

  for (let p = 0; p < 3; p++) {
    const [value, d0, d1, d00, d01, d11] = hyperDualPartials(c, setup, p);
    const what = `${name} (seed ${seed}, point ${p})`;
    close(jet.value.data[p], value, JET_TOLERANCE, `${what} value`);
    close(jet.partial(0).data[p], d0, JET_TOLERANCE, `${what} ∂0`);
    close(jet.partial(1).data[p], d1, JET_TOLERANCE, `${what} ∂1`);
    close(jet.secondPartial(0, 0).data[p], d00, JET_TOLERANCE, `${what} ∂00`);
    close(jet.secondPartial(0, 1).data[p], d01, JET_TOLERANCE, `${what} ∂01`);
    close(jet.secondPartial(1, 1).data[p], d11, JET_TOLERANCE, `${what} ∂11`);
    close((jet.laplacian as { data: Float64Array }).data[p], d00 + d11, JET_TOLERANCE, `${what} Δ`);
  }
}

describe("jet rules against HyperDual", () => {
  for (const [name, c] of Object.entries(EXPRESSIONS)) {
    it(`${name} matches every partial`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
          checkExpression(name, c, seed);
        }),
        { numRuns: 40 },
      );
    });
  }

  it("a wrong rule is caught", () => {
    // sin with the sign of f'' flipped changes only the second partials.
    const flipped: ExpressionCase = {
      jet: (u) => jetUnary(u, sin(u.value), cos(u.value), sin(u.value)),
      scalar: (u) => sinScalar(u),
    };
    expect(() => checkExpression("flipped", flipped, 3)).toThrow(/∂00/);
  });
});

// ---------------------------------------------------------------------------------------
// Parameter gradients of a loss with u'' + u, through generic jets, against forward mode.

interface SineNetwork {
  /** Flat parameters in the order W0, b0, W1, b1, ... */
  theta: Float64Array;
  layers: { out: number; in: number; omega: number; wOffset: number; bOffset: number }[];
  points: Float64Array;
  scale: number;
  shift: number;
}

function randomSineNetwork(seed: number): SineNetwork {
  const rng = new Random(seed);
  const hidden = 2 + rng.integer(4);
  const widths = [1, hidden, hidden, 1];
  const omega0 = rng.uniformIn(1, 3);
  let offset = 0;
  const layers = widths.slice(1).map((out, k) => {
    const inWidth = widths[k];
    const layer = {
      out,
      in: inWidth,
      omega: k === 0 ? omega0 : 1,
      wOffset: offset,
      bOffset: offset + out * inWidth,
    };
    offset += out * inWidth + out;
    return layer;
  });
  const theta = Float64Array.from({ length: offset }, () => rng.uniformIn(-1, 1));
  const points = Float64Array.from({ length: 1 + rng.integer(5) }, () => rng.uniformIn(-1, 1));
  return { theta, layers, points, scale: rng.uniformIn(0.5, 2), shift: rng.uniformIn(-0.5, 0.5) };
}

/** Tape gradient of L = mean((u'' + u)²) over the points, through generic jets. */
function tapeGradient(net: SineNetwork): { loss: number; gradient: Float64Array } {
  const tape = new Tape();
  const spec: JetSpec = { dim: 1, first: [], second: [[0, 0]], laplacian: false };
  let jet = seedJet(tape, net.points, spec, [net.scale], [net.shift]);
  net.layers.forEach((layer, k) => {
    const W = tape.param(`W${k}`, net.theta.subarray(layer.wOffset, layer.bOffset), [
      layer.out,
      layer.in,
    ]);
    const b = tape.param(`b${k}`, net.theta.subarray(layer.bOffset, layer.bOffset + layer.out), [
      layer.out,
    ]);
    jet = jetAffine(jet, W, b);
    if (k < net.layers.length - 1) jet = jetSine(jet, layer.omega);
  });
  const loss = mean(square(add(jet.secondPartial(0, 0), jet.value)));
  const grads = tape.backward(loss);

  const gradient = new Float64Array(net.theta.length);
  net.layers.forEach((layer, k) => {
    gradient.set(grads.get(`W${k}`) as Float64Array, layer.wOffset);
    gradient.set(grads.get(`b${k}`) as Float64Array, layer.bOffset);
  });
  return { loss: loss.item(), gradient };
}

/**
 * Computes L = mean((u'' + u)²) by forward mode. Each input is a HyperDual seeded with the
 * scale along both e1 and e2, so u'' is the e1e2 part. The parameters are the entries of
 * `theta`: numbers, or Duals along a direction in parameter space.
 */
function forwardLoss(net: SineNetwork, theta: Scalar[]): Scalar {
  let total: Scalar = 0;
  for (const x of net.points) {
    let activations: Scalar[] = [new HyperDual(net.scale * x + net.shift, net.scale, net.scale, 0)];
    net.layers.forEach((layer, k) => {
      const next: Scalar[] = [];
      for (let j = 0; j < layer.out; j++) {
        let z: Scalar = theta[layer.bOffset + j];
        for (let i = 0; i < layer.in; i++) {
          z = addScalar(z, mulScalar(theta[layer.wOffset + j * layer.in + i], activations[i]));
        }
        next.push(k < net.layers.length - 1 ? sinScalar(mulScalar(layer.omega, z)) : z);
      }
      activations = next;
    });
    const u = lift(activations[0]);
    const residual = addScalar(u.d, u.a);
    total = addScalar(total, mulScalar(residual, residual));
  }
  return divScalar(total, net.points.length);
}

describe("gradients of a loss with u'' + u", () => {
  it("tape through generic jets matches HyperDual inputs with Dual parameters", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const net = randomSineNetwork(seed);
        const rng = new Random(seed + 1);
        const direction = Float64Array.from(net.theta, () => rng.uniformIn(-1, 1));
        const { loss, gradient } = tapeGradient(net);

        // The parameter tag is made first, so the input HyperDuals nest Duals inside them.
        const tag = newTag();
        const theta = Array.from(net.theta, (t, k) => new Dual(t, direction[k], tag));
        const forward = forwardLoss(net, theta) as Dual;

        let dot = 0;
        let magnitude = 0;
        gradient.forEach((g, k) => {
          dot += g * direction[k];
          magnitude += Math.abs(g * direction[k]);
        });
        const bound = DOT_TOLERANCE * (magnitude + Math.abs(primal(forward.tangent)));
        expect(Math.abs(primal(forward.value) - loss)).toBeLessThanOrEqual(
          JET_TOLERANCE * (1 + loss),
        );
        expect(Math.abs(dot - primal(forward.tangent))).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 100 },
    );
  });

  it("both agree with central differences of the HyperDual loss", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const net = randomSineNetwork(seed);
        const rng = new Random(seed + 1);
        const direction = Float64Array.from(net.theta, () => rng.uniformIn(-1, 1));
        const { loss, gradient } = tapeGradient(net);
        const dot = gradient.reduce((s, g, k) => s + g * direction[k], 0);

        const along = (t: number) =>
          primal(
            forwardLoss(
              net,
              Array.from(net.theta, (v, k) => v + t * direction[k]),
            ),
          );
        const central = (h: number) => (along(h) - along(-h)) / (2 * h);
        const coarse = central(H);
        const fine = central(H / 2);
        const truncation = Math.abs(coarse - fine);
        const rounding = (4 * Number.EPSILON * (1 + Math.abs(loss))) / (H / 2);

        expect(Math.abs(fine - dot)).toBeLessThanOrEqual(truncation + rounding);
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------------------
// The hand-derived backward of the sine layer's jet (docs/tape-and-jets.md) against the
// tape, which differentiates the generic jet rule op by op.

// Both sides sum at most a dozen products of factors bounded by ω³ ≤ 27 and values ≤ 1, in
// different orders: 12 · 27 · eps ≈ 7e-14 relative to 1 + |expected|; 1e-12 gives headroom.
const SINE_BACKWARD_TOLERANCE = 1e-12;

/** Returns Σ_q weights[q] · t[q] on the tape. */
function mulSum(tape: Tape, weights: Float64Array, t: Tensor): Tensor {
  return sum(mul(tape.constant(weights, t.shape), t));
}

describe("sine layer jet backward", () => {
  it("matches the formulas for the cotangents of z, z_i, z_ij and Δz", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new Random(seed);
        const omega = rng.uniformIn(0.5, 3);
        const size = 4;
        const uniform = () => Float64Array.from({ length: size }, () => rng.uniformIn(-1, 1));
        const pairs: [number, number][] = [
          [0, 0],
          [0, 1],
          [1, 1],
        ];
        const spec: JetSpec = { dim: 2, first: [0, 1], second: pairs, laplacian: true };
        const z = {
          value: uniform(),
          first: [uniform(), uniform()],
          second: pairs.map(uniform),
          laplacian: uniform(),
        };
        const ct = {
          value: uniform(),
          first: [uniform(), uniform()],
          second: pairs.map(uniform),
          laplacian: uniform(),
        };

        // Tape: y = jetSine(z), L = <ct, y> over every coefficient.
        const tape = new Tape();
        const shape = [2, 2];
        const first = new Map([0, 1].map((i) => [i, tape.param(`z${i}`, z.first[i], shape)]));
        const second = new Map(
          pairs.map(([i, j], k) => [`${i},${j}`, tape.param(`z${i}${j}`, z.second[k], shape)]),
        );
        const jet = new TapeJet(
          spec,
          tape.param("z", z.value, shape),
          first,
          second,
          tape.param("lap", z.laplacian, shape),
        );
        const y = jetSine(jet, omega);
        const terms = [
          mulSum(tape, ct.value, y.value),
          mulSum(tape, ct.first[0], y.partial(0)),
          mulSum(tape, ct.first[1], y.partial(1)),
          ...pairs.map(([i, j], k) => mulSum(tape, ct.second[k], y.secondPartial(i, j))),
          mulSum(tape, ct.laplacian, y.laplacian as Tensor),
        ];
        const loss = terms.reduce((s, t) => add(s, t));
        const grads = tape.backward(loss);

        // Formulas, elementwise: s = sin(ωz), c = cos(ωz).
        for (let q = 0; q < size; q++) {
          const s = Math.sin(omega * z.value[q]);
          const c = Math.cos(omega * z.value[q]);
          const zi = [z.first[0][q], z.first[1][q]];
          const ctPair = (i: number, j: number) =>
            ct.second[pairs.findIndex(([a, b]) => a === i && b === j)][q];

          // z̄_ij = ω c ȳ_ij and Δz̄ = ω c Δȳ
          pairs.forEach(([i, j], k) => {
            close(
              grads.get(`z${i}${j}`)?.[q] as number,
              omega * c * ct.second[k][q],
              SINE_BACKWARD_TOLERANCE,
              "z_ij",
            );
          });
          close(
            grads.get("lap")?.[q] as number,
            omega * c * ct.laplacian[q],
            SINE_BACKWARD_TOLERANCE,
            "Δz",
          );

          // z̄_i = ω c ȳ_i − ω² s (2 ȳ_ii z_i + Σ_{j≠i} ȳ_ij z_j) − 2 ω² s Δȳ z_i
          for (const i of [0, 1]) {
            const other = 1 - i;
            const pairTerm =
              2 * ctPair(i, i) * zi[i] + ctPair(Math.min(i, other), Math.max(i, other)) * zi[other];
            const expected =
              omega * c * ct.first[i][q] -
              omega * omega * s * pairTerm -
              2 * omega * omega * s * ct.laplacian[q] * zi[i];
            close(grads.get(`z${i}`)?.[q] as number, expected, SINE_BACKWARD_TOLERANCE, `z_${i}`);
          }

          // z̄ = ω c ȳ − ω² s (Σ_i ȳ_i z_i + Σ_ij ȳ_ij z_ij + Δȳ Δz) − ω³ c (Σ_ij ȳ_ij z_i z_j + Δȳ Σ_i z_i²)
          let linear =
            ct.first[0][q] * zi[0] + ct.first[1][q] * zi[1] + ct.laplacian[q] * z.laplacian[q];
          let curvature = ct.laplacian[q] * (zi[0] * zi[0] + zi[1] * zi[1]);
          pairs.forEach(([i, j], k) => {
            linear += ct.second[k][q] * z.second[k][q];
            curvature += ct.second[k][q] * zi[i] * zi[j];
          });
          const expected =
            omega * c * ct.value[q] - omega * omega * s * linear - omega ** 3 * c * curvature;
          close(grads.get("z")?.[q] as number, expected, SINE_BACKWARD_TOLERANCE, "z");
        }
      }),
      { numRuns: 100 },
    );
  });
});
