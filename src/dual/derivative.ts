// Derivative helpers: derivative, derivatives, gradient, hessian and laplacian by forward mode.

import { add } from "./arith.js";
import { Dual } from "./dual.js";
import { describeValue } from "./errors.js";
import { isScalar, nanLike, newTag, primal, type Scalar, tagOf } from "./scalar.js";
import { Taylor } from "./taylor.js";

/** A function of one Scalar, written with the generic functions of this module. */
export type UnivariateFunction = (x: Scalar) => Scalar;

/** A function of a point (an array of Scalars), written with the generic functions. */
export type MultivariateFunction = (point: Scalar[]) => Scalar;

// Every helper returns NaN for each derivative when f's value is NaN, because a function that
// is undefined at the point has no finite partial there.
//
// Each helper call takes a fresh tag, higher than the tag of any AD value it receives, so the
// seeds it makes are the innermost perturbation. The result keeps the lower-tag parts, which is
// how a helper called on an outer AD value returns an AD value of that outer perturbation.

/**
 * Returns f'(x) with one Dual evaluation. x must have a finite primal. When x (or a value f
 * closes over) is an AD value of an outer perturbation, the result is an AD value too.
 */
export function derivative(f: UnivariateFunction, x: Scalar): Scalar {
  checkFunction("derivative", f);
  checkFiniteScalar("derivative", "x", x);
  const tag = newTag();
  const y = checkResult("derivative", f(new Dual(x, 1, tag)), tag);
  return tangentAlong(y, tag);
}

/**
 * Returns [f(x), f'(x), ..., f^(order)(x)] from one Taylor jet of the given order. Entry k is
 * the k-th derivative itself (the jet stores u^(k)/k! and this helper multiplies by k!). The
 * seed stores u_2..u_order as zeros, so at a singular point IEEE 0 * Infinity can make the
 * derivatives of order >= 2 NaN where `hessian` returns the one-sided limit.
 */
export function derivatives(f: UnivariateFunction, x: Scalar, order: number): Scalar[] {
  checkFunction("derivatives", f);
  checkFiniteScalar("derivatives", "x", x);
  checkOrder("derivatives", order);
  const tag = newTag();
  const seed: Scalar[] = [x];
  if (order >= 1) {
    seed.push(1);
  }
  while (seed.length <= order) {
    seed.push(0);
  }

  const y = checkResult("derivatives", f(new Taylor(seed, tag)), tag);
  if (tagOf(y) !== tag) {
    const constantDerivative = Number.isNaN(primal(y)) ? Number.NaN : 0;
    return seed.map((_, k) => (k === 0 ? y : constantDerivative));
  }
  const jet = y as Taylor;
  if (jet.order !== order) {
    throw new RangeError(
      `derivatives: f returned a Taylor jet of order ${jet.order}, expected order ${order}; ` +
        "f must not truncate or extend the jet it receives",
    );
  }
  const result = jet.derivatives();
  return Number.isNaN(primal(y)) ? result.map(nanLike) : result;
}

/**
 * Returns the gradient [∂f/∂x_1, ..., ∂f/∂x_n] with n Dual evaluations. Pass i seeds only x_i,
 * and every other entry reaches f unchanged. A term that does not depend on x_i is then a
 * constant of that pass with no tangent, so an infinite f' in it cannot meet a stored zero.
 */
export function gradient(f: MultivariateFunction, point: readonly Scalar[]): Scalar[] {
  checkFunction("gradient", f);
  checkPoint("gradient", point);
  const tag = newTag();
  const result: Scalar[] = [];
  for (let i = 0; i < point.length; i++) {
    const seeded = point.map((p, k) => (k === i ? new Dual(p, 1, tag) : p));
    const y = checkResult("gradient", f(seeded), tag);
    result.push(tangentAlong(y, tag));
  }
  return result;
}

/**
 * Returns the Hessian H[i][j] = ∂²f/∂x_i∂x_j by forward over forward: one nested Dual evaluation
 * per pair i <= j, mirrored so the matrix is exactly symmetric. Only x_i and x_j are seeded.
 */
export function hessian(f: MultivariateFunction, point: readonly Scalar[]): Scalar[][] {
  checkFunction("hessian", f);
  checkPoint("hessian", point);
  const n = point.length;
  const result: Scalar[][] = point.map(() => new Array<Scalar>(n).fill(0));
  const tags = newTagPair();
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const entry = mixedPartial("hessian", f, point, i, j, tags);
      result[i][j] = entry;
      result[j][i] = entry;
    }
  }
  return result;
}

/**
 * Returns the Laplacian sum_i ∂²f/∂x_i² with one nested Dual evaluation per input, each seeding
 * only x_i. Only the pure second partials enter; mixed partials are never formed.
 */
