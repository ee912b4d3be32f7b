import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  add as addScalar,
  cos as cosScalar,
  Dual,
  div as divScalar,
  exp as expScalar,
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
import * as ops from "../src/tape/index.js";
import { Tape, type Tensor } from "../src/tape/index.js";

// The dot-product test: for a random direction v in parameter space, <∂L/∂θ, v> from one
// reverse pass equals the tangent of L computed forward with Dual parameters θ + v ε.
// Both sides sum the same chain-rule products in different orders; on these graphs (at most
// six ops, widths ≤ 6, values bounded by the squashing ops) each side carries a few hundred
// roundings relative to Σ_k |g_k v_k|, so 1e-12 of that (about 4500 ulps) bounds their gap.
const DOT_TOLERANCE = 1e-12;

// A sum that cancels in real arithmetic (the rows of h − mean(h) summed, say) gives a
// gradient of 0 on one side and a few hundred roundings of the largest intermediate value on
// the other, so the bound also allows 1e-12 times (1 + max |intermediate|).
const CANCELLATION_TOLERANCE = 1e-12;

// Central differences with steps H and H/2: their difference estimates the h² truncation
// term (it is 3/4 of the error at H); rounding adds about eps · |L| / (H/2) per quotient.
const H = 1e-3;

// ---------------------------------------------------------------------------------------
// A reference tensor of Scalars with the numpy semantics the tape claims, written without
// the tape's kernels so that it can serve as the oracle.

interface Ref {
  shape: number[];
  values: Scalar[];
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, n) => p * n, 1);
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let k = shape.length - 2; k >= 0; k--) strides[k] = strides[k + 1] * shape[k + 1];
  return strides;
}

/** Element of `t` that output multi-index `index` (of rank ≥ t's) reads under broadcasting. */
function broadcastRead(t: Ref, index: number[]): Scalar {
  const offset = index.length - t.shape.length;
  const strides = stridesOf(t.shape);
  let flat = 0;
  t.shape.forEach((n, k) => {
    flat += (n === 1 ? 0 : index[offset + k]) * strides[k];
  });
  return t.values[flat];
}

function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = flat % shape[k];
    flat = Math.floor(flat / shape[k]);
  }
  return index;
}

function refBinary(a: Ref, b: Ref, f: (x: Scalar, y: Scalar) => Scalar): Ref {
  const rank = Math.max(a.shape.length, b.shape.length);
  const shape = Array.from({ length: rank }, (_, k) => {
    const m = a.shape[k - (rank - a.shape.length)] ?? 1;
    const n = b.shape[k - (rank - b.shape.length)] ?? 1;
    return Math.max(m, n);
  });
  const values = Array.from({ length: sizeOf(shape) }, (_, flat) => {
    const index = unravel(flat, shape);
    return f(broadcastRead(a, index), broadcastRead(b, index));
  });
  return { shape, values };
}

function refUnary(a: Ref, f: (x: Scalar) => Scalar): Ref {
  return { shape: a.shape, values: a.values.map(f) };
}

function refMatmulTransposeB(a: Ref, b: Ref): Ref {
  const [n, k] = a.shape;
  const m = b.shape[0];
  const values: Scalar[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let total: Scalar = 0;
      for (let p = 0; p < k; p++)
        total = addScalar(total, mulScalar(a.values[i * k + p], b.values[j * k + p]));
      values.push(total);
    }
  }
  return { shape: [n, m], values };
}

function refMatmul(a: Ref, b: Ref): Ref {
  const [n, k] = a.shape;
  const m = b.shape[1];
  const values: Scalar[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let total: Scalar = 0;
      for (let p = 0; p < k; p++)
        total = addScalar(total, mulScalar(a.values[i * k + p], b.values[p * m + j]));
      values.push(total);
    }
  }
  return { shape: [n, m], values };
}

