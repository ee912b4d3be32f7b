// Seeded pseudo-random numbers: one seed fixes every weight, sample and batch order.

/**
 * A seeded generator (xoshiro128**, state seeded through splitmix32).
 * The same seed gives the same sequence on every platform because only
 * 32-bit integer arithmetic (`Math.imul`, `>>>`) is used.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) {
      throw new TypeError(`Random: seed must be a safe integer, received ${String(seed)}`);
    }
    // splitmix32 spreads a small seed over all 128 bits of state, so that seeds 0, 1, 2
    // give unrelated streams. The high 32 bits of the seed are folded in first.
    let x = (seed | 0) ^ Math.floor(seed / 2 ** 32);
    const next = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Returns the next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Returns a double uniform on [0, 1) with all 53 mantissa bits random. */
  uniform(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Returns a double uniform on [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Returns a standard normal sample (Box–Muller, one of the pair). */
  normal(): number {
    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Returns an integer uniform on [0, n). */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new RangeError(`Random.integer: n must be an integer in [1, 2^32], received ${n}`);
    }
    return Math.floor(this.uniform() * n);
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
