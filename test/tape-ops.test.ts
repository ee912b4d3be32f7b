import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Random } from "../src/siren/random.js";
import {
  add,
  concat,
  cos,
  div,
  exp,
  gather,
  log,
  matmul,
  matmulTransposeB,
  mean,
  mul,
  NonFiniteError,
  neg,
  type OpName,
  relu,
  reshape,
  rules,
  ShapeError,
  scale,
  sin,
  slice,
  sqrt,
  square,
  sub,
  sum,
  Tape,
  TapeError,
  type Tensor,
  tanh,
  where,
} from "../src/tape/index.js";

// Central-difference step. The truncation error of (L(x+hv) − L(x−hv)) / 2h is at most
// h²/6 · max|L'''| and the rounding error about eps · (sum of |terms| in L) / h; h = 1e-4
// puts both far below the O(1) error of a wrong vjp.
const H = 1e-4;

// Rounding of one evaluation of L = Σ w_k out_k: each out_k is a sum of at most
// (number of input elements) products, each rounded, so the error is within
// 4 eps · Σ_k |w_k| (1 + |out_k|) · inputs, and a difference quotient divides it by h.
const ROUNDING_FACTOR = 4 * Number.EPSILON;

// Tape vs tape in the dot-product identity below: the same products summed in different
// orders, so the difference is a few ulps of the sum of their absolute values.
const REORDER_TOLERANCE = 64 * Number.EPSILON;

