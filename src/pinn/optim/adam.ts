// Adam (Kingma & Ba 2015): a stateful first-order optimiser that updates a flat vector in place.

import { rejectUnknownKeys } from "../../siren/options.js";
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

const ADAM_OPTION_KEYS = ["learningRate", "beta1", "beta2", "epsilon", "schedule"];

/**
 * Adam on a flat parameter vector of fixed length. Update k (k = 0, 1, ...) with t = k + 1:
 *   m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
 *   θ ← θ − η_k · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε).
 * The second moment is stored as its square root r = sqrt(v) because g² overflows for
 * |g| > about 1.3e154, which would turn v into Infinity and freeze that entry.
 */
export class Adam {
  readonly size: number;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly schedule: LearningRateSchedule;

  private m: Float64Array;
  /** sqrt(v), the root mean square of the gradient entries. */
  private rms: Float64Array;
  // The next moments and parameters are computed here first, so a failed step changes nothing.
  private nextM: Float64Array;
  private nextRms: Float64Array;
  private readonly nextTheta: Float64Array;
  private updates = 0;

  constructor(size: number, options: AdamOptions = {}) {
    if (!(Number.isInteger(size) && size >= 0)) {
      throw new RangeError(
        `Adam: size must be a non-negative integer, received ${String(size)}. Pass the parameter count`,
      );
    }
    rejectUnknownKeys("Adam", "option", options, ADAM_OPTION_KEYS);
    this.size = size;
    this.learningRate = options.learningRate ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    this.schedule = options.schedule ?? { kind: "constant" };
    this.validate();

    this.m = new Float64Array(size);
    this.rms = new Float64Array(size);
    this.nextM = new Float64Array(size);
    this.nextRms = new Float64Array(size);
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

    const t = this.updates + 1;
    const rate = this.learningRateAt(this.updates);
    const beta1 = this.beta1;
    const epsilon = this.epsilon;
    const firstCorrection = 1 - beta1 ** t;
    // sqrt(v̂) = sqrt(v / (1 − β2^t)) = r / sqrt(1 − β2^t).
    const rootSecondCorrection = Math.sqrt(1 - this.beta2 ** t);
    const [moments, rms, nextM, nextRms, nextTheta] = [
      this.m,
      this.rms,
      this.nextM,
      this.nextRms,
      this.nextTheta,
    ];
    // x·0 is 0 for finite x and NaN for ±Infinity and NaN, so `probe` stays 0 exactly when the
    // gradient, the parameters and the candidate are all finite, in one pass.
    let probe = 0;
    for (let i = 0; i < this.size; i++) {
      const g = grad[i] as number;
      const m = beta1 * (moments[i] as number) + (1 - beta1) * g;
      const r = this.nextRootMeanSquare(rms[i] as number, g);
      const old = theta[i] as number;
      const next = old - (rate * (m / firstCorrection)) / (r / rootSecondCorrection + epsilon);
      nextM[i] = m;
      nextRms[i] = r;
      nextTheta[i] = next;
      probe += g * 0 + old * 0 + next * 0;
    }

    if (probe !== 0) {
      // The scratch buffers are all that changed, so the scans below name the entry and throw.
      this.checkGradient(grad);
      this.checkCandidate(theta);
    }
    this.commit(theta);
  }

  /**
   * Returns sqrt(β2 r² + (1 − β2) g²). The direct form is exact to rounding while the squares
   * stay finite. Past that, both terms are divided by the larger before squaring, so the
   * result stays finite for every finite r and g.
   */
  private nextRootMeanSquare(r: number, g: number): number {
    const direct = this.beta2 * r * r + (1 - this.beta2) * g * g;
    if (direct < Number.POSITIVE_INFINITY) return Math.sqrt(direct);

    const a = Math.sqrt(this.beta2) * r;
    const b = Math.sqrt(1 - this.beta2) * Math.abs(g);
    const larger = Math.max(a, b);
    const ratio = Math.min(a, b) / larger;
    return larger * Math.sqrt(1 + ratio * ratio);
  }

  /** Clears the moments and the update count, as for a fresh optimiser. */
  reset(): void {
    this.m.fill(0);
    this.rms.fill(0);
    this.updates = 0;
  }

  private commit(theta: Float64Array): void {
    [this.m, this.nextM] = [this.nextM, this.m];
    [this.rms, this.nextRms] = [this.nextRms, this.rms];
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
