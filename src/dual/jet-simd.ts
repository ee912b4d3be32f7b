// The elementwise jet passes of the fused layer as WebAssembly SIMD (f64x2) kernels.
//
// Each kernel runs in place on Float64Array views of one WebAssembly memory, two elements per
// v128. Every pass except sin and cos evaluates the formula of the JavaScript loops in
// src/siren/fused.ts with the same operations in the same order, without fused multiply-add,
// so both give the same bits. The module is built byte by byte, like the GEMM kernel of
// matmul-simd.ts. Opcode numbers follow the binary encoding table of the WebAssembly SIMD
// proposal (proposals/simd/BinarySIMD.md in github.com/WebAssembly/simd).
//
// sin and cos share one range reduction. For a = |w|, q = nearest(a·2/π) and
// r = a − q·π/2 is formed as a double-double rh + rl (Cody–Waite with the split of π/2 from
// fdlibm's e_rem_pio2.c: pio2_1, pio2_2 and pio2_3 have at most 33 significant bits, and
// pio2_3t = π/2 − (pio2_1 + pio2_2 + pio2_3)). Taylor polynomials then give sin and cos on
// |r| <= π/4 + 3e-10, and q mod 4 picks the quadrant. The error analysis sits at
// SINCOS_LIMIT and at sinCosStatements.

import {
  I32,
  memoryLimits,
  name,
  op,
  section,
  unsignedLeb,
  V128,
  vector,
  type WasmApi,
  type WasmMemory,
} from "./wasm-emit.js";

/** The elementwise passes of one fused layer on views of one WebAssembly memory. */
export interface JetKernels {
  /**
   * Computes the value stream of a sine layer. For p < points, o < width (row-major
   * [points, width]): z[p,o] = z[p,o] + bias[o]; w = omega*z; y = sin(w); d1 = omega*cos(w);
   * d2 = k2*sin(w); d3 = k3*cos(w), where the caller passes k2 = -(omega*omega) and
   * k3 = (-(omega*omega))*omega. Returns false when some w is NaN, infinite or has
   * |w| > SINCOS_LIMIT. The bias is added to every element even then, but y, d1, d2 and d3
   * hold garbage at those elements, so the caller recomputes them with Math.sin and Math.cos
   * from the biased z. Returns true otherwise. Odd widths are supported: the last column of
   * each row runs in one lane of the same kernel.
   */
  sineValue(
    z: Float64Array,
    bias: Float64Array,
    y: Float64Array,
    d1: Float64Array,
    d2: Float64Array,
    d3: Float64Array,
    points: number,
    width: number,
    omega: number,
    k2: number,
    k3: number,
  ): boolean;
  /** y[e] = d1[e] * zi[e] */
  firstForward(y: Float64Array, d1: Float64Array, zi: Float64Array, count: number): void;
  /** y[e] = d1[e] * zij[e] + d2[e] * zi[e] * zj[e]   ( = (d1*zij) + ((d2*zi)*zj) ) */
  secondForward(
    y: Float64Array,
    d1: Float64Array,
    zij: Float64Array,
    d2: Float64Array,
    zi: Float64Array,
    zj: Float64Array,
    count: number,
  ): void;
  /** dz[e] = d1[e] * g[e] */
  valueBackward(dz: Float64Array, d1: Float64Array, g: Float64Array, count: number): void;
  /** dzi[e] = d1[e] * gi[e];  dz[e] += d2[e] * zi[e] * gi[e]   ( = dz + ((d2*zi)*gi) ) */
  firstBackward(
    dzi: Float64Array,
    dz: Float64Array,
    d1: Float64Array,
    d2: Float64Array,
    zi: Float64Array,
    gi: Float64Array,
    count: number,
  ): void;
  /**
   * Per element e, in this order: gij = g[e]; weighted = d2*gij; dzij[e] = d1*gij;
   * dzi[e] += weighted*zj; dzj[e] += weighted*zi; and
   * dz[e] += weighted*zij[e] + d3*zi*zj*gij ( = dz + ((weighted*zij) + (((d3*zi)*zj)*gij)) ).
   * dzi and dzj may be the same view (the pair i = i); both updates then land, one after the
   * other.
   */
  secondBackward(
    dzij: Float64Array,
    dzi: Float64Array,
    dzj: Float64Array,
    dz: Float64Array,
    d1: Float64Array,
    d2: Float64Array,
    d3: Float64Array,
    zij: Float64Array,
    zi: Float64Array,
    zj: Float64Array,
    g: Float64Array,
    count: number,
  ): void;
}