describe("non-finite values", () => {
  it("where keeps the unselected exp branch out of the gradient", () => {
    // f(a) = where(a <= 0, exp(a), 1 + a): at a = 1000, exp overflows to Infinity but is not
    // selected, so f' = 1 exactly.
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1000), []);
    const mask = tape.constant(a.data[0] <= 0 ? 1 : 0);
    const f = where(mask, exp(a), add(1, a));
    const grads = tape.backward(f);

    expect(f.item()).toBe(1001);
    expect(grads.get("a")?.[0]).toBe(1);
  });

  it("where selects exp below zero and gives its derivative", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(-2), []);
    const f = where(tape.constant(1), exp(a), add(1, a));
    const grads = tape.backward(f);

    expect(grads.get("a")?.[0]).toBe(Math.exp(-2));
  });

  it("where keeps an infinite product branch out of the gradient", () => {
    // Both factors of a · exp(a) are seen by mul's vjp; the zero cotangent must stay zero.
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(800, -1), [2]);
    const mask = tape.constant([0, 1]);
    const f = sum(where(mask, mul(a, exp(a)), square(a)));
    const grads = tape.backward(f);

    expect(grads.get("a")).toEqual(Float64Array.of(1600, Math.exp(-1) * (1 - 1)));
  });

  it("where keeps sqrt at 0 and log at 0 out of the gradient", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(0, 0), [2]);
    const mask = tape.constant([0, 0]);
    const f = sum(where(mask, add(sqrt(a), log(a)), scale(a, 3)));
    const grads = tape.backward(f);

    expect(grads.get("a")).toEqual(Float64Array.of(3, 3));
  });

  it("keeps matmul cotangents finite past an infinite unselected row", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1000, 1), [2, 1]);
    const w = tape.param("w", Float64Array.of(2), [1, 1]);
    const mask = tape.constant([0, 1], [2, 1]);
    const f = sum(where(mask, matmul(exp(a), w), a));
    const grads = tape.backward(f);

    expect(grads.get("a")).toEqual(Float64Array.of(1, 2 * Math.E));
    expect(grads.get("w")).toEqual(Float64Array.of(Math.E));
  });

  it("keeps matmulTransposeB cotangents finite past an infinite unselected row", () => {
    // The tiled kernels would compute 0 · Infinity; the vjp must switch to the skipping loop.
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1000, 0.5), [2, 1]);
    const w = tape.param("w", Float64Array.of(3, -1), [2, 1]);
    const mask = tape.constant([0, 0, 1, 1], [2, 2]);
    const product = matmulTransposeB(exp(a), exp(w));
    const f = sum(where(mask, product, 0));
    const grads = tape.backward(f);
    const e = Math.exp(0.5);

    expect(grads.get("a")).toEqual(Float64Array.of(0, e * (Math.exp(3) + Math.exp(-1))));
    expect(grads.get("w")).toEqual(Float64Array.of(e * Math.exp(3), e * Math.exp(-1)));
  });

  it("checkFinite names the first op that overflows", () => {
    const tape = new Tape({ checkFinite: true });
    const a = tape.param("a", Float64Array.of(1000), []);
    const doubled = scale(a, 2);

    expect(doubled.item()).toBe(2000);
    let caught: unknown = null;
    try {
      exp(doubled);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonFiniteError);
    const error = caught as NonFiniteError;
    expect(error.op).toBe("exp");
    expect(error.index).toBe(2);
    expect(error.phase).toBe("forward");
    expect(error.message).toMatch(/op exp \(op #2 on the tape\) produced Infinity/);
  });

  it("checkFinite names a NaN constant", () => {
    const tape = new Tape({ checkFinite: true });
    expect(() => tape.constant([1, Number.NaN])).toThrow(
      /op constant .* produced NaN at element 1/,
    );
  });

  it("checkFinite names the vjp that makes a NaN cotangent", () => {
    // sqrt'(0) = Infinity, and the cotangent 1 reaching it is not zero.
    const tape = new Tape({ checkFinite: true });
    const a = tape.param("a", Float64Array.of(0), []);
    const f = sqrt(a);

    let caught: unknown = null;
    try {
      tape.backward(f);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NonFiniteError);
    expect((caught as NonFiniteError).message).toMatch(/vjp of op sqrt \(op #1 on the tape\)/);
    expect((caught as NonFiniteError).index).toBe(1);
    expect((caught as NonFiniteError).phase).toBe("backward");
  });

  it("without checkFinite an overflow passes through", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1000), []);
    const f = exp(a);

    expect(f.item()).toBe(Number.POSITIVE_INFINITY);
    expect(tape.backward(f).get("a")?.[0]).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("tape misuse", () => {
  it("backward from a non-scalar names the shape", () => {
    const tape = new Tape();
    const a = tape.param("a", new Float64Array(6), [2, 3]);
    expect(() => tape.backward(sin(a))).toThrow(ShapeError);
    expect(() => tape.backward(sin(a))).toThrow(/loss must have size 1, received shape \[2, 3\]/);
  });

  it("backward twice is an error", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1), []);
    const f = sin(a);
    tape.backward(f);

    expect(() => tape.backward(f)).toThrow(TapeError);
    expect(() => tape.backward(f)).toThrow(/backward\(\) already ran/);
  });

  it("an op on a released tape is an error", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1), []);
    tape.release();

    expect(() => sin(a)).toThrow(/sin: this tape is released because release\(\) was called/);
    expect(() => tape.constant(1)).toThrow(TapeError);
  });

  it("release drops every node", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1, 2), [2]);
    sum(sin(a));
    expect(tape.nodeCount).toBe(3);

    tape.release();
    expect(tape.nodeCount).toBe(0);
    expect(tape.released).toBe(true);
  });

  it("backward releases the tape", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1, 2), [2]);
    tape.backward(sum(sin(a)));
    expect(tape.nodeCount).toBe(0);
  });

  it("mixing two tapes is an error", () => {
    const first = new Tape();
    const second = new Tape();
    const a = first.param("a", Float64Array.of(1), []);
    const b = second.param("b", Float64Array.of(2), []);

    expect(() => add(a, b)).toThrow(TapeError);
    expect(() => add(a, b)).toThrow(/argument 1 belongs to another tape/);
    expect(() => second.backward(a)).toThrow(/belongs to another tape/);
    expect(() =>
      second.custom(
        "f",
        [a],
        [],
        () => {},
        () => {},
      ),
    ).toThrow(/custom "f"/);
  });

  it("shape mismatches name the op and both shapes", () => {
    const tape = new Tape();
    const a = tape.constant(new Float64Array(6), [2, 3]);
    const b = tape.constant(new Float64Array(8), [2, 4]);

    expect(() => add(a, b)).toThrow(ShapeError);
    expect(() => add(a, b)).toThrow(/add: shapes \[2, 3\] and \[2, 4\] do not broadcast/);
    expect(() => matmul(a, b)).toThrow(/matmul: .*a \[2, 3\] and b \[2, 4\]/);
    expect(() => matmulTransposeB(a, b)).toThrow(/matmulTransposeB: .*a \[2, 3\] and b \[2, 4\]/);
    expect(() => concat([a, b], 0)).toThrow(/concat: shapes \[2, 3\] and \[2, 4\]/);
    expect(() => reshape(a, [4, 2])).toThrow(/reshape: cannot reshape \[2, 3\] .* to \[4, 2\]/);
    expect(() => where(a, b, 0)).toThrow(/where: a has shape \[2, 4\] but the mask has shape/);
  });

  it("index arguments are range checked", () => {
    const tape = new Tape();
    const a = tape.constant(new Float64Array(6), [3, 2]);

    expect(() => slice(a, 2, 4)).toThrow(/slice: expected integers 0 <= start <= end <= 3/);
    expect(() => gather(a, [0, 3])).toThrow(/gather: rows\[1\] must be an integer in \[0, 3\)/);
    expect(() => sum(a, 2)).toThrow(/sum: axis must be an integer in \[-2, 2\)/);
  });

  it("param names are unique per buffer", () => {
    const tape = new Tape();
    const data = new Float64Array(2);
    const a = tape.param("a", data, [2]);

    expect(tape.param("a", data, [2])).toBe(a);
    expect(() => tape.param("a", new Float64Array(2), [2])).toThrow(/already registered/);
    expect(() => tape.param("b", data, [3])).toThrow(/shape \[3\] needs 3 values, received 2/);
  });

  it("custom rejects an out buffer of the wrong size", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1, 2), [2]);
    const run = () =>
      tape.custom(
        "twice",
        [a],
        [2],
        () => {},
        () => {},
        { out: new Float64Array(3) },
      );
    expect(run).toThrow(/custom "twice": the out buffer has length 3, expected 2/);
  });

  it("a where mask that depends on a parameter is an error", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1), []);
    expect(() => where(a, 1, 2)).toThrow(/where: the mask depends on a parameter/);
  });
});