export function laplacian(f: MultivariateFunction, point: readonly Scalar[]): Scalar {
  checkFunction("laplacian", f);
  checkPoint("laplacian", point);
  const tags = newTagPair();
  let sum: Scalar = 0;
  for (let i = 0; i < point.length; i++) {
    sum = add(sum, mixedPartial("laplacian", f, point, i, i, tags));
  }
  return sum;
}

/** Two fresh tags, inner < outer, for the two directions of a second partial. */
interface TagPair {
  inner: number;
  outer: number;
}

function newTagPair(): TagPair {
  const inner = newTag();
  return { inner, outer: newTag() };
}

// A HyperDual seed (x_i, 1, 0, 0) would carry the e2 direction as a stored 0 in x_i, and a
// singular f(x_i) turns f'(x_i) * 0 into NaN there. Nested Duals carry each direction only in
// the entries it moves: x_i gets Dual(x_i, 1) of the inner tag, x_j gets Dual(x_j, 1) of the
// outer tag, and for i == j x_i gets Dual(Dual(x_i, 1), 1), whose outer tangent is the plain
// constant 1. Every other entry reaches f unchanged.

/** Returns ∂²f/∂x_i∂x_j from one nested Dual evaluation that seeds only x_i and x_j. */
function mixedPartial(
  name: string,
  f: MultivariateFunction,
  point: readonly Scalar[],
  i: number,
  j: number,
  tags: TagPair,
): Scalar {
  const seeded = point.map((p, k) => {
    if (k === i && k === j) {
      return new Dual(new Dual(p, 1, tags.inner), 1, tags.outer);
    }
    if (k === i) {
      return new Dual(p, 1, tags.inner);
    }
    return k === j ? new Dual(p, 1, tags.outer) : p;
  });
  const y = checkResult(name, f(seeded), tags.outer);
  return tangentAlong(tangentAlong(y, tags.outer), tags.inner);
}

/**
 * Returns the tangent of y along `tag`, or 0 when y does not depend on that perturbation. A NaN
 * value gives a NaN tangent: where f is undefined no partial of it is finite, including one
 * along an input that a plain-number term (such as sqrt(-1)) does not see.
 */
function tangentAlong(y: Scalar, tag: number): Scalar {
  const tangent = tagOf(y) === tag ? (y as Dual).tangent : 0;
  return Number.isNaN(primal(y)) ? nanLike(tangent) : tangent;
}

function checkFunction(name: string, f: unknown): void {
  if (typeof f !== "function") {
    throw new TypeError(`${name}: f must be a function, received ${describeValue(f)}`);
  }
}

function checkFiniteScalar(name: string, argument: string, x: unknown): void {
  if (!isScalar(x)) {
    throw new TypeError(
      `${name}: ${argument} must be a number or an AD value, received ${describeValue(x)}`,
    );
  }
  const p = primal(x);
  if (!Number.isFinite(p)) {
    throw new RangeError(
      `${name}: ${argument} must have a finite value, received ${String(p)}; ` +
        "evaluate f directly to see how it treats non-finite inputs",
    );
  }
}

function checkPoint(name: string, point: unknown): void {
  if (!Array.isArray(point)) {
    throw new TypeError(
      `${name}: point must be an array of Scalars, received ${describeValue(point)}; ` +
        "wrap a single input as [x]",
    );
  }
  if (point.length === 0) {
    throw new RangeError(`${name}: point must have at least one entry, received an empty array`);
  }
  for (let i = 0; i < point.length; i++) {
    checkFiniteScalar(name, `point[${i}]`, point[i]);
  }
}

function checkOrder(name: string, order: unknown): void {
  if (typeof order !== "number") {
    throw new TypeError(
      `${name}: order must be a non-negative integer, received ${describeValue(order)}`,
    );
  }
  if (!Number.isInteger(order) || order < 0) {
    throw new RangeError(
      `${name}: order must be a non-negative integer, received ${String(order)}`,
    );
  }
}

/** Returns f's result after checking it is a Scalar whose tag does not exceed this call's tag. */
function checkResult(name: string, y: unknown, tag: number): Scalar {
  if (!isScalar(y)) {
    throw new TypeError(
      `${name}: f must return a single Scalar (a number or an AD value), received ` +
        `${describeValue(y)}; to differentiate one output of a vector function, return that entry`,
    );
  }
  if (tagOf(y) > tag) {
    throw new RangeError(
      `${name}: f returned an AD value with tag ${tagOf(y)}, newer than this call's tag ${tag}; ` +
        "a perturbation made inside f must be removed (by the helper that made it) before f returns",
    );
  }
  return y;
}