/**
 * |omega*z| above which sineValue returns false and leaves sin and cos to Math.sin and Math.cos.
 *
 * The reduction needs q = nearest(|w|·2/π) <= 2^20, which holds up to |w| of about 1.6e6.
 * 1e6, which gives q <= 636 620, leaves a margin. Up to there the products q·pio2_k are exact,
 * because pio2_1, pio2_2 and pio2_3 have at most 33 significant bits, and
 * t1 = |w| − q·pio2_1 is exact by Sterbenz's lemma. The rounding errors of t2 = t1 − q·pio2_2
 * and rh = t2 − q·pio2_3 are exact by Fast2Sum, because |q·pio2_2| < 2^-13 and
 * |q·pio2_3| < 2^-48. So each difference is either small enough to be exact (t1 and t2 are
 * multiples of 2^-65, q·pio2_3 of 2^-96) or its first operand is the larger one. The reduced
 * argument rh + rl then differs from |w| − q·π/2 by less than 2^-135 plus 2^-102·|r|. The
 * first term comes from pio2_3t and q·pio2_3t, the second from rounding rl.
 */
export const SINCOS_LIMIT = 1e6;

// --- Opcodes missing from wasm-emit.ts. ---

const F64 = 0x7c;
const simd = (opcode: number): number[] => [0xfd, ...unsignedLeb(opcode)];
const i32Op = {
  sub: [0x6b],
  and: [0x71],
  eqz: [0x45],
  ltU: [0x49],
  gtU: [0x4b],
};
const v128Op = {
  // Memory argument: log2 of the alignment (a hint, unaligned access is valid), offset 0.
  load: [0xfd, 0x00, 4, 0],
  store: [0xfd, 0x0b, 4, 0],
  // v128.load64_zero reads one double into lane 0 and zeroes lane 1. v128.store64_lane with
  // lane index 0 writes lane 0. Both take a memory argument with 8-byte alignment.
  load64Zero: (offset: number) => [0xfd, 0x5d, 3, ...unsignedLeb(offset)],
  store64Lane0: (offset: number) => [0xfd, 0x5b, 3, ...unsignedLeb(offset), 0],
  f64x2Splat: simd(0x14),
  f64x2Le: simd(0x4b),
  and: simd(0x4e),
  xor: simd(0x51),
  bitselect: simd(0x52),
  i64x2AllTrue: simd(0xc3),
  i64x2Shl: simd(0xcb),
  i64x2Add: simd(0xce),
  i64x2Eq: simd(0xd6),
  f64x2Abs: simd(0xec),
  f64x2Add: simd(0xf0),
  f64x2Sub: simd(0xf1),
  f64x2Mul: simd(0xf2),
};

// --- A small expression layer: each helper returns the bytes that push its value. ---

type Code = number[];

const get = (index: number): Code => op.get(index);
const set = (index: number, value: Code): Code => [...value, ...op.set(index)];
const binary =
  (opcode: Code) =>
  (left: Code, right: Code): Code => [...left, ...right, ...opcode];
const unary =
  (opcode: Code) =>
  (value: Code): Code => [...value, ...opcode];

const add = binary(v128Op.f64x2Add);
const sub = binary(v128Op.f64x2Sub);
const mul = binary(v128Op.f64x2Mul);
const le = binary(v128Op.f64x2Le);
const and = binary(v128Op.and);
const xor = binary(v128Op.xor);
const i64Add = binary(v128Op.i64x2Add);
const i64Eq = binary(v128Op.i64x2Eq);
const abs = unary(v128Op.f64x2Abs);

/** bitselect(ifSet, ifClear, mask): the bits of ifSet where mask is 1, else those of ifClear. */
const bitselect = (ifSet: Code, ifClear: Code, mask: Code): Code => [
  ...ifSet,
  ...ifClear,
  ...mask,
  ...v128Op.bitselect,
];

/** i64x2 lanes shifted left by a constant number of bits. */
const i64Shl = (value: Code, bits: number): Code => [...value, ...op.i32(bits), ...v128Op.i64x2Shl];

function constBytes(write: (view: DataView, offset: number) => void): Code {
  const view = new DataView(new ArrayBuffer(16));
  write(view, 0);
  write(view, 8);
  return [0xfd, 0x0c, ...new Uint8Array(view.buffer)];
}

/** v128.const with `value` in both f64 lanes (WebAssembly constants are little-endian). */
const f64s = (value: number): Code => constBytes((view, at) => view.setFloat64(at, value, true));

/** v128.const with `value` in both i64 lanes. */
const i64s = (value: bigint): Code => constBytes((view, at) => view.setBigInt64(at, value, true));

/** The address base + offset, both i32 locals. */
const address = (base: number, offset: number): Code => [...get(base), ...get(offset), ...op.add];

/** v128.load of two doubles at base + offset. */
const load = (base: number, offset: number): Code => [...address(base, offset), ...v128Op.load];

/** v128.store of `value` at base + offset. */
const store = (base: number, offset: number, value: Code): Code => [
  ...address(base, offset),
  ...value,
  ...v128Op.store,
];

/**
 * v128 constants kept in locals that the function's prologue sets, so that a loop does not
 * rebuild them on every iteration (V8 builds a v128.const from two 64-bit immediates).
 */
class ConstantPool {
  private readonly indexes = new Map<string, number>();
  private readonly values: Code[] = [];

  /** `first` is the index of the first local that the pool may use. */
  constructor(private readonly first: number) {}

  /** Number of locals the pool uses. */
  get size(): number {
    return this.values.length;
  }