describe("gradients by name", () => {
  it("accumulates into caller buffers", () => {
    const buffer = Float64Array.of(10, 20);
    const into = new Map([["a", buffer]]);
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1, 2), [2]);
    tape.param("b", Float64Array.of(3), []);
    const grads = tape.backward(sum(mul(a, a)), { into });

    expect(grads.get("a")).toBe(buffer);
    expect(buffer).toEqual(Float64Array.of(12, 24));
    expect(grads.get("b")).toEqual(Float64Array.of(0));
  });

  it("rejects an into buffer of the wrong length", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1, 2), [2]);
    const into = new Map([["a", new Float64Array(3)]]);
    expect(() => tape.backward(sum(a), { into })).toThrow(/length 3 for parameter "a", expected 2/);
  });

  it("gives zeros when the loss is a constant", () => {
    const tape = new Tape();
    tape.param("a", Float64Array.of(1, 2), [2]);
    const grads = tape.backward(tape.constant(5));
    expect(grads.get("a")).toEqual(new Float64Array(2));
  });

  it("handles the loss being a parameter", () => {
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(4), []);
    expect(tape.backward(a).get("a")).toEqual(Float64Array.of(1));
  });

  it("does not keep nodes that no parameter reaches", () => {
    const tape = new Tape();
    const x = tape.constant(new Float64Array(4), [2, 2]);
    const a = tape.param("a", new Float64Array(2), [2]);
    const constantPart = sin(exp(x));
    add(constantPart, a);

    expect(constantPart.requiresGrad).toBe(false);
    expect(tape.nodeCount).toBe(2);
  });

  it("custom op with a preallocated out buffer", () => {
    // out = 3a, so the cotangent of a is 3 ct.
    const out = new Float64Array(2);
    const tape = new Tape();
    const a = tape.param("a", Float64Array.of(1, 2), [2]);
    const tripled = tape.custom(
      "triple",
      [a],
      [2],
      (target) => {
        for (let i = 0; i < 2; i++) target[i] = 3 * a.data[i];
      },
      (ct, [ctA]) => {
        if (ctA === null) return;
        for (let i = 0; i < 2; i++) ctA[i] += 3 * ct[i];
      },
      { out },
    );

    expect(tripled.data).toBe(out);
    expect(out).toEqual(Float64Array.of(3, 6));
    expect(tape.backward(sum(square(tripled))).get("a")).toEqual(Float64Array.of(18, 36));
  });
});