/** Sum over `axis` of a 2-D reference tensor, or over everything. */
function refSum(a: Ref, axis?: number): Ref {
  if (axis === undefined)
    return { shape: [], values: [a.values.reduce((s, x) => addScalar(s, x), 0)] };
  const [n, m] = a.shape;
  const values: Scalar[] = [];
  if (axis === 0) {
    for (let j = 0; j < m; j++) {
      let total: Scalar = 0;
      for (let i = 0; i < n; i++) total = addScalar(total, a.values[i * m + j]);
      values.push(total);
    }
    return { shape: [m], values };
  }
  for (let i = 0; i < n; i++) {
    let total: Scalar = 0;
    for (let j = 0; j < m; j++) total = addScalar(total, a.values[i * m + j]);
    values.push(total);
  }
  return { shape: [n], values };
}

function refMean(a: Ref, axis?: number): Ref {
  const count = axis === undefined ? a.values.length : a.shape[axis];
  return refUnary(refSum(a, axis), (x) => divScalar(x, count));
}

function refConcatColumns(a: Ref, b: Ref): Ref {
  const [n, m] = a.shape;
  const l = b.shape[1];
  const values: Scalar[] = [];
  for (let i = 0; i < n; i++) {
    values.push(...a.values.slice(i * m, i * m + m), ...b.values.slice(i * l, i * l + l));
  }
  return { shape: [n, m + l], values };
}

// ---------------------------------------------------------------------------------------
// Random graphs: a plan of steps drawn once, then run on the tape and on the reference.

type Step =
  | { kind: "affine"; W: Float64Array; b: Float64Array; out: number }
  | { kind: "matmul"; M: Float64Array; out: number }
  | { kind: "unary"; fn: UnaryName }
  | { kind: "scale"; factor: number }
  | { kind: "mulRow"; p: Float64Array }
  | { kind: "divRow"; p: Float64Array }
  | { kind: "subColumn"; p: Float64Array }
  | { kind: "sumColumns" }
  | { kind: "centerRows" }
  | { kind: "concatColumns" }
  | { kind: "concatRows" }
  | { kind: "sliceRows"; start: number; end: number }
  | { kind: "gatherRows"; rows: number[] }
  | { kind: "where"; mask: Float64Array };

type UnaryName =
  | "sin"
  | "cos"
  | "tanh"
  | "square"
  | "neg"
  | "expTanh"
  | "logSquare"
  | "sqrtSquare"
  | "relu";
const UNARY_NAMES: UnaryName[] = [
  "sin",
  "cos",
  "tanh",
  "square",
  "neg",
  "expTanh",
  "logSquare",
  "sqrtSquare",
  "relu",
];

interface Plan {
  input: Float64Array;
  inputShape: [number, number];
  steps: Step[];
  loss: 0 | 1 | 2;
}

function uniform(rng: Random, n: number, low = -1, high = 1): Float64Array {
  return Float64Array.from({ length: n }, () => rng.uniformIn(low, high));
}

