// Jet specifications (which partials a residual needs) and the stacked-stream layout they imply.

/**
 * The partial derivatives a jet carries with respect to the input point x ∈ R^dim.
 * `first` lists directions i for ∂/∂x_i, `second` lists pairs (i, j) for ∂²/∂x_i∂x_j, and
 * `laplacian` requests Σ_i ∂²/∂x_i² over all `dim` directions as one stream.
 */
export interface JetSpec {
  dim: number;
  first: number[];
  second: [number, number][];
  laplacian: boolean;
}

/**
 * Returns the closed, canonical form of `spec`: every direction used by a second partial or by
 * the Laplacian gets its first partial (the chain rule for second partials needs it), first
 * partials are sorted and unique, pairs are ordered i <= j, unique and sorted.
 * Two specs asking for the same partials therefore give the same stream layout.
 */
export function normalizeSpec(spec: JetSpec): JetSpec {
  validateSpec(spec);
  const first = new Set<number>(spec.first);
  const pairs = new Map<string, [number, number]>();
  for (const [a, b] of spec.second) {
    const i = Math.min(a, b);
    const j = Math.max(a, b);
    first.add(i);
    first.add(j);
    pairs.set(`${i},${j}`, [i, j]);
  }
  if (spec.laplacian) {
    for (let i = 0; i < spec.dim; i++) first.add(i);
  }

  const second = [...pairs.values()].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  return {
    dim: spec.dim,
    first: [...first].sort((p, q) => p - q),
    second,
    laplacian: spec.laplacian,
  };
}

function validateSpec(spec: JetSpec): void {
  if (!Number.isInteger(spec.dim) || spec.dim < 1) {
    throw new RangeError(
      `normalizeSpec: spec.dim must be a positive integer, received ${String(spec.dim)}; pass the number of input coordinates`,
    );
  }
  const check = (direction: number, where: string): void => {
    if (!Number.isInteger(direction) || direction < 0 || direction >= spec.dim) {
      throw new RangeError(
        `normalizeSpec: ${where} must hold directions in [0, ${spec.dim - 1}], received ${String(direction)}; directions are input coordinate indices`,
      );
    }
  };
  for (const i of spec.first) check(i, "spec.first");
  for (const pair of spec.second) {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(
        `normalizeSpec: spec.second must hold pairs [i, j], received ${JSON.stringify(pair)}`,
      );
    }
    check(pair[0], "spec.second");
    check(pair[1], "spec.second");
  }
}

/**
 * Stream indices of a closed spec in the stacked layout: stream 0 is the value, then the first
 * partials in `spec.first` order, the second partials in `spec.second` order, then the Laplacian.
 * A jet of N points and width m stores stream s in rows s·N .. s·N + N − 1 of one [K·N, m] buffer.
 */
export class JetLayout {
  /** The closed spec this layout was built from. */
  readonly spec: JetSpec;
  /** K, the number of streams. */
  readonly streams: number;
  /** Stream index of ∂/∂x_i, or −1 when direction i is not carried. Length `spec.dim`. */
  readonly firstStream: Int32Array;
  /** Stream index of each second partial, in `spec.second` order. */
  readonly secondStreams: Int32Array;
  /** For each second partial (i, j): the stream of ∂/∂x_i, then the stream of ∂/∂x_j. */
  readonly secondFactors: Int32Array;
  /** Stream index of the Laplacian, or −1. */
  readonly laplacianStream: number;
  /** Streams of ∂/∂x_0 .. ∂/∂x_{dim−1} that the Laplacian sums over (empty without it). */
  readonly laplacianFactors: Int32Array;

  constructor(spec: JetSpec) {
    const closed = normalizeSpec(spec);
    this.spec = closed;

    this.firstStream = new Int32Array(closed.dim).fill(-1);
    closed.first.forEach((direction, k) => {
      this.firstStream[direction] = 1 + k;
    });

    const secondBase = 1 + closed.first.length;
    this.secondStreams = new Int32Array(closed.second.length);
    this.secondFactors = new Int32Array(2 * closed.second.length);
    closed.second.forEach(([i, j], k) => {
      this.secondStreams[k] = secondBase + k;
      this.secondFactors[2 * k] = this.firstStream[i];
      this.secondFactors[2 * k + 1] = this.firstStream[j];
    });

    const afterSecond = secondBase + closed.second.length;
    this.laplacianStream = closed.laplacian ? afterSecond : -1;
    this.laplacianFactors = closed.laplacian
      ? Int32Array.from({ length: closed.dim }, (_, i) => this.firstStream[i])
      : new Int32Array(0);
    this.streams = afterSecond + (closed.laplacian ? 1 : 0);
  }

  /** Returns the stream index of ∂²/∂x_i∂x_j (in either order), or −1 when it is not carried. */
  secondStream(i: number, j: number): number {
    const a = Math.min(i, j);
    const b = Math.max(i, j);
    const k = this.spec.second.findIndex((pair) => pair[0] === a && pair[1] === b);
    return k < 0 ? -1 : this.secondStreams[k];
  }

  /** Returns whether this layout has exactly the streams of `other`, in the same order. */
  equals(other: JetLayout): boolean {
    return (
      this === other ||
      (this.spec.dim === other.spec.dim &&
        this.spec.laplacian === other.spec.laplacian &&
        sameNumbers(this.spec.first, other.spec.first) &&
        sameNumbers(this.spec.second.flat(), other.spec.second.flat()))
    );
  }
}

function sameNumbers(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, k) => x === b[k]);
}
