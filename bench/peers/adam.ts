// Adam on a flat Float64Array, the update the float64 peers written for the benchmark share.

/**
 * Adam with bias correction (Kingma and Ba 2015, Algorithm 1):
 * m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g², θ ← θ − lr·m̂/(√v̂ + ε) with
 * m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t). TensorFlow.js 4.22 applies the same formula.
 */
export class FlatAdam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly epsilon: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Clears the moments and the step count. */
  reset(): void {
    this.m.fill(0);
    this.v.fill(0);
    this.t = 0;
  }

  /** Applies one update to `theta` in place from the gradient `grad`. */
  update(theta: Float64Array, grad: Float64Array): void {
    this.t += 1;
    const { beta1, beta2, epsilon, learningRate, m, v } = this;
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i] as number;
      const mi = beta1 * (m[i] as number) + (1 - beta1) * g;
      const vi = beta2 * (v[i] as number) + (1 - beta2) * g * g;
      m[i] = mi;
      v[i] = vi;
      theta[i] =
        (theta[i] as number) -
        (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
    }
  }
}