// ---------------------------------------------------------------------------------------
// Every op's vjp against central differences along a random direction.

interface InputSpec {
  shape: number[];
  low: number;
  high: number;
}

interface OpCase {
  inputs: InputSpec[];
  apply: (tensors: Tensor[]) => Tensor;
  /** Bound on |d³ out_k / dt³| along x + t v with |v_j| ≤ 1, on the inputs' domain. */
  third: number;
}

type CaseMaker = (rng: Random) => OpCase;

const UNIT: [number, number] = [-1, 1];
const POSITIVE: [number, number] = [0.5, 2];

function dims(rng: Random, rank: number): number[] {
  return Array.from({ length: rank }, () => 1 + rng.integer(3));
}

function input(shape: number[], [low, high]: [number, number] = UNIT): InputSpec {
  return { shape, low, high };
}

/** Returns a shape that broadcasts to `shape`: a suffix of it with some axes set to 1. */
function broadcastable(rng: Random, shape: number[]): number[] {
  const kept = shape.slice(rng.integer(shape.length + 1));
  return kept.map((n) => (rng.uniform() < 0.3 ? 1 : n));
}

function binaryCase(
  op: (a: Tensor, b: Tensor) => Tensor,
  third: number,
  bDomain = UNIT,
): CaseMaker {
  return (rng) => {
    const shape = dims(rng, rng.integer(4));
    const swap = rng.uniform() < 0.5;
    const a = swap ? broadcastable(rng, shape) : shape;
    const b = swap ? shape : broadcastable(rng, shape);
    return { inputs: [input(a), input(b, bDomain)], apply: ([x, y]) => op(x, y), third };
  };
}

function unaryCase(op: (a: Tensor) => Tensor, third: number, domain = UNIT): CaseMaker {
  return (rng) => ({
    inputs: [input(dims(rng, rng.integer(3)), domain)],
    apply: ([x]) => op(x),
    third,
  });
}