  /** Both f64 lanes equal to `value`. */
  f64(value: number): Code {
    return this.local(f64s(value));
  }

  /** Both i64 lanes equal to `value`. */
  i64(value: bigint): Code {
    return this.local(i64s(value));
  }

  /** Code that sets every local of the pool, for the start of the function. */
  prologue(): Code {
    return this.values.flatMap((bytes, k) => set(this.first + k, bytes));
  }

  private local(bytes: Code): Code {
    const key = bytes.join(",");
    let index = this.indexes.get(key);
    if (index === undefined) {
      index = this.first + this.values.length;
      this.indexes.set(key, index);
      this.values.push(bytes);
    }
    return get(index);
  }
}

/** Assigns consecutive local indexes, starting at `first`, to `names`. */
function indexLocals<const Name extends string>(
  first: number,
  names: readonly Name[],
): Record<Name, number> {
  const indexes = {} as Record<Name, number>;
  names.forEach((localName, k) => {
    indexes[localName] = first + k;
  });
  return indexes;
}

/** The local declarations of a function body: `i32s` i32 locals, then `v128s` v128 locals. */
function declareLocals(i32s: number, v128s: number): Code {
  return vector([
    [...unsignedLeb(i32s), I32],
    [...unsignedLeb(v128s), V128],
  ]);
}

// --- Elementwise kernels: (views..., pairs) with byte offsets, one pair per iteration. ---

/**
 * Builds a kernel over `parameters` i32 parameters (byte offsets of the views, then the
 * number of pairs). `body(offset, temporary)` emits one iteration for the pair at byte
 * `offset` of every view. The loop counts the pairs down, so no byte count can overflow i32.
 */
function elementwiseFunction(
  parameters: number,
  temporaries: number,
  body: (offset: number, temporary: (k: number) => number) => Code,
): Code {
  const pairs = parameters - 1;
  const offset = parameters;
  const temporary = (k: number) => parameters + 1 + k;
  const code = [
    ...set(offset, op.i32(0)),
    ...op.block,
    ...op.loop,
    ...get(pairs),
    ...i32Op.eqz,
    ...op.brIf(1),
    ...body(offset, temporary),
    ...set(offset, [...get(offset), ...op.i32(16), ...op.add]),
    ...set(pairs, [...get(pairs), ...op.i32(1), ...i32Op.sub]),
    ...op.br(0),
    ...op.end,
    ...op.end,
    ...op.end,
  ];
  return [...declareLocals(1, temporaries), ...code];
}

/** (out, a, b, pairs): out = a * b. Serves firstForward (y = d1·zi) and valueBackward (dz = d1·g). */
function productFunction(): Code {
  return elementwiseFunction(4, 0, (at) => store(0, at, mul(load(1, at), load(2, at))));
}

/** (y, d1, zij, d2, zi, zj, pairs): y = (d1·zij) + ((d2·zi)·zj). */
function secondForwardFunction(): Code {
  return elementwiseFunction(7, 0, (at) =>
    store(
      0,
      at,
      add(mul(load(1, at), load(2, at)), mul(mul(load(3, at), load(4, at)), load(5, at))),
    ),
  );
}

/** (dzi, dz, d1, d2, zi, gi, pairs): dzi = d1·gi, then dz = dz + ((d2·zi)·gi). */
function firstBackwardFunction(): Code {
  return elementwiseFunction(7, 1, (at, temporary) => {
    const gi = temporary(0);
    return [
      ...set(gi, load(5, at)),
      ...store(0, at, mul(load(2, at), get(gi))),
      ...store(1, at, add(load(1, at), mul(mul(load(3, at), load(4, at)), get(gi)))),
    ];
  });
}

/**
 * (dzij, dzi, dzj, dz, d1, d2, d3, zij, zi, zj, g, pairs), in the statement order of the
 * JavaScript loop. dzj is loaded after dzi is stored, so an aliased dzi = dzj gets both updates.
 */
function secondBackwardFunction(): Code {
  return elementwiseFunction(12, 4, (at, temporary) => {
    const [gij, zi, zj, weighted] = [0, 1, 2, 3].map(temporary);
    return [
      ...set(gij, load(10, at)),
      ...set(zi, load(8, at)),
      ...set(zj, load(9, at)),
      ...set(weighted, mul(load(5, at), get(gij))),
      ...store(0, at, mul(load(4, at), get(gij))),
      ...store(1, at, add(load(1, at), mul(get(weighted), get(zj)))),
      ...store(2, at, add(load(2, at), mul(get(weighted), get(zi)))),
      ...store(
        3,
        at,
        add(
          load(3, at),
          add(
            mul(get(weighted), load(7, at)),
            mul(mul(mul(load(6, at), get(zi)), get(zj)), get(gij)),
          ),
        ),
      ),
    ];
  });
}

// --- sin and cos. ---