function randomPlan(seed: number): Plan {
  const rng = new Random(seed);
  let rows = 1 + rng.integer(3);
  let width = 1 + rng.integer(3);
  const plan: Plan = {
    input: uniform(rng, rows * width),
    inputShape: [rows, width],
    steps: [],
    loss: 0,
  };

  // Every graph starts with a parameter, so that the loss depends on one.
  const first = 1 + rng.integer(3);
  plan.steps.push({
    kind: "affine",
    W: uniform(rng, first * width),
    b: uniform(rng, first),
    out: first,
  });
  width = first;

  const count = 1 + rng.integer(5);
  for (let s = 0; s < count; s++) {
    const kinds: Step["kind"][] = [
      "affine",
      "matmul",
      "unary",
      "unary",
      "scale",
      "mulRow",
      "divRow",
      "subColumn",
      "sumColumns",
      "centerRows",
      "where",
      "gatherRows",
    ];
    if (width <= 3) kinds.push("concatColumns");
    if (rows <= 3) kinds.push("concatRows");
    if (rows >= 2) kinds.push("sliceRows");
    const kind = kinds[rng.integer(kinds.length)];

    switch (kind) {
      case "affine": {
        const out = 1 + rng.integer(4);
        plan.steps.push({ kind, W: uniform(rng, out * width), b: uniform(rng, out), out });
        width = out;
        break;
      }
      case "matmul": {
        const out = 1 + rng.integer(4);
        plan.steps.push({ kind, M: uniform(rng, width * out), out });
        width = out;
        break;
      }
      case "unary":
        plan.steps.push({ kind, fn: UNARY_NAMES[rng.integer(UNARY_NAMES.length)] });
        break;
      case "scale":
        plan.steps.push({ kind, factor: rng.uniformIn(-2, 2) });
        break;
      case "mulRow":
        plan.steps.push({ kind, p: uniform(rng, width) });
        break;
      case "divRow":
        plan.steps.push({ kind, p: uniform(rng, width) });
        break;
      case "subColumn":
        plan.steps.push({ kind, p: uniform(rng, rows) });
        break;
      case "sumColumns":
        plan.steps.push({ kind });
        width = 1;
        break;
      case "centerRows":
        plan.steps.push({ kind });
        break;
      case "concatColumns":
        plan.steps.push({ kind });
        width *= 2;
        break;
      case "concatRows":
        plan.steps.push({ kind });
        rows *= 2;
        break;
      case "sliceRows": {
        const start = rng.integer(rows - 1);
        const end = start + 1 + rng.integer(rows - start);
        plan.steps.push({ kind, start, end });
        rows = end - start;
        break;
      }
      case "gatherRows": {
        const picked = 1 + rng.integer(4);
        const list = Array.from({ length: picked }, () => rng.integer(rows));
        plan.steps.push({ kind, rows: list });
        rows = picked;
        break;
      }
      case "where":
        plan.steps.push({
          kind,
          mask: Float64Array.from({ length: rows * width }, () => rng.integer(2)),
        });
        break;
    }
  }
  plan.loss = rng.integer(3) as 0 | 1 | 2;
  return plan;
}

/** Returns the parameter buffers of a plan, in step order. */
function planParams(plan: Plan): Float64Array[] {
  const params: Float64Array[] = [];
  for (const step of plan.steps) {
    if (step.kind === "affine") params.push(step.W, step.b);
    if (step.kind === "matmul") params.push(step.M);
    if (step.kind === "mulRow" || step.kind === "divRow" || step.kind === "subColumn")
      params.push(step.p);
  }
  return params;
}

/** Runs the plan on the tape and returns L and its gradient, one array per parameter. */
function runTape(plan: Plan): { loss: number; grads: Float64Array[]; largest: number } {
  const tape = new Tape();
  let h = tape.constant(plan.input, plan.inputShape);
  let largest = 0;
  let count = 0;
  const param = (data: Float64Array, shape: number[]): Tensor =>
    tape.param(`p${count++}`, data, shape);

  for (const step of plan.steps) {
    const [rows, width] = h.shape;
    switch (step.kind) {
      case "affine":
        h = ops.add(
          ops.matmulTransposeB(h, param(step.W, [step.out, width])),
          param(step.b, [step.out]),
        );
        break;
      case "matmul":
        h = ops.matmul(h, param(step.M, [width, step.out]));
        break;
      case "unary":
        h = tapeUnary(step.fn, h);
        break;
      case "scale":
        h = ops.scale(h, step.factor);
        break;
      case "mulRow":
        h = ops.mul(h, param(step.p, [width]));
        break;
      case "divRow":
        h = ops.div(h, ops.add(ops.square(param(step.p, [1, width])), 1));
        break;
      case "subColumn":
        h = ops.sub(param(step.p, [rows, 1]), h);
        break;
      case "sumColumns":
        h = ops.reshape(ops.sum(h, 1), [rows, 1]);
        break;
      case "centerRows":
        h = ops.sub(h, ops.mean(h, 0));
        break;
      case "concatColumns":
        h = ops.concat([h, ops.sin(h)], 1);
        break;
      case "concatRows":
        h = ops.concat([h, ops.square(h)], 0);
        break;
      case "sliceRows":
        h = ops.slice(h, step.start, step.end);
        break;
      case "gatherRows":
        h = ops.gather(h, step.rows);
        break;
      case "where":
        h = ops.where(tape.constant(step.mask, [rows, width]), ops.sin(h), ops.square(h));
        break;
    }
    for (const x of h.data) largest = Math.max(largest, Math.abs(x));
  }

  const loss = [ops.mean(ops.square(h)), ops.sum(h), ops.sum(ops.mean(h, 0))][plan.loss];
  const grads = tape.backward(loss);
  return {
    loss: loss.item(),
    grads: Array.from({ length: count }, (_, k) => grads.get(`p${k}`) as Float64Array),
    largest,
  };
}

