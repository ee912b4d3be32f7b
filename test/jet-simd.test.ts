// Tests of the WebAssembly SIMD jet kernels against plain JavaScript loops and Math.sin/cos.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { instantiateJetKernels, type JetKernels, SINCOS_LIMIT } from "../src/dual/jet-simd.js";
import type { WasmApi } from "../src/dual/wasm-emit.js";

// The compiler settings include no WebAssembly lib, so the API is typed by wasm-emit.ts.
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/**
 * Returns true when the engine compiles a minimal SIMD module, a function returning
 * v128.const 0. Where it does, instantiateJetKernels must not return null: a null there means
 * invalid module bytes, not a missing extension.
 */
function engineHasSimd(): boolean {
  if (wasm === undefined) return false;
  const body = [0x00, 0xfd, 0x0c, ...new Array<number>(16).fill(0), 0x0b];
  const bytes = Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...[0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b],
    ...[0x03, 0x02, 0x01, 0x00],
    ...[0x0a, body.length + 2, 0x01, body.length, ...body],
  ]);
  try {
    new wasm.Module(bytes);
    return true;
  } catch {
    return false;
  }
}

// 4 MiB: room for every stream of the largest case below with its gaps and guards.
const memory = wasm === undefined ? null : new wasm.Memory({ initial: 64 });
const maybeKernels = memory === null ? null : instantiateJetKernels(memory);

/** Value of the gaps and guards around every placed view, which a kernel must leave unchanged. */
const SENTINEL = 12345.678;
/** Number of sentinel elements behind every placed view. */
const GUARD = 3;

/**
 * Places streams one after another in `memory`, each after `gap` sentinel elements and before
 * GUARD sentinel elements, so views start at any 8-byte offset and overruns show.
 */
class Placement {
  private readonly data = new Float64Array(memory!.buffer);
  private readonly ranges: [number, number][] = [];
  private next = 0;

  place(values: ArrayLike<number>, gap: number): Float64Array {
    const start = this.next + gap;
    const end = start + values.length;
    this.data.fill(SENTINEL, this.next, start);
    this.data.set(values, start);
    this.data.fill(SENTINEL, end, end + GUARD);
    this.ranges.push([this.next, start], [end, end + GUARD]);
    this.next = end + GUARD;
    return this.data.subarray(start, end);
  }

  /** Throws unless every gap and guard still holds the sentinel. */
  expectSentinelsKept(): void {
    for (const [from, to] of this.ranges) {
      for (let k = from; k < to; k++) {
        if (!Object.is(this.data[k], SENTINEL)) {
          expect.fail(`element ${k} outside every view was overwritten with ${this.data[k]}`);
        }
      }
    }
  }
}

/** Throws at the first element whose bits differ from those of the JavaScript loop. */
function expectSameBits(actual: Float64Array, expected: ArrayLike<number>, label: string): void {
  expect(actual.length).toBe(expected.length);
  for (let e = 0; e < expected.length; e++) {
    if (!Object.is(actual[e], expected[e])) {
      expect.fail(`${label}[${e}] is ${actual[e]}, the JavaScript loop gives ${expected[e]}`);
    }
  }
}

// --- Reference loops: the formulas of src/siren/fused.ts, in its operation order. ---

type Streams = Float64Array[];

function firstForwardLoop([y, d1, zi]: Streams, count: number): void {
  for (let e = 0; e < count; e++) y[e] = d1[e] * zi[e];
}

function secondForwardLoop([y, d1, zij, d2, zi, zj]: Streams, count: number): void {
  for (let e = 0; e < count; e++) y[e] = d1[e] * zij[e] + d2[e] * zi[e] * zj[e];
}

function valueBackwardLoop([dz, d1, g]: Streams, count: number): void {
  for (let e = 0; e < count; e++) dz[e] = d1[e] * g[e];
}