// π/2 split into parts, from fdlibm's e_rem_pio2.c: pio2_1 = 0x3FF921FB54400000,
// pio2_2 = 0x3DD0B4611A600000 and pio2_3 = 0x3BA3198A2E000000 have at most 33 significant
// bits. pio2_3t = 0x397B839A252049C1 is π/2 − (pio2_1 + pio2_2 + pio2_3), and invpio2 is 2/π.
const INV_PIO2 = 0.6366197723675814;
const PIO2_1 = 1.5707963267341256;
const PIO2_2 = 6.077100506303966e-11;
const PIO2_3 = 2.0222662487111665e-21;
const PIO2_3T = 8.4784276603689e-32;

function factorial(n: number): number {
  let product = 1;
  for (let k = 2; k <= n; k++) product *= k;
  return product;
}

/** Coefficients ±1/n! for n = first, first + 2, ..., last, with alternating signs from `sign`. */
function taylorCoefficients(first: number, last: number, sign: number): number[] {
  const coefficients: number[] = [];
  for (let n = first, s = sign; n <= last; n += 2, s = -s) coefficients.push(s / factorial(n));
  return coefficients;
}

// sin r = r + r³·P(r²), P(x) = −1/3! + x/5! − ... + x⁷/17!; cos r = 1 − r²/2 + r⁴·Q(r²),
// Q(x) = 1/4! − x/6! + ... − x⁷/18!. |r| exceeds π/4 by at most 3e-10, the error of the
// rounded a·2/π (below 2^-52·a·2/π for a <= SINCOS_LIMIT) times π/2. There the first omitted
// terms, r^19/19! and r^20/20!, are below 8.3e-20 and 3.3e-21, under 2^-60 of sin(π/4) and of
// cos(π/4). Every n! up to 18! is an integer below 2^53, so each 1/n! is correctly rounded.
const SIN_COEFFICIENTS = taylorCoefficients(3, 17, -1);
const COS_COEFFICIENTS = taylorCoefficients(4, 18, 1);

/** c0 + x·(c1 + x·(c2 + ...)), Horner's scheme in the v128 local x. */
function horner(x: number, coefficients: number[], constants: ConstantPool): Code {
  let value = constants.f64(coefficients[coefficients.length - 1]);
  for (let k = coefficients.length - 2; k >= 0; k--) {
    value = add(constants.f64(coefficients[k]), mul(get(x), value));
  }
  return value;
}

/** Locals of the sin and cos of one f64x2 group. The loop over columns runs two groups. */
const GROUP_LOCALS = [
  "z",
  "w",
  "a",
  "shifted",
  "q",
  "t1",
  "product",
  "t2",
  "e2",
  "rh",
  "rl",
  "r2",
  "h",
  "sinR",
  "cosR",
  "oneMinusH",
  "swap",
  "sin",
  "cos",
] as const;
type GroupLocals = Record<(typeof GROUP_LOCALS)[number], number>;

/**
 * Returns the statements that set L.sin and L.cos to sin and cos of the lanes of L.w, and
 * clear in the mask `inRange` the lanes where |w| <= SINCOS_LIMIT fails (which includes NaN).
 * Those lanes get garbage values.
 *
 * The bounds below put each result within 1 ulp of the true value. The tests check that
 * against a fixed-point reference, and allow 2 ulp between these results and Math.sin.
 * - The reduced argument rh + rl is exact to 2^-135 + 2^-102·|r| (see SINCOS_LIMIT), so
 *   results near zero, at w next to a multiple of π/2, keep their relative accuracy.
 * - sin: S = rh + T with |T| <= |r|³/6 <= 0.081. T's rounding errors add up to about 5.1u·|T|
 *   (u = 2^-53), at most 0.41 ulp of S in [0.5, 1), plus 0.5 ulp for the final sum. The
 *   correction rl·(1 − h) stands for sin(rh + rl) − sin(rh) = rl·cos(rh) + O(rl²) up to
 *   |rl|·r⁴/24, below 0.02 ulp because |rl| <= ulp(rh).
 * - cos: C = (1 − h) + (ec + (r⁴·Q − S·rl)), where ec = ((1 − (1 − h)) − h) is the exact
 *   rounding error of 1 − h by Sterbenz's lemma. The error of h = r²/2 is at most u/4, so
 *   0.25 ulp of C in [0.5, 1]; with the final 0.5 ulp and about 0.08 ulp from r⁴·Q: 0.83 ulp.
 */
