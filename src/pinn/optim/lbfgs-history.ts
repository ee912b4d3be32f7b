// The L-BFGS memory: the last m curvature pairs (s, y) and the two-loop recursion over them.

import { dot } from "./objective.js";

/**
 * A pair is kept only when y·s > CURVATURE_FLOOR · |y| |s|, that is when the cosine of the angle
 * between s and y exceeds 1e-10. A pair with y·s <= 0 would make the inverse-Hessian estimate
 * indefinite, and a nearly orthogonal pair makes rho = 1 / (y·s) so large that the recursion
 * amplifies rounding error into Inf.
 */
export const CURVATURE_FLOOR = 1e-10;

/**
 * The limited memory of L-BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., chapter 7).
 * Pairs are copied into a ring buffer of `capacity` slots, so callers may reuse their buffers.
 */
export class LbfgsHistory {
  readonly size: number;
  readonly capacity: number;

  private readonly s: Float64Array[];
  private readonly y: Float64Array[];
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  private count = 0;
  private newest = -1;

  constructor(size: number, capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 1)) {
      throw new RangeError(
        `LbfgsHistory: capacity must be an integer >= 1, received ${String(capacity)}. Pass the number of curvature pairs to keep (5 to 20 is usual)`,
      );
    }
    this.size = size;
    this.capacity = capacity;
    this.s = Array.from({ length: capacity }, () => new Float64Array(size));
    this.y = Array.from({ length: capacity }, () => new Float64Array(size));
    this.rho = new Float64Array(capacity);
    this.alpha = new Float64Array(capacity);
  }

  /** Number of pairs stored. */
  get length(): number {
    return this.count;
  }

  /**
   * Stores the pair s = x_new − x, y = ∇f(x_new) − ∇f(x) and returns true, or returns false
   * and stores nothing when the pair fails the curvature test (see CURVATURE_FLOOR) or has a
   * non-finite entry.
   */
  push(s: Float64Array, y: Float64Array): boolean {
    const ys = dot(y, s);
    const yy = dot(y, y);
    const ss = dot(s, s);
    const rho = 1 / ys;
    const gamma = ys / yy;
    // The last two checks reject pairs so small (subnormal) that rho or γ leave float64's range.
    const accepted =
      Number.isFinite(yy) &&
      Number.isFinite(ss) &&
      yy > 0 &&
      ss > 0 &&
      ys > CURVATURE_FLOOR * Math.sqrt(yy) * Math.sqrt(ss) &&
      Number.isFinite(rho) &&
      gamma > 0;
    if (!accepted) {
      return false;
    }

    this.newest = (this.newest + 1) % this.capacity;
    this.s[this.newest].set(s);
    this.y[this.newest].set(y);
    this.rho[this.newest] = rho;
    this.count = Math.min(this.count + 1, this.capacity);
    return true;
  }

  /** Forgets every pair, so the next direction is steepest descent. */
  clear(): void {
    this.count = 0;
    this.newest = -1;
  }

  /**
   * Writes the search direction p = −H ∇f into `out` by the two-loop recursion, with the
   * initial inverse Hessian H0 = γ I, γ = s·y / y·y of the newest pair (γ = 1 with no pairs).
   */
  // NOTE: pairs whose scales differ by many orders of magnitude can still overflow the recursion
  // or lose descent to rounding. lbfgs checks the direction and falls back to steepest descent.
  direction(grad: Float64Array, out: Float64Array): void {
    const q = out;
    q.set(grad);

    // First loop, newest to oldest: alpha_i = rho_i s_i·q, q ← q − alpha_i y_i.
    for (let k = 0; k < this.count; k++) {
      const i = this.slot(k);
      const alpha = this.rho[i] * dot(this.s[i], q);
      this.alpha[i] = alpha;
      axpy(-alpha, this.y[i], q);
    }

    // H0 = γ I. Pairs passed the curvature test, so y·y > 0 and γ > 0 here.
    if (this.count > 0) {
      const i = this.newest;
      const gamma = 1 / (this.rho[i] * dot(this.y[i], this.y[i]));
      scaleInPlace(q, gamma);
    }

    // Second loop, oldest to newest: beta = rho_i y_i·r, r ← r + s_i (alpha_i − beta).
    for (let k = this.count - 1; k >= 0; k--) {
      const i = this.slot(k);
      const beta = this.rho[i] * dot(this.y[i], q);
      axpy(this.alpha[i] - beta, this.s[i], q);
    }

    scaleInPlace(q, -1);
  }

  /** Returns the ring slot of the pair `age` steps older than the newest. */
  private slot(age: number): number {
    return (this.newest - age + this.capacity) % this.capacity;
  }
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) {
    y[i] += a * x[i];
  }
}

function scaleInPlace(x: Float64Array, c: number): void {
  for (let i = 0; i < x.length; i++) {
    x[i] *= c;
  }
}