function firstBackwardLoop([dzi, dz, d1, d2, zi, gi]: Streams, count: number): void {
  for (let e = 0; e < count; e++) {
    const g = gi[e];
    dzi[e] = d1[e] * g;
    dz[e] += d2[e] * zi[e] * g;
  }
}

function secondBackwardLoop(
  [dzij, dzi, dzj, dz, d1, d2, d3, zij, zi, zj, g]: Streams,
  count: number,
): void {
  for (let e = 0; e < count; e++) {
    const gij = g[e];
    const ziValue = zi[e];
    const zjValue = zj[e];
    const weighted = d2[e] * gij;
    dzij[e] = d1[e] * gij;
    dzi[e] += weighted * zjValue;
    dzj[e] += weighted * ziValue;
    dz[e] += weighted * zij[e] + d3[e] * ziValue * zjValue * gij;
  }
}

// --- Arbitraries. ---

/**
 * Mostly doubles with full 53-bit significands, so that sums and products round. The rest are
 * any double (NaN, ±Infinity, ±0, subnormals and huge values included) or a special value.
 */
const element = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: -6, max: 6 }))
      .map(([k, exponent]) => (Math.sin(k) + Math.cos(3 * k) / 3) * 2 ** exponent),
    weight: 4,
  },
  { arbitrary: fc.double(), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
    ),
    weight: 1,
  },
);

/** `streams` arrays of one random count (odd counts and 0 and 1 included), with gaps. */
function streamsOf(streams: number) {
  return fc.integer({ min: 0, max: 37 }).chain((count) =>
    fc.record({
      count: fc.constant(count),
      values: fc.array(fc.array(element, { minLength: count, maxLength: count }), {
        minLength: streams,
        maxLength: streams,
      }),
      gaps: fc.array(fc.integer({ min: 0, max: 3 }), {
        minLength: streams,
        maxLength: streams,
      }),
    }),
  );
}

// --- ulp measures. ---

const scratch = new Float64Array(1);
const scratchBits = new BigInt64Array(scratch.buffer);

/** Returns the double |steps| doubles away from the finite `x`, upward for steps > 0. */
function nextAfter(x: number, steps: number): number {
  if (x === 0) return steps * Number.MIN_VALUE;
  scratch[0] = x;
  // For x > 0 a larger bit pattern is a larger double; for x < 0 a smaller one is.
  const delta = BigInt(steps);
  scratchBits[0] += x > 0 ? delta : -delta;
  return scratch[0];
}

/** Returns the gap from |x| to the next larger double, Number.MIN_VALUE at 0. */
function ulp(x: number): number {
  const magnitude = Math.abs(x);
  return nextAfter(magnitude, 1) - magnitude;
}

/**
 * |a − b| in ulps of the larger magnitude. The kernel's sin and cos are within 1 ulp of the
 * true value (derived in src/dual/jet-simd.ts and checked against the reference below). V8's
 * Math.sin and Math.cos port fdlibm, which documents its results only as "nearly rounded";
 * these tests assume they are within 1 ulp as well. Both within 1 ulp of t put them within
 * 2 ulp(max(|a|, |b|)) of each other: when t is in a higher binade than both, each lies within
 * ulp(t) = 2 ulp(max) below it, on the same side.
 */
function ulpDistance(a: number, b: number): number {
  if (Object.is(a, b)) return 0;
  return Math.abs(a - b) / ulp(Math.max(Math.abs(a), Math.abs(b)));
}
// No absolute slack near zero: the kernel reduces the argument to 2^-135 + 2^-102·|r| (see
// SINCOS_LIMIT) and fdlibm's e_rem_pio2.c adds bits of π/2 when the reduction cancels, so
// both keep their relative accuracy next to multiples of π/2.
const ULP_BOUND = 2;

// --- A fixed-point reference for sin and cos. ---

// Reference values are integers in units of 2^-FRACTION_BITS. Arguments of at least 2^-200
// convert exactly, and their sines keep more than 100 significant bits.
const FRACTION_BITS = 320n;
const ONE = 1n << FRACTION_BITS;