function sinCosStatements(L: GroupLocals, inRange: number, constants: ConstantPool): Code[] {
  const statements: Code[] = [];

  // a = |w|: sin(w) = sign(w)·sin(a) and cos(w) = cos(a), so sin(−0) = −0 as in Math.sin.
  statements.push(set(L.a, abs(get(L.w))));
  statements.push(set(inRange, and(get(inRange), le(get(L.a), constants.f64(SINCOS_LIMIT)))));

  // q = nearest(a·2/π), through shifted = a·2/π + 2^52: for 0 <= a·2/π < 2^51 the sum rounds
  // the product to an integer (ties to even, as f64x2.nearest), and the low bits of its
  // bit pattern are q. Then r = a − q·π/2 = rh + rl.
  statements.push(
    set(L.shifted, add(mul(get(L.a), constants.f64(INV_PIO2)), constants.f64(2 ** 52))),
  );
  statements.push(set(L.q, sub(get(L.shifted), constants.f64(2 ** 52))));
  statements.push(set(L.t1, sub(get(L.a), mul(get(L.q), constants.f64(PIO2_1)))));
  statements.push(set(L.product, mul(get(L.q), constants.f64(PIO2_2))));
  statements.push(set(L.t2, sub(get(L.t1), get(L.product))));
  statements.push(set(L.e2, sub(sub(get(L.t1), get(L.t2)), get(L.product))));
  statements.push(set(L.product, mul(get(L.q), constants.f64(PIO2_3))));
  statements.push(set(L.rh, sub(get(L.t2), get(L.product))));
  const e3 = sub(sub(get(L.t2), get(L.rh)), get(L.product));
  statements.push(set(L.rl, sub(add(get(L.e2), e3), mul(get(L.q), constants.f64(PIO2_3T)))));

  // sin r = rh + (rh·r²·P(r²) + (rl − h·rl)), with r² and h = r²/2 from rh alone.
  statements.push(set(L.r2, mul(get(L.rh), get(L.rh))));
  statements.push(set(L.h, mul(get(L.r2), constants.f64(0.5))));
  const sinTail = mul(mul(get(L.rh), get(L.r2)), horner(L.r2, SIN_COEFFICIENTS, constants));
  const sinCorrection = sub(get(L.rl), mul(get(L.h), get(L.rl)));
  statements.push(set(L.sinR, add(get(L.rh), add(sinTail, sinCorrection))));

  // cos r = (1 − h) + (((1 − (1 − h)) − h) + (r⁴·Q(r²) − (sin r)·rl)).
  statements.push(set(L.oneMinusH, sub(constants.f64(1), get(L.h))));
  const roundingError = sub(sub(constants.f64(1), get(L.oneMinusH)), get(L.h));
  const cosTail = sub(
    mul(mul(get(L.r2), get(L.r2)), horner(L.r2, COS_COEFFICIENTS, constants)),
    mul(get(L.sinR), get(L.rl)),
  );
  statements.push(set(L.cosR, add(get(L.oneMinusH), add(roundingError, cosTail))));

  // Quadrant n = q mod 4, the low bits of `shifted`: sin a = (sin r, cos r, −sin r, −cos r)[n]
  // and cos a = (cos r, −sin r, −cos r, sin r)[n]. Bit 1 of n, shifted to bit 63, is the sign
  // flip of sin, and bit 1 of n + 1 is that of cos.
  statements.push(set(L.swap, i64Eq(and(get(L.shifted), constants.i64(1n)), constants.i64(1n))));
  const sinFlip = i64Shl(and(get(L.shifted), constants.i64(2n)), 62);
  const cosFlip = i64Shl(and(i64Add(get(L.shifted), constants.i64(1n)), constants.i64(2n)), 62);
  const signOfW = and(get(L.w), constants.i64(-(2n ** 63n)));
  const sinA = bitselect(get(L.cosR), get(L.sinR), get(L.swap));
  statements.push(set(L.sin, xor(sinA, xor(sinFlip, signOfW))));
  statements.push(set(L.cos, xor(bitselect(get(L.sinR), get(L.cosR), get(L.swap)), cosFlip)));
  return statements;
}

/** Statement lists merged one from each in turn, so two independent groups overlap in time. */
function interleave(first: Code[], second: Code[]): Code {
  const code: Code = [];
  for (let k = 0; k < Math.max(first.length, second.length); k++) {
    code.push(...(first[k] ?? []), ...(second[k] ?? []));
  }
  return code;
}

/**
 * (z, bias, y, d1, d2, d3, points, width: i32; omega, k2, k3: f64) → i32, 1 when every |w|
 * was at most SINCOS_LIMIT and 0 otherwise. Runs each row over groups of four columns as two
 * interleaved f64x2 groups, then a last pair of columns, then an odd last column in lane 0
 * of the same code (lane 1 is w = 0, which is in range).
 */