function tapeUnary(fn: UnaryName, h: Tensor): Tensor {
  switch (fn) {
    case "sin":
      return ops.sin(h);
    case "cos":
      return ops.cos(h);
    case "tanh":
      return ops.tanh(h);
    case "square":
      return ops.square(h);
    case "neg":
      return ops.neg(h);
    case "expTanh":
      return ops.exp(ops.tanh(h));
    case "logSquare":
      return ops.log(ops.add(ops.square(h), 1));
    case "sqrtSquare":
      return ops.sqrt(ops.add(ops.square(h), 1));
    case "relu":
      return ops.relu(h);
  }
}

function scalarUnary(fn: UnaryName, x: Scalar): Scalar {
  const squarePlusOne = (y: Scalar) => addScalar(mulScalar(y, y), 1);
  switch (fn) {
    case "sin":
      return sinScalar(x);
    case "cos":
      return cosScalar(x);
    case "tanh":
      return tanhScalar(x);
    case "square":
      return mulScalar(x, x);
    case "neg":
      return negScalar(x);
    case "expTanh":
      return expScalar(tanhScalar(x));
    case "logSquare":
      return logScalar(squarePlusOne(x));
    case "sqrtSquare":
      return sqrtScalar(squarePlusOne(x));
    case "relu":
      return reluScalar(x);
  }
}

/** Runs the plan on Scalars; `lift` turns parameter k's data into Scalars (numbers or Duals). */
function runReference(plan: Plan, lift: (data: Float64Array, k: number) => Scalar[]): Scalar {
  let h: Ref = { shape: [...plan.inputShape], values: Array.from(plan.input) };
  let count = 0;
  const param = (data: Float64Array, shape: number[]): Ref => ({
    shape,
    values: lift(data, count++),
  });

  for (const step of plan.steps) {
    const [rows, width] = h.shape;
    switch (step.kind) {
      case "affine":
        h = refBinary(
          refMatmulTransposeB(h, param(step.W, [step.out, width])),
          param(step.b, [step.out]),
          addScalar,
        );
        break;
      case "matmul":
        h = refMatmul(h, param(step.M, [width, step.out]));
        break;
      case "unary":
        h = refUnary(h, (x) => scalarUnary(step.fn, x));
        break;
      case "scale":
        h = refUnary(h, (x) => mulScalar(step.factor, x));
        break;
      case "mulRow":
        h = refBinary(h, param(step.p, [width]), mulScalar);
        break;
      case "divRow": {
        const p = refUnary(param(step.p, [1, width]), (x) => addScalar(mulScalar(x, x), 1));
        h = refBinary(h, p, divScalar);
        break;
      }
      case "subColumn":
        h = refBinary(param(step.p, [rows, 1]), h, subScalar);
        break;
      case "sumColumns":
        h = { shape: [rows, 1], values: refSum(h, 1).values };
        break;
      case "centerRows":
        h = refBinary(h, refMean(h, 0), subScalar);
        break;
      case "concatColumns":
        h = refConcatColumns(h, refUnary(h, sinScalar));
        break;
      case "concatRows":
        h = {
          shape: [2 * rows, width],
          values: [...h.values, ...h.values.map((x) => mulScalar(x, x))],
        };
        break;
      case "sliceRows":
        h = {
          shape: [step.end - step.start, width],
          values: h.values.slice(step.start * width, step.end * width),
        };
        break;
      case "gatherRows": {
        const source = h;
        const values = step.rows.flatMap((r) => source.values.slice(r * width, r * width + width));
        h = { shape: [step.rows.length, width], values };
        break;
      }
      case "where": {
        const source = h;
        const values = source.values.map((x, i) =>
          step.mask[i] !== 0 ? sinScalar(x) : mulScalar(x, x),
        );
        h = { shape: h.shape, values };
        break;
      }
    }
  }

  const squared = refUnary(h, (x) => mulScalar(x, x));
  const losses = [
    () => refMean(squared).values[0],
    () => refSum(h).values[0],
    () => refSum(refMean(h, 0)).values[0],
  ];
  return losses[plan.loss]();
}

