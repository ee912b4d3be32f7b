// Hard constraints: the output transform u = offset(x) + factor(x) · N(x) applied to a network jet.

import { HyperDual, newTag, primal, type Scalar } from "../dual/index.js";
import type { Tape, Tensor } from "../tape/index.js";
import { add, mul, scale } from "../tape/index.js";
import type { JetSpec } from "../tape/jet.js";
import type { JetFields } from "./fields.js";
import type { HardConstraint } from "./problem.js";

/** Value and partials of a known function of x at every point, as [N, 1] columns. */
interface KnownJet {
  value: Float64Array;
  first: Map<number, Float64Array>;
  /** Key `${i},${j}` with i <= j; the diagonal entries are always present when spec.laplacian. */
  second: Map<string, Float64Array>;
}

/** Partials of offset and factor at the points whose copy is `points`. */
interface KnownEntry {
  points: Float64Array;
  constraint: HardConstraint;
  offset: KnownJet;
  factor: KnownJet;
}

// Keyed by buffer, but an entry is used only when its copy of the points equals the buffer's
// current content, so a caller who refills the buffer with new points gets fresh partials.
const knownCache = new WeakMap<Float64Array, Map<string, KnownEntry>>();

/**
 * Applies u = g + m·N to the network jet N by the product rule:
 *   u_i  = g_i + m_i N + m N_i,
 *   u_ij = g_ij + m_ij N + m_i N_j + m_j N_i + m N_ij,
 *   Δu   = Δg + Δm N + 2 Σ_i m_i N_i + m ΔN.
 * The partials of g and m come from hyper-dual evaluation, so they are exact. They depend on
 * the points only, so they are computed once per points buffer and content.
 */
export function applyHardConstraint(
  tape: Tape,
  network: JetFields,
  spec: JetSpec,
  points: Float64Array,
  constraint: HardConstraint,
): JetFields {
  const { offset, factor } = knownJets(points, spec, constraint);
  const count = network.value.shape[0];
  const column = (data: Float64Array): Tensor => tape.constant(data, [count, 1]);
  const firstOf = (i: number): Tensor => {
    const tensor = network.first.get(i);
    if (tensor === undefined) {
      throw new RangeError(
        `applyHardConstraint: internal error, the network jet lacks the first partial along direction ${i}`,
      );
    }
    return tensor;
  };

  const m = column(factor.value);
  const value = add(column(offset.value), mul(m, network.value));

  const first = new Map<number, Tensor>();
  for (const i of spec.first) {
    const mi = column(factor.first.get(i) as Float64Array);
    const gi = column(offset.first.get(i) as Float64Array);
    first.set(i, add(gi, add(mul(mi, network.value), mul(m, firstOf(i)))));
  }

  const second = new Map<string, Tensor>();
  for (const [i, j] of spec.second) {
    const key = `${i},${j}`;
    const nij = network.second.get(key) as Tensor;
    const gij = column(offset.second.get(key) as Float64Array);
    const mij = column(factor.second.get(key) as Float64Array);
    const mi = column(factor.first.get(i) as Float64Array);
    const mj = column(factor.first.get(j) as Float64Array);
    const cross = add(mul(mi, firstOf(j)), mul(mj, firstOf(i)));
    second.set(key, add(add(gij, mul(mij, network.value)), add(cross, mul(m, nij))));
  }

  let laplacian: Tensor | null = null;
  if (spec.laplacian && network.laplacian !== null) {
    const lapG = new Float64Array(count);
    const lapM = new Float64Array(count);
    let gradientTerm: Tensor | null = null;
    for (let i = 0; i < spec.dim; i++) {
      const key = `${i},${i}`;
      addInto(lapG, offset.second.get(key) as Float64Array);
      addInto(lapM, factor.second.get(key) as Float64Array);
      const term = mul(column(factor.first.get(i) as Float64Array), firstOf(i));
      gradientTerm = gradientTerm === null ? term : add(gradientTerm, term);
    }
    laplacian = add(
      add(column(lapG), mul(column(lapM), network.value)),
      add(scale(gradientTerm as Tensor, 2), mul(m, network.laplacian)),
    );
  }

  return { value, first, second, laplacian };
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let n = 0; n < target.length; n++) target[n] += source[n];
}