function sineValueFunction(): Code {
  const P = {
    z: 0,
    bias: 1,
    y: 2,
    d1: 3,
    d2: 4,
    d3: 5,
    points: 6,
    width: 7,
    omega: 8,
    k2: 9,
    k3: 10,
  };
  const I = indexLocals(11, ["row", "rowStart", "column", "at", "pairBytes"] as const);
  const shared = indexLocals(16, ["omega", "k2", "k3", "inRange"] as const);
  const first = indexLocals(20, GROUP_LOCALS);
  const second = indexLocals(20 + GROUP_LOCALS.length, GROUP_LOCALS);
  const constants = new ConstantPool(20 + 2 * GROUP_LOCALS.length);
  const code: Code = [];
  const emit = (...parts: Code[]) => {
    for (const part of parts) code.push(...part);
  };
  const i32Add = (left: Code, right: Code): Code => [...left, ...right, ...op.add];

  // The statements for one group of elements at byte `shift` past column `I.column` of the row
  // at `I.rowStart` (I.at is their sum). `lanes` 2 loads and stores a v128, 1 only lane 0.
  const group = (L: GroupLocals, shift: number, lanes: 1 | 2): Code[] => {
    const load = (base: number, offset: number): Code =>
      lanes === 2
        ? [...address(base, offset), ...op.v128Load(shift)]
        : [...address(base, offset), ...v128Op.load64Zero(shift)];
    const store = (base: number, value: Code): Code =>
      lanes === 2
        ? [...address(base, I.at), ...value, ...op.v128Store(shift)]
        : [...address(base, I.at), ...value, ...v128Op.store64Lane0(shift)];
    return [
      set(L.z, add(load(P.z, I.at), load(P.bias, I.column))),
      store(P.z, get(L.z)),
      set(L.w, mul(get(shared.omega), get(L.z))),
      ...sinCosStatements(L, shared.inRange, constants),
      store(P.y, get(L.sin)),
      store(P.d1, mul(get(shared.omega), get(L.cos))),
      store(P.d2, mul(get(shared.k2), get(L.sin))),
      store(P.d3, mul(get(shared.k3), get(L.cos))),
    ];
  };
  const setAt = set(I.at, i32Add(get(I.rowStart), get(I.column)));
  const advance = (bytes: number) => set(I.column, i32Add(get(I.column), op.i32(bytes)));

  emit(set(shared.omega, [...get(P.omega), ...v128Op.f64x2Splat]));
  emit(set(shared.k2, [...get(P.k2), ...v128Op.f64x2Splat]));
  emit(set(shared.k3, [...get(P.k3), ...v128Op.f64x2Splat]));
  emit(set(shared.inRange, i64s(-1n)));
  // Bytes of the paired columns of a row: (width / 2)·16.
  emit(set(I.pairBytes, [...get(P.width), ...op.i32(1), ...op.shrU, ...op.i32(4), ...op.shl]));
  emit(set(I.rowStart, op.i32(0)), set(I.row, op.i32(0)));

  // for (row = 0; row < points; row++)
  emit(op.block, op.loop, get(I.row), get(P.points), op.geU, op.brIf(1));

  // for (column = 0; column + 32 <= pairBytes; column += 32): four columns.
  emit(set(I.column, op.i32(0)), op.block, op.loop);
  emit(i32Add(get(I.column), op.i32(32)), get(I.pairBytes), i32Op.gtU, op.brIf(1));
  emit(setAt, interleave(group(first, 0, 2), group(second, 16, 2)));
  emit(advance(32), op.br(0), op.end, op.end);

  // A last pair of columns, then an odd last column.
  emit(get(I.column), get(I.pairBytes), i32Op.ltU, op.if);
  emit(setAt, ...group(first, 0, 2), advance(16), op.end);
  emit(get(P.width), op.i32(1), i32Op.and, op.if);
  emit(setAt, ...group(first, 0, 1), op.end);

  // rowStart += width·8; row++
  emit(set(I.rowStart, i32Add(get(I.rowStart), [...get(P.width), ...op.i32(3), ...op.shl])));
  emit(set(I.row, i32Add(get(I.row), op.i32(1))), op.br(0), op.end, op.end);

  emit([...get(shared.inRange), ...v128Op.i64x2AllTrue], op.end);
  const locals = declareLocals(5, 4 + 2 * GROUP_LOCALS.length + constants.size);
  return [...locals, ...constants.prologue(), ...code];
}

const EXPORTS = ["product", "secondForward", "firstBackward", "secondBackward", "sineValue"];

// NOTE: the module is about 3.6 KB. Chrome has refused synchronous compilation of modules over
// 4 KB on the main thread (8 MB in recent versions), so growing it past 4 KB may need an
// asynchronous WebAssembly.compile there.
function moduleBytes(shared: boolean): Uint8Array {
  const i32s = (count: number) => new Array<number>(count).fill(I32);
  const types = [
    [0x60, ...vector(i32s(4).map((t) => [t])), 0x00],
    [0x60, ...vector(i32s(7).map((t) => [t])), 0x00],
    [0x60, ...vector(i32s(12).map((t) => [t])), 0x00],
    [0x60, ...vector([...i32s(8), F64, F64, F64].map((t) => [t])), ...vector([[I32]])],
  ];
  const bodies = [
    productFunction(),
    secondForwardFunction(),
    firstBackwardFunction(),
    secondBackwardFunction(),
    sineValueFunction(),
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector(types)),
    // Import env.memory with a minimum of 0 pages, so any memory fits; a shared memory also
    // declares the largest maximum.
    ...section(2, vector([[...name("env"), ...name("memory"), 0x02, ...memoryLimits(shared, 0)]])),
    ...section(3, vector([[0], [1], [1], [2], [3]])),
    ...section(7, vector(EXPORTS.map((exportName, k) => [...name(exportName), 0x00, k]))),
    ...section(10, vector(bodies.map((body) => [...unsignedLeb(body.length), ...body]))),
  ]);
}

// --- JavaScript side: argument checks, the call, and an odd last element. ---