/** Returns atan(1/x) for an integer x > 1, from its Taylor series, in reference units. */
function arctanOfInverse(x: bigint): bigint {
  let sum = 0n;
  let power = ONE / x;
  for (let n = 1n, sign = 1n; power !== 0n; n += 2n, sign = -sign) {
    sum += (sign * power) / n;
    power /= x * x;
  }
  return sum;
}

// Machin's formula π = 16 atan(1/5) − 4 atan(1/239). Each of the fewer than 100 series terms
// truncates twice by less than one unit, so π/2 is off by fewer than 2^12 units of 2^-320.
const HALF_PI = (16n * arctanOfInverse(5n) - 4n * arctanOfInverse(239n)) / 2n;

/** Returns the exact value of the double `x`, |x| >= 2^-200, in reference units. */
function toFixed(x: number): bigint {
  scratch[0] = x;
  const bits = BigInt.asUintN(64, scratchBits[0]);
  const exponent = Number((bits >> 52n) & 0x7ffn) - 1075;
  const significand = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  const shift = BigInt(exponent) + FRACTION_BITS;
  const magnitude = shift >= 0n ? significand << shift : significand >> -shift;
  return bits >> 63n === 1n ? -magnitude : magnitude;
}

/** Returns sin(w) and cos(w) in reference units: reduction by π/2, then Taylor series in r. */
function referenceSinCos(w: number): [bigint, bigint] {
  const exact = toFixed(w);
  const magnitude = exact < 0n ? -exact : exact;
  const quadrant = (magnitude + HALF_PI / 2n) / HALF_PI;
  const r = magnitude - quadrant * HALF_PI;
  let sinR = 0n;
  let cosR = 0n;
  let term = ONE;
  for (let n = 0n; term !== 0n; n++) {
    if (n > 0n) term = (term * r) / (ONE * n);
    const phase = n % 4n;
    if (phase === 0n) cosR += term;
    else if (phase === 1n) sinR += term;
    else if (phase === 2n) cosR -= term;
    else sinR -= term;
  }
  const index = Number(quadrant % 4n);
  const sinW = [sinR, cosR, -sinR, -cosR][index];
  const cosW = [cosR, -sinR, -cosR, sinR][index];
  return [exact < 0n ? -sinW : sinW, cosW];
}

/** Returns |x − t| in ulps of t, for a reference value t (the ulp of the double nearest t). */
function ulpsFromReference(x: number, t: bigint): number {
  const magnitude = t < 0n ? -t : t;
  const ulpBits = BigInt(magnitude.toString(2).length) - 53n;
  const difference = toFixed(x) - t;
  return Math.abs(Number(difference)) / 2 ** Number(ulpBits);
}

// --- sineValue helpers. ---

interface SineRun {
  ok: boolean;
  z: Float64Array;
  y: Float64Array;
  d1: Float64Array;
  d2: Float64Array;
  d3: Float64Array;
}

/** Runs sineValue on copies of `z` and `bias` placed with the given gaps. */
function runSine(
  kernels: JetKernels,
  z: ArrayLike<number>,
  bias: ArrayLike<number>,
  points: number,
  width: number,
  omega: number,
  gaps: number[] = [0, 0, 0, 0, 0, 0],
): SineRun & { placement: Placement } {
  const placement = new Placement();
  const size = points * width;
  const zView = placement.place(z, gaps[0]);
  const biasView = placement.place(bias, gaps[1]);
  const [y, d1, d2, d3] = [2, 3, 4, 5].map((k) => placement.place(new Float64Array(size), gaps[k]));
  const k2 = -(omega * omega);
  const k3 = k2 * omega;
  const ok = kernels.sineValue(zView, biasView, y, d1, d2, d3, points, width, omega, k2, k3);
  return { ok, z: zView, y, d1, d2, d3, placement };
}

/**
 * Checks one width-row run with omega = 1 and bias −0, where w is z itself (x + (−0) is x for
 * every x, −0 included): y and d1 within ULP_BOUND of Math.sin and Math.cos, and d2, d3 the
 * bits of −y and −d1.
 */