describe("dot-product test on random graphs", () => {
  it("<∂L/∂θ, v> from the tape equals the Dual tangent of L", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const plan = randomPlan(seed);
        const rng = new Random(seed ^ 0x5bd1e995);
        const directions = planParams(plan).map((p) => uniform(rng, p.length));
        const { loss, grads, largest } = runTape(plan);

        const tag = newTag();
        const forward = runReference(plan, (data, k) =>
          Array.from(data, (value, i) => new Dual(value, directions[k][i], tag)),
        );
        const value = primal(forward);
        const tangent = forward instanceof Dual ? primal(forward.tangent) : 0;

        let dot = 0;
        let magnitude = 0;
        grads.forEach((g, k) => {
          g.forEach((gi, i) => {
            dot += gi * directions[k][i];
            magnitude += Math.abs(gi * directions[k][i]);
          });
        });

        expect(Math.abs(value - loss)).toBeLessThanOrEqual(DOT_TOLERANCE * (1 + Math.abs(loss)));
        const bound =
          DOT_TOLERANCE * (magnitude + Math.abs(tangent)) + CANCELLATION_TOLERANCE * (1 + largest);
        expect(Math.abs(dot - tangent)).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 300 },
    );
  });

  it("both agree with central differences along v", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const plan = randomPlan(seed);
        const rng = new Random(seed ^ 0x5bd1e995);
        const directions = planParams(plan).map((p) => uniform(rng, p.length));
        const { loss, grads } = runTape(plan);
        const dot = grads.reduce(
          (s, g, k) => s + g.reduce((t, gi, i) => t + gi * directions[k][i], 0),
          0,
        );

        const along = (t: number) =>
          primal(
            runReference(plan, (data, k) =>
              Array.from(data, (value, i) => value + t * directions[k][i]),
            ),
          );
        const central = (h: number) => (along(h) - along(-h)) / (2 * h);
        const coarse = central(H);
        const fine = central(H / 2);
        const truncation = Math.abs(coarse - fine);
        const rounding = (8 * Number.EPSILON * (1 + Math.abs(loss))) / (H / 2);

        expect(Math.abs(fine - dot)).toBeLessThanOrEqual(truncation + rounding);
      }),
      { numRuns: 200 },
    );
  });

  it("cancelling sum stays within rounding", () => {
    // Regression case: this plan's gradient cancels to rounding, which failed the bound
    // relative to Σ_k |g_k v_k| alone.
    const plan = randomPlan(18);
    const { grads, largest } = runTape(plan);
    const tag = newTag();
    const forward = runReference(plan, (data) =>
      Array.from(data, (value) => new Dual(value, 1, tag)),
    );
    const tangent = forward instanceof Dual ? primal(forward.tangent) : 0;
    const dot = grads.reduce((s, g) => s + g.reduce((t, gi) => t + gi, 0), 0);
    expect(Math.abs(dot - tangent)).toBeLessThanOrEqual(
      CANCELLATION_TOLERANCE * (1 + largest) + DOT_TOLERANCE,
    );
  });

  it("a graph whose reference differs is caught", () => {
    // The harness must be able to fail: flip one reference op and the tangent changes.
    const plan: Plan = {
      input: Float64Array.of(0.3, -0.7),
      inputShape: [2, 1],
      steps: [
        { kind: "affine", W: Float64Array.of(0.5), b: Float64Array.of(0.1), out: 1 },
        { kind: "unary", fn: "sin" },
      ],
      loss: 0,
    };
    const { grads } = runTape(plan);
    const tag = newTag();
    const flipped: Plan = { ...plan, steps: [plan.steps[0], { kind: "unary", fn: "cos" }] };
    const forward = runReference(flipped, (data) =>
      Array.from(data, (value) => new Dual(value, 1, tag)),
    ) as Dual;
    const dot = grads[0][0] + grads[1][0];
    expect(Math.abs(dot - primal(forward.tangent))).toBeGreaterThan(1e-3);
  });
});