// Third-derivative bounds: sin, cos ≤ 1; tanh''' ≤ 2; exp on [-1, 1] ≤ e; log''' = 2/x³ ≤ 16
// and sqrt''' = (3/8) x^(-5/2) ≤ 2.2 on [0.5, 2]; a/b on b ∈ [0.5, 2], |a| ≤ 1 along a unit
// direction stays below 6 (1 + 2) / 0.5⁴ = 288; polynomial and linear ops of degree ≤ 2 have 0.
const CASES: { [K in Exclude<OpName, "custom">]: CaseMaker } = {
  matmul: (rng) => {
    const [n, k, m] = dims(rng, 3);
    return { inputs: [input([n, k]), input([k, m])], apply: ([a, b]) => matmul(a, b), third: 0 };
  },
  matmulTransposeB: (rng) => {
    const [n, k, m] = dims(rng, 3);
    return {
      inputs: [input([n, k]), input([m, k])],
      apply: ([a, b]) => matmulTransposeB(a, b),
      third: 0,
    };
  },
  add: binaryCase(add, 0),
  sub: binaryCase(sub, 0),
  mul: binaryCase(mul, 0),
  div: binaryCase(div, 300, POSITIVE),
  scale: (rng) => {
    const factor = rng.uniformIn(-3, 3);
    return { inputs: [input(dims(rng, 2))], apply: ([a]) => scale(a, factor), third: 0 };
  },
  neg: unaryCase(neg, 0),
  square: unaryCase(square, 0),
  sin: unaryCase(sin, 1),
  cos: unaryCase(cos, 1),
  tanh: unaryCase(tanh, 2),
  // Inputs |x| >= 0.05 with random signs stay farther from the kink than the step H reaches.
  relu: (rng) => {
    const shape = dims(rng, 2);
    const signs = Float64Array.from({ length: sizeOfShape(shape) }, () =>
      rng.uniform() < 0.5 ? -1 : 1,
    );
    return {
      inputs: [input(shape, [0.05, 1])],
      apply: ([a]) => relu(mul(a, a.tape.constant(signs, shape))),
      third: 0,
    };
  },
  exp: unaryCase(exp, Math.E),
  log: unaryCase(log, 16, POSITIVE),
  sqrt: unaryCase(sqrt, 2.2, POSITIVE),
  sum: (rng) => {
    const shape = dims(rng, 1 + rng.integer(3));
    const axis = rng.integer(shape.length + 1) - 1;
    return {
      inputs: [input(shape)],
      apply: ([a]) => sum(a, axis < 0 ? undefined : axis),
      third: 0,
    };
  },
  mean: (rng) => {
    const shape = dims(rng, 1 + rng.integer(3));
    const axis = rng.integer(shape.length) - shape.length;
    return { inputs: [input(shape)], apply: ([a]) => mean(a, axis), third: 0 };
  },
  concat: (rng) => {
    const shape = dims(rng, 1 + rng.integer(3));
    const axis = rng.integer(shape.length);
    const count = 1 + rng.integer(3);
    const shapes = Array.from({ length: count }, () =>
      shape.map((n, i) => (i === axis ? 1 + rng.integer(3) : n)),
    );
    return { inputs: shapes.map((s) => input(s)), apply: (ts) => concat(ts, axis), third: 0 };
  },
  slice: (rng) => {
    const shape = dims(rng, 1 + rng.integer(3));
    const start = rng.integer(shape[0] + 1);
    const end = start + rng.integer(shape[0] - start + 1);
    return { inputs: [input(shape)], apply: ([a]) => square(slice(a, start, end)), third: 0 };
  },
  gather: (rng) => {
    const shape = dims(rng, 1 + rng.integer(3));
    const rows = Array.from({ length: 1 + rng.integer(5) }, () => rng.integer(shape[0]));
    return { inputs: [input(shape)], apply: ([a]) => gather(a, rows), third: 0 };
  },
  reshape: (rng) => {
    const shape = dims(rng, 1 + rng.integer(3));
    const size = shape.reduce((p, n) => p * n, 1);
    return { inputs: [input(shape)], apply: ([a]) => square(reshape(a, [size, -1])), third: 0 };
  },
  where: (rng) => {
    const shape = dims(rng, rng.integer(3));
    const size = shape.reduce((p, n) => p * n, 1);
    const mask = Array.from({ length: size }, () => rng.integer(2));
    const aShape = rng.uniform() < 0.3 ? [] : shape;
    const bShape = rng.uniform() < 0.3 ? [1] : shape;
    return {
      inputs: [input(aShape), input(bShape)],
      apply: ([a, b]) => where(a.tape.constant(mask, shape), sin(a), square(b)),
      third: 1,
    };
  },
};

function randomArray(rng: Random, size: number, low: number, high: number): Float64Array {
  return Float64Array.from({ length: size }, () => rng.uniformIn(low, high));
}

/** Returns Σ_k w_k out_k with out = op(inputs) evaluated on a fresh tape of constants. */
function weightedOutput(c: OpCase, inputs: Float64Array[], weights: Float64Array): number {
  const tape = new Tape();
  const out = c.apply(inputs.map((data, i) => tape.constant(data, c.inputs[i].shape)));
  let total = 0;
  for (let k = 0; k < out.size; k++) total += weights[k] * out.data[k];
  return total;
}