function expectSinCos(kernels: JetKernels, angles: number[]): void {
  const width = angles.length;
  const run = runSine(kernels, angles, new Float64Array(width).fill(-0), 1, width, 1);
  expect(run.ok).toBe(true);
  for (let e = 0; e < width; e++) {
    const w = angles[e];
    const sinDistance = ulpDistance(run.y[e], Math.sin(w));
    const cosDistance = ulpDistance(run.d1[e], Math.cos(w));
    if (sinDistance > ULP_BOUND) {
      expect.fail(`sin(${w}) is ${run.y[e]}, Math.sin gives ${Math.sin(w)} (${sinDistance} ulp)`);
    }
    if (cosDistance > ULP_BOUND) {
      expect.fail(`cos(${w}) is ${run.d1[e]}, Math.cos gives ${Math.cos(w)} (${cosDistance} ulp)`);
    }
    expect(Object.is(run.d2[e], -1 * run.y[e]), `d2 at ${w}`).toBe(true);
    expect(Object.is(run.d3[e], -1 * run.d1[e]), `d3 at ${w}`).toBe(true);
  }
}

/** Returns a reproducible uniform sample in [−scale, scale]. */
function uniformSample(count: number, scale: number, seed: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state / 2 ** 31 - 1) * scale;
  });
}

it.runIf(engineHasSimd())("jet SIMD kernels instantiate where the engine has SIMD", () => {
  expect(maybeKernels).not.toBeNull();
});

