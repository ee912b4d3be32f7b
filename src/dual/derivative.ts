// Derivative helpers: derivative, derivatives, gradient, hessian and laplacian by forward mode.

import { add } from "./arith.js";
import { Dual } from "./dual.js";
import { describeValue } from "./errors.js";
import { HyperDual } from "./hyperdual.js";
import { isScalar, newTag, primal, type Scalar, tagOf } from "./scalar.js";
import { Taylor } from "./taylor.js";

/** A function of one Scalar, written with the generic functions of this module. */
export type UnivariateFunction = (x: Scalar) => Scalar;

/** A function of a point (an array of Scalars), written with the generic functions. */
export type MultivariateFunction = (point: Scalar[]) => Scalar;

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
  return tagOf(y) === tag ? (y as Dual).tangent : 0;
}

/**
 * Returns [f(x), f'(x), ..., f^(order)(x)] from one Taylor jet of the given order. Entry k is
 * the k-th derivative itself (the jet stores u^(k)/k! and this helper multiplies by k!).
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
    return seed.map((_, k) => (k === 0 ? y : 0));
  }
  const jet = y as Taylor;
  if (jet.order !== order) {
    throw new RangeError(
      `derivatives: f returned a Taylor jet of order ${jet.order}, expected order ${order}; ` +
        "f must not truncate or extend the jet it receives",
    );
  }
  return jet.derivatives();
}

/** Returns the gradient [∂f/∂x_1, ..., ∂f/∂x_n] with n Dual evaluations. */
export function gradient(f: MultivariateFunction, point: readonly Scalar[]): Scalar[] {
  checkFunction("gradient", f);
  checkPoint("gradient", point);
  const tag = newTag();
  const result: Scalar[] = [];
  for (let i = 0; i < point.length; i++) {
    const seeded = point.map((p, j) => new Dual(p, j === i ? 1 : 0, tag));
    const y = checkResult("gradient", f(seeded), tag);
    result.push(tagOf(y) === tag ? (y as Dual).tangent : 0);
  }
  return result;
}

/**
 * Returns the Hessian H[i][j] = ∂²f/∂x_i∂x_j by forward over forward: one HyperDual evaluation
 * per pair i <= j (x_i seeded with e1, x_j with e2), mirrored so the matrix is exactly symmetric.
 */
export function hessian(f: MultivariateFunction, point: readonly Scalar[]): Scalar[][] {
  checkFunction("hessian", f);
  checkPoint("hessian", point);
  const n = point.length;
  const result: Scalar[][] = point.map(() => new Array<Scalar>(n).fill(0));
  const tag = newTag();
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const entry = mixedPartial("hessian", f, point, i, j, tag);
      result[i][j] = entry;
      result[j][i] = entry;
    }
  }
  return result;
}

/**
 * Returns the Laplacian sum_i ∂²f/∂x_i² with one HyperDual evaluation per input (x_i seeded
 * with both e1 and e2). Only the pure second partials enter; mixed partials are never formed.
 */
export function laplacian(f: MultivariateFunction, point: readonly Scalar[]): Scalar {
  checkFunction("laplacian", f);
  checkPoint("laplacian", point);
  const tag = newTag();
  let sum: Scalar = 0;
  for (let i = 0; i < point.length; i++) {
    sum = add(sum, mixedPartial("laplacian", f, point, i, i, tag));
  }
  return sum;
}

/** Returns ∂²f/∂x_i∂x_j from one HyperDual evaluation. */
function mixedPartial(
  name: string,
  f: MultivariateFunction,
  point: readonly Scalar[],
  i: number,
  j: number,
  tag: number,
): Scalar {
  const seeded = point.map((p, k) => new HyperDual(p, k === i ? 1 : 0, k === j ? 1 : 0, 0, tag));
  const y = checkResult(name, f(seeded), tag);
  return tagOf(y) === tag ? (y as HyperDual).d : 0;
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