interface KernelExports {
  product(out: number, a: number, b: number, pairs: number): void;
  secondForward(...offsetsAndPairs: number[]): void;
  firstBackward(...offsetsAndPairs: number[]): void;
  secondBackward(...offsetsAndPairs: number[]): void;
  sineValue(
    z: number,
    bias: number,
    y: number,
    d1: number,
    d2: number,
    d3: number,
    points: number,
    width: number,
    omega: number,
    k2: number,
    k3: number,
  ): number;
}

/**
 * The compiled modules for private and for shared memory, built once per process, or null
 * where WebAssembly SIMD (or, for shared memory, WebAssembly threads) is missing.
 */
const compiled: ({ wasm: WasmApi; module: object } | null | undefined)[] = [undefined, undefined];

function compiledModule(shared: boolean): { wasm: WasmApi; module: object } | null {
  const slot = shared ? 1 : 0;
  const cached = compiled[slot];
  if (cached !== undefined) return cached;
  compiled[slot] = null;
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    compiled[slot] = { wasm, module: new wasm.Module(moduleBytes(shared)) };
  } catch (error) {
    // A CompileError means that the engine lacks the SIMD extension. Any other error is a bug
    // in the module bytes, so it propagates.
    if (!(error instanceof Error) || error.name !== "CompileError") throw error;
  }
  return compiled[slot];
}

/** Placeholder for the unused entries of the staged views. */
const NO_VIEW: Float64Array = new Float64Array(0);

const FIRST_FORWARD = ["y", "d1", "zi"];
const SECOND_FORWARD = ["y", "d1", "zij", "d2", "zi", "zj"];
const VALUE_BACKWARD = ["dz", "d1", "g"];
const FIRST_BACKWARD = ["dzi", "dz", "d1", "d2", "zi", "gi"];
const SECOND_BACKWARD = ["dzij", "dzi", "dzj", "dz", "d1", "d2", "d3", "zij", "zi", "zj", "g"];
const SINE_VALUE = ["z", "bias", "y", "d1", "d2", "d3"];

/** Throws a RangeError unless `value` is a non-negative integer. */
function checkCount(kernel: string, label: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(
      `${kernel}: ${label} must be a non-negative integer, received ${String(value)}`,
    );
  }
}

/**
 * Instantiates the kernels on `memory`, imported as env.memory. Returns null where WebAssembly
 * or its SIMD extension is missing. The module is compiled once per process.
 *
 * Every view argument must lie in `memory.buffer` (a view made before the memory grew does
 * not) and hold at least the elements the call reads or writes. In the elementwise passes an
 * output view must either be the same view as another argument (same byte offset) or not
 * overlap it, because a partial overlap would give other results than the element-by-element
 * JavaScript loop. The six views of sineValue must not overlap at all. The checks throw a
 * RangeError that names the argument.
 */