describe.skipIf(maybeKernels === null)(
  "jet SIMD kernels (skipped without WebAssembly SIMD)",
  () => {
    const kernels = maybeKernels as JetKernels;

    describe("elementwise passes match the JavaScript loops bit for bit", () => {
      const cases: {
        label: string;
        streams: number;
        run: (views: Streams, count: number) => void;
        loop: (streams: Streams, count: number) => void;
      }[] = [
        {
          label: "firstForward",
          streams: 3,
          run: (v, n) => kernels.firstForward(v[0], v[1], v[2], n),
          loop: firstForwardLoop,
        },
        {
          label: "secondForward",
          streams: 6,
          run: (v, n) => kernels.secondForward(v[0], v[1], v[2], v[3], v[4], v[5], n),
          loop: secondForwardLoop,
        },
        {
          label: "valueBackward",
          streams: 3,
          run: (v, n) => kernels.valueBackward(v[0], v[1], v[2], n),
          loop: valueBackwardLoop,
        },
        {
          label: "firstBackward",
          streams: 6,
          run: (v, n) => kernels.firstBackward(v[0], v[1], v[2], v[3], v[4], v[5], n),
          loop: firstBackwardLoop,
        },
        {
          label: "secondBackward",
          streams: 11,
          run: (v, n) =>
            kernels.secondBackward(
              v[0],
              v[1],
              v[2],
              v[3],
              v[4],
              v[5],
              v[6],
              v[7],
              v[8],
              v[9],
              v[10],
              n,
            ),
          loop: secondBackwardLoop,
        },
      ];

      for (const { label, streams, run, loop } of cases) {
        it(label, () => {
          fc.assert(
            fc.property(streamsOf(streams), ({ count, values, gaps }) => {
              const placement = new Placement();
              const views = values.map((stream, k) => placement.place(stream, gaps[k]));
              const expected = values.map((stream) => Float64Array.from(stream));
              run(views, count);
              loop(expected, count);
              for (let k = 0; k < streams; k++) {
                expectSameBits(views[k], expected[k], `stream ${k}`);
              }
              placement.expectSentinelsKept();
            }),
            { numRuns: 300 },
          );
        });
      }

      it("secondBackward with dzi aliasing dzj", () => {
        fc.assert(
          fc.property(streamsOf(10), ({ count, values, gaps }) => {
            const placement = new Placement();
            const views = values.map((stream, k) => placement.place(stream, gaps[k]));
            const [dzij, dzii, dz, d1, d2, d3, zij, zi, zj, g] = views;
            kernels.secondBackward(dzij, dzii, dzii, dz, d1, d2, d3, zij, zi, zj, g, count);

            const expected = values.map((stream) => Float64Array.from(stream));
            const [dzijCopy, dziiCopy, ...inputCopies] = expected;
            secondBackwardLoop([dzijCopy, dziiCopy, dziiCopy, ...inputCopies], count);
            for (let k = 0; k < 10; k++) expectSameBits(views[k], expected[k], `stream ${k}`);
            placement.expectSentinelsKept();
          }),
          { numRuns: 300 },
        );
      });

      it("outputs may be the same view as an input", () => {
        const placement = new Placement();
        const values = [1.5, -2, Number.NaN, 3];
        const y = placement.place(values, 1);
        const d1 = placement.place([2, 0.5, 1, -0], 0);
        kernels.firstForward(y, d1, y, 4);
        expectSameBits(y, [3, -1, Number.NaN, -0], "y");
        placement.expectSentinelsKept();
      });

      it("count 0 writes nothing", () => {
        const placement = new Placement();
        const y = placement.place([7, 8], 0);
        kernels.firstForward(y, placement.place([1, 1], 1), placement.place([1, 1], 2), 0);
        expectSameBits(y, [7, 8], "y");
      });
    });

    describe("sineValue", () => {
      it("matches Math.sin and Math.cos at several scales", () => {
        const scales = [1e-8, 1, 30, 1e3, SINCOS_LIMIT];
        scales.forEach((scale, k) => {
          expectSinCos(kernels, uniformSample(4097, scale, 17 + k));
        });
      });

      it("stays within 1 ulp of reference", () => {
        const angles = [
          ...[1e-8, 1, 30, 1e3, SINCOS_LIMIT].flatMap((scale, k) => uniformSample(400, scale, k)),
          ...uniformSample(200, 600_000, 5).map((x) => (Math.PI / 2) * Math.round(x)),
          ...uniformSample(200, 600_000, 6).map((x) => (Math.PI / 4) * (2 * Math.round(x) + 1)),
        ];
        const run = runSine(
          kernels,
          angles,
          new Float64Array(angles.length).fill(-0),
          1,
          angles.length,
          1,
        );
        expect(run.ok).toBe(true);
        for (let e = 0; e < angles.length; e++) {
          const [sinW, cosW] = referenceSinCos(angles[e]);
          expect(ulpsFromReference(run.y[e], sinW), `sin(${angles[e]})`).toBeLessThanOrEqual(1);
          expect(ulpsFromReference(run.d1[e], cosW), `cos(${angles[e]})`).toBeLessThanOrEqual(1);
        }
      });

      it("matches Math.sin and Math.cos on random doubles", () => {
        fc.assert(
          fc.property(
            fc.array(fc.double({ min: -SINCOS_LIMIT, max: SINCOS_LIMIT, noNaN: true }), {
              minLength: 1,
              maxLength: 40,
            }),
            (angles) => expectSinCos(kernels, angles),
          ),
          { numRuns: 300 },
        );
      });

      it("matches at multiples of π/2 and their neighbours", () => {
        const multiples = [
          ...Array.from({ length: 64 }, (_, k) => k),
          ...uniformSample(200, 1e5, 3).map((x) => Math.round(Math.abs(x))),
          ...uniformSample(200, 600_000, 4).map((x) => Math.round(Math.abs(x))),
        ];
        const angles: number[] = [];
        for (const k of multiples) {
          const center = (Math.PI / 2) * k;
          if (Math.abs(center) > SINCOS_LIMIT) continue;
          for (const steps of [-3, -2, -1, 0, 1, 2, 3]) {
            const x = nextAfter(center, steps);
            angles.push(x, -x);
          }
        }
        expectSinCos(kernels, angles);
      });

      it("matches at quadrant boundaries", () => {
        const angles: number[] = [];
        for (const k of [1, 3, 5, 7, 101, 4001, 123_457, 1_000_001]) {
          const center = (Math.PI / 4) * k;
          if (Math.abs(center) > SINCOS_LIMIT) continue;
          for (let steps = -4; steps <= 4; steps++) angles.push(nextAfter(center, steps));
        }
        expectSinCos(kernels, angles);
      });

      it("keeps the sign of zero", () => {
        const run = runSine(kernels, [0, -0, 0, -0, 0], new Float64Array(5).fill(-0), 1, 5, 1);
        expect(run.ok).toBe(true);
        expectSameBits(run.y, [0, -0, 0, -0, 0], "y");
        expectSameBits(run.d1, [1, 1, 1, 1, 1], "d1");
        expect(Object.is(Math.sin(-0), -0)).toBe(true);
      });

      it("accepts |w| at SINCOS_LIMIT", () => {
        expectSinCos(kernels, [SINCOS_LIMIT, -SINCOS_LIMIT, nextAfter(SINCOS_LIMIT, -1)]);
      });

      it("returns false for NaN, ±Infinity and |w| above SINCOS_LIMIT", () => {
        const outside = [
          Number.NaN,
          Number.POSITIVE_INFINITY,
          Number.NEGATIVE_INFINITY,
          nextAfter(SINCOS_LIMIT, 1),
          -nextAfter(SINCOS_LIMIT, 1),
          1e300,
        ];
        for (const bad of outside) {
          // The bad element in each position of a pair, of a group of four and of an odd tail.
          for (const width of [1, 2, 3, 4, 5, 7]) {
            for (let position = 0; position < width; position++) {
              const z = new Float64Array(width).fill(0.25);
              z[position] = bad;
              const run = runSine(kernels, z, new Float64Array(width).fill(-0), 1, width, 1);
              expect(run.ok, `w = ${bad} at ${position} of ${width}`).toBe(false);
            }
          }
        }
      });

      it("returns false where omega·z leaves the range", () => {
        const run = runSine(kernels, [0.5, 2e4, 0.5], [0, 0, 0], 1, 3, 60);
        expect(run.ok).toBe(false);
        expectSameBits(run.z, [0.5, 2e4, 0.5], "z");
      });

      it("adds bias and scales derivatives", () => {
        fc.assert(
          fc.property(
            fc.record({
              points: fc.integer({ min: 0, max: 5 }),
              width: fc.integer({ min: 1, max: 11 }),
              omega: fc.oneof(fc.constant(30), fc.double({ min: 0.5, max: 60, noNaN: true })),
              seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
              scale: fc.constantFrom(1e-3, 1, 5, 100),
              gaps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 6, maxLength: 6 }),
            }),
            ({ points, width, omega, seed, scale, gaps }) => {
              const size = points * width;
              const z = uniformSample(size, scale, seed);
              const bias = uniformSample(width, scale, seed + 1);
              const run = runSine(kernels, z, bias, points, width, omega, gaps);
              expect(run.ok).toBe(true);
              run.placement.expectSentinelsKept();

              const k2 = -(omega * omega);
              const k3 = k2 * omega;
              for (let e = 0; e < size; e++) {
                const biased = z[e] + bias[e % width];
                expect(Object.is(run.z[e], biased), `z[${e}]`).toBe(true);
                const w = omega * biased;
                expect(ulpDistance(run.y[e], Math.sin(w)), `y at w = ${w}`).toBeLessThanOrEqual(
                  ULP_BOUND,
                );
                expect(Object.is(run.d2[e], k2 * run.y[e]), `d2 at w = ${w}`).toBe(true);
                expectScaledCos(run.d1[e], omega, w);
                expectScaledCos(run.d3[e], k3, w);
              }
            },
          ),
          { numRuns: 200 },
        );
      });
    });

    describe("argument checks", () => {
      it("reject a view of another buffer", () => {
        const placement = new Placement();
        const y = placement.place([0, 0], 0);
        const d1 = placement.place([1, 1], 0);
        expect(() => kernels.firstForward(y, d1, new Float64Array(2), 2)).toThrow(RangeError);
        expect(() => kernels.firstForward(y, d1, new Float64Array(2), 2)).toThrow(
          /firstForward: zi is not a view of the kernels' WebAssembly memory/,
        );
      });

      it("reject a view shorter than count", () => {
        const placement = new Placement();
        const views = Array.from({ length: 11 }, () => placement.place([1, 2, 3, 4], 0));
        const short = placement.place([1, 2, 3], 0);
        const [dzij, dzi, dzj, dz, d1, d2, d3, zij, zi, zj] = views;
        expect(() =>
          kernels.secondBackward(dzij, dzi, dzj, dz, d1, d2, d3, zij, zi, zj, short, 4),
        ).toThrow(/secondBackward: g has 3 elements but the call needs 4/);
      });

      it("reject a bias shorter than width", () => {
        const placement = new Placement();
        const [z, y, d1, d2, d3] = Array.from({ length: 5 }, () =>
          placement.place([0, 0, 0, 0], 0),
        );
        const bias = placement.place([0], 0);
        expect(() => kernels.sineValue(z, bias, y, d1, d2, d3, 2, 2, 1, -1, -1)).toThrow(
          /sineValue: bias has 1 elements but the call needs 2/,
        );
      });

      it("reject partly overlapping views", () => {
        const data = new Float64Array(memory!.buffer, 0, 16);
        const y = data.subarray(0, 4);
        const shifted = data.subarray(1, 5);
        const d1 = data.subarray(8, 12);
        expect(() => kernels.firstForward(y, d1, shifted, 4)).toThrow(/y overlaps zi/);
        expect(() =>
          kernels.sineValue(
            data.subarray(0, 2),
            data.subarray(1, 3),
            data.subarray(4, 6),
            data.subarray(6, 8),
            data.subarray(8, 10),
            data.subarray(10, 12),
            1,
            2,
            1,
            -1,
            -1,
          ),
        ).toThrow(/sineValue: z and bias overlap/);
      });

      it("reject a negative or fractional count", () => {
        const placement = new Placement();
        const [y, d1, zi] = Array.from({ length: 3 }, () => placement.place([1, 2], 0));
        expect(() => kernels.firstForward(y, d1, zi, -1)).toThrow(/count must be a non-negative/);
        expect(() => kernels.firstForward(y, d1, zi, 1.5)).toThrow(/count must be a non-negative/);
      });

      it("reject views made before the memory grew", () => {
        const own = new wasm!.Memory({ initial: 1 });
        const ownKernels = instantiateJetKernels(own) as JetKernels;
        const before = new Float64Array(own.buffer, 0, 4);
        own.grow(1);
        const after = new Float64Array(own.buffer, 64, 4);
        expect(() => ownKernels.valueBackward(after, after, before, 4)).toThrow(
          /valueBackward: g is not a view/,
        );
        after.set([1, 2, 3, 4]);
        ownKernels.valueBackward(after, after, after, 4);
        expectSameBits(after, [1, 4, 9, 16], "dz");
      });
    });
  },
);

/**
 * Checks a scaled cosine, scale·c with c the kernel's cos(w), against scale·Math.cos(w).
 * With |c − cref| <= 2 ulp(max(|c|, |cref|)) <= 2 ulp(2|cref|) (see ulpDistance), the kernel's
 * rounded product and the test's own rounding of scale·cref add one ulp each:
 * |d − scale·cref| <= 2|scale|·ulp(2|cref|) + ulp(d) + ulp(scale·cref).
 */
function expectScaledCos(d: number, scale: number, w: number): void {
  const expected = scale * Math.cos(w);
  const bound = 2 * Math.abs(scale) * ulp(2 * Math.cos(w)) + ulp(d) + ulp(expected);
  expect(Math.abs(d - expected), `scale ${scale}, w = ${w}`).toBeLessThanOrEqual(bound);
}