function knownJets(
  points: Float64Array,
  spec: JetSpec,
  constraint: HardConstraint,
): { offset: KnownJet; factor: KnownJet } {
  const key = `${spec.first.join(",")}|${spec.second.map((pair) => pair.join(",")).join(";")}|${spec.laplacian}`;
  let perSpec = knownCache.get(points);
  if (perSpec === undefined) {
    perSpec = new Map();
    knownCache.set(points, perSpec);
  }
  const cached = perSpec.get(key);
  if (
    cached !== undefined &&
    cached.constraint === constraint &&
    sameContent(cached.points, points)
  ) {
    return cached;
  }

  const offsetFunction = constraint.offset ?? (() => 0);
  const entry: KnownEntry = {
    points: Float64Array.from(points),
    constraint,
    offset: evaluateKnown(points, spec, offsetFunction),
    factor: evaluateKnown(points, spec, constraint.factor),
  };
  perSpec.set(key, entry);
  return entry;
}

/** True when both arrays hold the same bits: NaN equals NaN, −0 differs from +0. */
function sameContent(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let n = 0; n < a.length; n++) {
    if (a[n] !== b[n] && !(Number.isNaN(a[n]) && Number.isNaN(b[n]))) return false;
    if (a[n] === 0 && !Object.is(a[n], b[n])) return false;
  }
  return true;
}

/**
 * Evaluates f and its partials at every point. One hyper-dual evaluation with e1 along x_i
 * and e2 along x_j returns f, ∂f/∂x_i, ∂f/∂x_j and ∂²f/∂x_i∂x_j.
 */
function evaluateKnown(
  points: Float64Array,
  spec: JetSpec,
  f: (point: readonly Scalar[]) => Scalar,
): KnownJet {
  const dim = spec.dim;
  const count = points.length / dim;
  const pairs = new Map<string, [number, number]>();
  for (const [i, j] of spec.second) pairs.set(`${i},${j}`, [i, j]);
  if (spec.laplacian) for (let i = 0; i < dim; i++) pairs.set(`${i},${i}`, [i, i]);
  const directions = new Set(spec.first);
  if (spec.laplacian) for (let i = 0; i < dim; i++) directions.add(i);

  const known: KnownJet = { value: new Float64Array(count), first: new Map(), second: new Map() };
  for (const i of directions) known.first.set(i, new Float64Array(count));
  for (const key of pairs.keys()) known.second.set(key, new Float64Array(count));

  for (let n = 0; n < count; n++) {
    const x = Array.from(points.subarray(n * dim, (n + 1) * dim));
    known.value[n] = toNumber(f(x));
    // All coordinates of one evaluation share one tag, so they perturb the same variable pair.
    for (const i of directions) {
      const tag = newTag();
      const seeded = x.map((value, k) => new HyperDual(value, k === i ? 1 : 0, 0, 0, tag));
      (known.first.get(i) as Float64Array)[n] = part(f(seeded), "b");
    }
    for (const [key, [i, j]] of pairs) {
      const tag = newTag();
      const seeded = x.map(
        (value, k) => new HyperDual(value, k === i ? 1 : 0, k === j ? 1 : 0, 0, tag),
      );
      (known.second.get(key) as Float64Array)[n] = part(f(seeded), "d");
    }
  }
  return known;
}

function toNumber(value: Scalar): number {
  if (typeof value !== "number") {
    throw new TypeError(
      `applyHardConstraint: offset and factor must return a number for number inputs, received ${String(value)}`,
    );
  }
  return value;
}

function part(value: Scalar, field: "b" | "d"): number {
  // A function that ignores its inputs returns a plain number: its partials are zero.
  if (typeof value === "number") return 0;
  if (value instanceof HyperDual) return primal(value[field]);
  throw new TypeError(
    `applyHardConstraint: offset and factor must return a HyperDual for HyperDual inputs, received ${String(value)}; build them with the ops of siren-pinn/dual`,
  );
}
