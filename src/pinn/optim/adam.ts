// Adam (Kingma & Ba 2015): a stateful first-order optimiser that updates a flat vector in place.

import { type LearningRateSchedule, scheduledLearningRate, validateSchedule } from "./schedule.js";

/** Adam hyperparameters. Defaults follow Kingma & Ba (2015). */
export interface AdamOptions {
  /** Base step size η (default 1e-3). A schedule scales it per update. */
  learningRate?: number;
  /** Decay rate of the first-moment average, in [0, 1) (default 0.9). */
  beta1?: number;
  /** Decay rate of the second-moment average, in [0, 1) (default 0.999). */
  beta2?: number;
  /** Added to sqrt(v̂) so the step stays bounded where v̂ ≈ 0 (default 1e-8). */
  epsilon?: number;
  /** Learning-rate schedule (default constant). */
  schedule?: LearningRateSchedule;
}

/**
 * Adam on a flat parameter vector of fixed length. Update k (k = 0, 1, ...) with t = k + 1:
 *   m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
 *   θ ← θ − η_k · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε).
 */
export class Adam {
  readonly size: number;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly schedule: LearningRateSchedule;

  private m: Float64Array;
  private v: Float64Array;
  // The next moments and parameters are computed here first, so a failed step changes nothing.
  private nextM: Float64Array;
  private nextV: Float64Array;
  private readonly nextTheta: Float64Array;
  private updates = 0;

  constructor(size: number, options: AdamOptions = {}) {
    if (!(Number.isInteger(size) && size >= 0)) {
      throw new RangeError(
        `Adam: size must be a non-negative integer, received ${String(size)}. Pass the parameter count`,
      );
    }
    this.size = size;
    this.learningRate = options.learningRate ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.schedule = options.schedule ?? { kind: "constant" };
    this.validate();

    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.nextM = new Float64Array(size);
    this.nextV = new Float64Array(size);
    this.nextTheta = new Float64Array(size);
  }

  /** Number of updates applied so far. */
  get stepCount(): number {
    return this.updates;
  }

  /** Returns the learning rate that update `k` uses (the next update is k = stepCount). */
  learningRateAt(k: number): number {
    return scheduledLearningRate(this.learningRate, this.schedule, k);
  }

  /**
   * Applies one update to `theta` in place, using the gradient `grad`.
   * Throws a RangeError and leaves `theta` and the moments untouched when `grad` has a
   * non-finite entry or when the update would make an entry of `theta` non-finite.
   */
  step(theta: Float64Array, grad: Float64Array): void {
    this.checkLengths(theta, grad);
    this.checkGradient(grad);

    const t = this.updates + 1;
    const rate = this.learningRateAt(this.updates);
    const firstCorrection = 1 - this.beta1 ** t;
    const secondCorrection = 1 - this.beta2 ** t;
    for (let i = 0; i < this.size; i++) {
      const g = grad[i];
      const m = this.beta1 * this.m[i] + (1 - this.beta1) * g;
      const v = this.beta2 * this.v[i] + (1 - this.beta2) * g * g;
      this.nextM[i] = m;
      this.nextV[i] = v;
      this.nextTheta[i] =
        theta[i] -
        (rate * (m / firstCorrection)) / (Math.sqrt(v / secondCorrection) + this.epsilon);
    }

    this.checkCandidate(theta);
    this.commit(theta);
  }

  /** Clears the moments and the update count, as for a fresh optimiser. */
  reset(): void {
    this.m.fill(0);
    this.v.fill(0);
    this.updates = 0;
  }

  private commit(theta: Float64Array): void {
    [this.m, this.nextM] = [this.nextM, this.m];
    [this.v, this.nextV] = [this.nextV, this.v];
    theta.set(this.nextTheta);
    this.updates++;
  }

  private checkLengths(theta: Float64Array, grad: Float64Array): void {
    if (theta.length !== this.size || grad.length !== this.size) {
      throw new RangeError(
        `Adam.step: theta and grad must have length ${this.size}, received ${theta.length} and ${grad.length}; create the optimiser with the parameter count`,
      );
    }
  }

  private checkGradient(grad: Float64Array): void {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(grad[i])) {
        throw new RangeError(
          `Adam.step: grad[${i}] is ${grad[i]}, expected a finite number. The parameters were left unchanged, so check the loss for overflow or NaN before stepping`,
        );
      }
    }
  }

  private checkCandidate(theta: Float64Array): void {
    for (let i = 0; i < this.size; i++) {
      if (!Number.isFinite(theta[i])) {
        throw new RangeError(
          `Adam.step: theta[${i}] is ${theta[i]}, expected a finite number. Restore the parameters from the last finite state`,
        );
      }
      if (!Number.isFinite(this.nextTheta[i])) {
        throw new RangeError(
          `Adam.step: the update would set theta[${i}] from ${theta[i]} to ${this.nextTheta[i]}. The parameters were left unchanged, so lower the learning rate`,
        );
      }
    }
  }

  private validate(): void {
    const check = (name: string, value: number, ok: boolean, expected: string): void => {
      if (!ok) {
        throw new RangeError(
          `Adam: ${name} must be ${expected}, received ${String(value)}. Pass a valid ${name}`,
        );
      }
    };
    const rate = this.learningRate;
    check("learningRate", rate, rate > 0 && Number.isFinite(rate), "a finite number > 0");
    check("beta1", this.beta1, this.beta1 >= 0 && this.beta1 < 1, "in [0, 1)");
    check("beta2", this.beta2, this.beta2 >= 0 && this.beta2 < 1, "in [0, 1)");
    const eps = this.epsilon;
    check("epsilon", eps, eps > 0 && Number.isFinite(eps), "a finite number > 0");
    validateSchedule(this.schedule, "Adam");
  }
}