function checkVjp(name: string, make: CaseMaker, seed: number): void {
  const rng = new Random(seed);
  const c = make(rng);
  const x = c.inputs.map((s) => randomArray(rng, sizeOfShape(s.shape), s.low, s.high));
  // x ± h v leaves the domain by at most h, which keeps log, sqrt and div inputs positive.
  const v = c.inputs.map((s) => randomArray(rng, sizeOfShape(s.shape), -1, 1));

  // Tape gradient of L = Σ w_k out_k.
  const tape = new Tape();
  const params = c.inputs.map((s, i) => tape.param(`x${i}`, x[i], s.shape));
  const out = c.apply(params);
  const weights = randomArray(rng, out.size, -1, 1);
  const loss = sum(mul(tape.constant(weights, out.shape), out));
  const outValues = Float64Array.from(out.data);
  const grads = tape.backward(loss);
  let directional = 0;
  c.inputs.forEach((_, i) => {
    const g = grads.get(`x${i}`) as Float64Array;
    for (let j = 0; j < g.length; j++) directional += g[j] * v[i][j];
  });

  // Central difference of the same L along v.
  const shifted = (t: number) => x.map((xi, i) => xi.map((value, j) => value + t * v[i][j]));
  const plus = weightedOutput(c, shifted(H), weights);
  const minus = weightedOutput(c, shifted(-H), weights);
  const central = (plus - minus) / (2 * H);

  const weightSum = weights.reduce((s, w) => s + Math.abs(w), 0);
  const inputCount = x.reduce((s, xi) => s + xi.length, 0);
  let magnitude = 0;
  for (let k = 0; k < outValues.length; k++) {
    magnitude += Math.abs(weights[k]) * (1 + Math.abs(outValues[k])) * inputCount;
  }
  const truncation = ((H * H) / 6) * c.third * weightSum;
  const rounding = (ROUNDING_FACTOR * magnitude) / H;
  const tolerance = truncation + rounding;

  if (!(Math.abs(directional - central) <= tolerance)) {
    throw new Error(
      `${name} (seed ${seed}): tape <g, v> = ${directional}, central difference = ${central}, ` +
        `tolerance ${tolerance}`,
    );
  }
}

function sizeOfShape(shape: number[]): number {
  return shape.reduce((p, n) => p * n, 1);
}

describe("vjp against central differences", () => {
  it("has a case for every op in the table", () => {
    const covered = new Set(Object.keys(CASES));
    const missing = Object.keys(rules).filter((op) => op !== "custom" && !covered.has(op));
    expect(missing).toEqual([]);
  });

  for (const [name, make] of Object.entries(CASES)) {
    it(`${name} matches along a random direction`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
          checkVjp(name, make, seed);
        }),
        { numRuns: 60 },
      );
    });
  }

  it("a wrong vjp is caught", () => {
    // The harness must be able to fail: sin with the vjp of cos (sign and function wrong).
    const wrong: CaseMaker = (rng) => ({
      inputs: [input(dims(rng, 2))],
      apply: ([a]) =>
        a.tape.custom(
          "sinWithWrongVjp",
          [a],
          a.shape,
          (out) => {
            for (let i = 0; i < out.length; i++) out[i] = Math.sin(a.data[i]);
          },
          (ct, [ctA]) => {
            if (ctA === null) return;
            for (let i = 0; i < ct.length; i++) ctA[i] -= Math.sin(a.data[i]) * ct[i];
          },
        ),
      third: 1,
    });
    expect(() => checkVjp("sinWithWrongVjp", wrong, 7)).toThrow(/central difference/);
  });
});

describe("vjp identity between ops", () => {
  it("matmulTransposeB(a, b) equals matmul(a, bᵀ) in value and gradient", () => {
    // Two kernels for the same product: <ct, J t> computed either way agrees to rounding.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const rng = new Random(seed);
        const [n, k, m] = dims(rng, 3);
        const a = randomArray(rng, n * k, -1, 1);
        const b = randomArray(rng, m * k, -1, 1);
        const bt = new Float64Array(k * m);
        for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) bt[j * m + i] = b[i * k + j];
        const weights = randomArray(rng, n * m, -1, 1);

        const run = (transposed: boolean) => {
          const tape = new Tape();
          const ta = tape.param("a", a, [n, k]);
          const product = transposed
            ? matmulTransposeB(ta, tape.constant(b, [m, k]))
            : matmul(ta, tape.constant(bt, [k, m]));
          const loss = sum(mul(tape.constant(weights, [n, m]), product));
          return { value: loss.item(), grad: tape.backward(loss).get("a") as Float64Array };
        };
        const one = run(true);
        const other = run(false);

        const bound = REORDER_TOLERANCE * (1 + k * m * n);
        expect(Math.abs(one.value - other.value)).toBeLessThanOrEqual(bound);
        one.grad.forEach((g, i) => {
          expect(Math.abs(g - other.grad[i])).toBeLessThanOrEqual(bound);
        });
      }),
      { numRuns: 100 },
    );
  });
});