export function instantiateJetKernels(memory: WasmMemory): JetKernels | null {
  const shared =
    typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
  const built = compiledModule(shared);
  if (built === null) return null;
  const instance = new built.wasm.Instance(built.module, { env: { memory } });
  const raw = instance.exports as unknown as KernelExports;

  // The views of the call being checked, in argument order. One array serves every call, so
  // the checks allocate nothing. Entries past the current call's arguments are stale.
  const views: Float64Array[] = new Array<Float64Array>(11).fill(NO_VIEW);
  function stage(
    v0: Float64Array,
    v1: Float64Array,
    v2: Float64Array,
    v3: Float64Array = NO_VIEW,
    v4: Float64Array = NO_VIEW,
    v5: Float64Array = NO_VIEW,
    v6: Float64Array = NO_VIEW,
    v7: Float64Array = NO_VIEW,
    v8: Float64Array = NO_VIEW,
    v9: Float64Array = NO_VIEW,
    v10: Float64Array = NO_VIEW,
  ): void {
    views[0] = v0;
    views[1] = v1;
    views[2] = v2;
    views[3] = v3;
    views[4] = v4;
    views[5] = v5;
    views[6] = v6;
    views[7] = v7;
    views[8] = v8;
    views[9] = v9;
    views[10] = v10;
  }

  /**
   * Checks views[0 .. labels.length): each in memory with `count` elements, and each of the
   * first `outputs` either the same as or disjoint from every other view.
   */
  function checkElementwise(kernel: string, labels: string[], outputs: number, count: number) {
    checkCount(kernel, "count", count);
    const buffer = memory.buffer;
    for (let k = 0; k < labels.length; k++) checkView(kernel, labels[k], views[k], count, buffer);
    const bytes = 8 * count;
    for (let o = 0; o < outputs; o++) {
      for (let k = 0; k < labels.length; k++) {
        const distance = Math.abs(views[o].byteOffset - views[k].byteOffset);
        if (distance !== 0 && distance < bytes) {
          throw new RangeError(
            `${kernel}: ${labels[o]} overlaps ${labels[k]} by part of their ${count} elements; pass the same view or disjoint views`,
          );
        }
      }
    }
  }

  return {
    sineValue(z, bias, y, d1, d2, d3, points, width, omega, k2, k3) {
      const label = "sineValue";
      checkCount(label, "points", points);
      checkCount(label, "width", width);
      const buffer = memory.buffer;
      const size = points * width;
      stage(z, bias, y, d1, d2, d3);
      for (let k = 0; k < SINE_VALUE.length; k++) {
        checkView(label, SINE_VALUE[k], views[k], k === 1 ? width : size, buffer);
      }
      for (let k = 0; k < SINE_VALUE.length; k++) {
        for (let m = k + 1; m < SINE_VALUE.length; m++) {
          const kEnd = views[k].byteOffset + 8 * (k === 1 ? width : size);
          const mEnd = views[m].byteOffset + 8 * (m === 1 ? width : size);
          if (views[k].byteOffset < mEnd && views[m].byteOffset < kEnd) {
            throw new RangeError(
              `sineValue: ${SINE_VALUE[k]} and ${SINE_VALUE[m]} overlap; pass disjoint views`,
            );
          }
        }
      }
      const allInRange = raw.sineValue(
        z.byteOffset,
        bias.byteOffset,
        y.byteOffset,
        d1.byteOffset,
        d2.byteOffset,
        d3.byteOffset,
        points,
        width,
        omega,
        k2,
        k3,
      );
      return allInRange === 1;
    },

    firstForward(y, d1, zi, count) {
      stage(y, d1, zi);
      checkElementwise("firstForward", FIRST_FORWARD, 1, count);
      raw.product(y.byteOffset, d1.byteOffset, zi.byteOffset, count >>> 1);
      if (count % 2 === 1) {
        const e = count - 1;
        y[e] = d1[e] * zi[e];
      }
    },

    secondForward(y, d1, zij, d2, zi, zj, count) {
      stage(y, d1, zij, d2, zi, zj);
      checkElementwise("secondForward", SECOND_FORWARD, 1, count);
      raw.secondForward(
        y.byteOffset,
        d1.byteOffset,
        zij.byteOffset,
        d2.byteOffset,
        zi.byteOffset,
        zj.byteOffset,
        count >>> 1,
      );
      if (count % 2 === 1) {
        const e = count - 1;
        y[e] = d1[e] * zij[e] + d2[e] * zi[e] * zj[e];
      }
    },

    valueBackward(dz, d1, g, count) {
      stage(dz, d1, g);
      checkElementwise("valueBackward", VALUE_BACKWARD, 1, count);
      raw.product(dz.byteOffset, d1.byteOffset, g.byteOffset, count >>> 1);
      if (count % 2 === 1) {
        const e = count - 1;
        dz[e] = d1[e] * g[e];
      }
    },

    firstBackward(dzi, dz, d1, d2, zi, gi, count) {
      stage(dzi, dz, d1, d2, zi, gi);
      checkElementwise("firstBackward", FIRST_BACKWARD, 2, count);
      raw.firstBackward(
        dzi.byteOffset,
        dz.byteOffset,
        d1.byteOffset,
        d2.byteOffset,
        zi.byteOffset,
        gi.byteOffset,
        count >>> 1,
      );
      if (count % 2 === 1) {
        const e = count - 1;
        const g = gi[e];
        dzi[e] = d1[e] * g;
        dz[e] += d2[e] * zi[e] * g;
      }
    },

    secondBackward(dzij, dzi, dzj, dz, d1, d2, d3, zij, zi, zj, g, count) {
      stage(dzij, dzi, dzj, dz, d1, d2, d3, zij, zi, zj, g);
      checkElementwise("secondBackward", SECOND_BACKWARD, 4, count);
      raw.secondBackward(
        dzij.byteOffset,
        dzi.byteOffset,
        dzj.byteOffset,
        dz.byteOffset,
        d1.byteOffset,
        d2.byteOffset,
        d3.byteOffset,
        zij.byteOffset,
        zi.byteOffset,
        zj.byteOffset,
        g.byteOffset,
        count >>> 1,
      );
      if (count % 2 === 1) {
        const e = count - 1;
        const gij = g[e];
        const ziValue = zi[e];
        const zjValue = zj[e];
        const weighted = d2[e] * gij;
        dzij[e] = d1[e] * gij;
        dzi[e] += weighted * zjValue;
        dzj[e] += weighted * ziValue;
        dz[e] += weighted * zij[e] + d3[e] * ziValue * zjValue * gij;
      }
    },
  };
}

/** Throws a RangeError unless `view` lies in `buffer` with at least `length` elements. */
function checkView(
  kernel: string,
  label: string,
  view: Float64Array,
  length: number,
  buffer: ArrayBuffer,
): void {
  if (view.buffer !== buffer) {
    throw new RangeError(
      `${kernel}: ${label} is not a view of the kernels' WebAssembly memory (or the memory grew since the view was made); carve it from that memory's current buffer`,
    );
  }
  if (view.length < length) {
    throw new RangeError(
      `${kernel}: ${label} has ${view.length} elements but the call needs ${length}`,
    );
  }
}
