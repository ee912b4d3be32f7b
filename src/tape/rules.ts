// The op table: each tape op's forward rule and vector-Jacobian product, side by side.

import { tanhAndSlope } from "../dual/batch-activation.js";
import { BinaryCode, type BroadcastPlan, broadcastForward, broadcastVjp } from "./broadcast.js";
import {
  type MatmulSizes,
  matmulForward,
  matmulTransposeBForward,
  matmulTransposeBVjp,
  matmulVjp,
} from "./matmul.js";

/** A tensor split as outer × length × inner around one axis (a full reduction is 1 × size × 1). */
export interface AxisSplit {
  readonly outer: number;
  readonly length: number;
  readonly inner: number;
}

/** Concatenation along one axis: every input is outer × lengths[t] × inner. */
export interface ConcatAttrs {
  readonly outer: number;
  readonly inner: number;
  readonly lengths: readonly number[];
}

/** `where(mask, a, b)`: strides of 0 let a scalar `a` or `b` stand for a full tensor. */
export interface WhereAttrs {
  readonly strideA: number;
  readonly strideB: number;
}

/** A user-defined op recorded with `tape.custom`. */
export interface CustomAttrs {
  readonly name: string;
  readonly forward: (out: Float64Array) => void;
  readonly vjp: (ct: Float64Array, inputCts: (Float64Array | null)[]) => void;
}

/** The attributes each op stores on its node, keyed by op name. */
export interface OpAttrs {
  matmul: MatmulSizes;
  matmulTransposeB: MatmulSizes;
  add: BroadcastPlan;
  sub: BroadcastPlan;
  mul: BroadcastPlan;
  div: BroadcastPlan;
  scale: { readonly factor: number };
  neg: null;
  square: null;
  sin: null;
  cos: null;
  tanh: null;
  relu: null;
  exp: null;
  log: null;
  sqrt: null;
  sum: AxisSplit;
  mean: AxisSplit;
  concat: ConcatAttrs;
  slice: { readonly offset: number };
  gather: { readonly rows: Int32Array; readonly rowSize: number };
  reshape: null;
  where: WhereAttrs;
  custom: CustomAttrs;
}

export type OpName = keyof OpAttrs;

/**
 * One op's rules. `forward` writes the value into `out` and must not read `out`.
 * `vjp` ADDS each input's cotangent contribution into `inputCts[i]`, which is null for
 * inputs that need no gradient. It reads the saved `inputs` and `out` and never writes
 * them. Rules multiply a cotangent by a local derivative only when the cotangent is
 * nonzero, so a zero cotangent stays zero where the derivative is infinite.
 */
export interface Rule<K extends OpName> {
  forward(inputs: readonly Float64Array[], out: Float64Array, attrs: OpAttrs[K]): void;
  vjp(
    ct: Float64Array,
    inputs: readonly Float64Array[],
    out: Float64Array,
    inputCts: (Float64Array | null)[],
    attrs: OpAttrs[K],
  ): void;
}

// One-element outputs of tanhAndSlope in the tanh vjp, of which only sech² is read.
const tanhScratch = new Float64Array(1);
const sechSquaredScratch = new Float64Array(1);

/** Every op's rules. The mapped type makes a missing rule a compile error. */
export const rules: { [K in OpName]: Rule<K> } = {
  // out = a·b;  ct_a = ct·bᵀ, ct_b = aᵀ·ct
  matmul: {
    forward: ([a, b], out, s) => matmulForward(s, a, b, out),
    vjp: (ct, [a, b], _out, [ctA, ctB], s) => matmulVjp(s, ct, a, b, ctA, ctB),
  },

  // out = a·bᵀ;  ct_a = ct·b, ct_b = ctᵀ·a
  matmulTransposeB: {
    forward: ([a, b], out, s) => matmulTransposeBForward(s, a, b, out),
    vjp: (ct, [a, b], _out, [ctA, ctB], s) => matmulTransposeBVjp(s, ct, a, b, ctA, ctB),
  },

  // d(a + b) = da + db, summed over broadcast axes
  add: {
    forward: ([a, b], out, p) => broadcastForward(BinaryCode.Add, p, a, b, out),
    vjp: (ct, [a, b], out, [ctA, ctB], p) =>
      broadcastVjp(BinaryCode.Add, p, ct, a, b, out, ctA, ctB),
  },

  // d(a - b) = da - db
  sub: {
    forward: ([a, b], out, p) => broadcastForward(BinaryCode.Sub, p, a, b, out),
    vjp: (ct, [a, b], out, [ctA, ctB], p) =>
      broadcastVjp(BinaryCode.Sub, p, ct, a, b, out, ctA, ctB),
  },

  // d(a b) = b da + a db
  mul: {
    forward: ([a, b], out, p) => broadcastForward(BinaryCode.Mul, p, a, b, out),
    vjp: (ct, [a, b], out, [ctA, ctB], p) =>
      broadcastVjp(BinaryCode.Mul, p, ct, a, b, out, ctA, ctB),
  },

  // d(a / b) = da / b - (a / b²) db
  div: {
    forward: ([a, b], out, p) => broadcastForward(BinaryCode.Div, p, a, b, out),
    vjp: (ct, [a, b], out, [ctA, ctB], p) =>
      broadcastVjp(BinaryCode.Div, p, ct, a, b, out, ctA, ctB),
  },

  // d(c a) = c da
  scale: {
    forward: ([a], out, { factor }) => {
      for (let i = 0; i < out.length; i++) out[i] = factor * a[i];
    },
    vjp: (ct, _inputs, _out, [ctA], { factor }) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) ctA[i] += factor * ct[i];
    },
  },

  // d(-a) = -da
  neg: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = -a[i];
    },
    vjp: (ct, _inputs, _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) ctA[i] -= ct[i];
    },
  },

  // d(a²) = 2a da
  square: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = a[i] * a[i];
    },
    vjp: (ct, [a], _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) if (ct[i] !== 0) ctA[i] += 2 * a[i] * ct[i];
    },
  },

  // d sin(a) = cos(a) da
  sin: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.sin(a[i]);
    },
    vjp: (ct, [a], _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) if (ct[i] !== 0) ctA[i] += Math.cos(a[i]) * ct[i];
    },
  },

  // d cos(a) = -sin(a) da
  cos: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.cos(a[i]);
    },
    vjp: (ct, [a], _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) if (ct[i] !== 0) ctA[i] -= Math.sin(a[i]) * ct[i];
    },
  },

  // d tanh(a) = sech²(a) da, with sech² from exp(−2|a|) because 1 − tanh² cancels for large |a|
  tanh: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.tanh(a[i]);
    },
    vjp: (ct, [a], _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) {
        if (ct[i] === 0) continue;
        tanhAndSlope(a[i], 0, tanhScratch, sechSquaredScratch);
        ctA[i] += sechSquaredScratch[0] * ct[i];
      }
    },
  },

  // d relu(a) = [a > 0] da, taking relu'(0) = 0
  relu: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.max(a[i], 0);
    },
    vjp: (ct, [a], _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) if (a[i] > 0) ctA[i] += ct[i];
    },
  },

  // d exp(a) = exp(a) da
  exp: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.exp(a[i]);
    },
    vjp: (ct, _inputs, out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) if (ct[i] !== 0) ctA[i] += out[i] * ct[i];
    },
  },

  // d log(a) = da / a. Below 0 the value is NaN, and so is the cotangent (ct/a would be finite).
  log: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.log(a[i]);
    },
    vjp: (ct, [a], _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) {
        if (ct[i] !== 0) ctA[i] += a[i] < 0 ? Number.NaN : ct[i] / a[i];
      }
    },
  },

  // d sqrt(a) = da / (2 sqrt(a))
  sqrt: {
    forward: ([a], out) => {
      for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(a[i]);
    },
    vjp: (ct, _inputs, out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) if (ct[i] !== 0) ctA[i] += (0.5 * ct[i]) / out[i];
    },
  },

  // out[o, i] = Σ_k a[o, k, i];  ct_a[o, k, i] = ct[o, i]
  sum: {
    forward: ([a], out, split) => reduceForward(split, 1, a, out),
    vjp: (ct, _inputs, _out, [ctA], split) => reduceVjp(split, 1, ct, ctA),
  },

  // out = sum / length;  ct_a = ct / length
  mean: {
    forward: ([a], out, split) => reduceForward(split, 1 / split.length, a, out),
    vjp: (ct, _inputs, _out, [ctA], split) => reduceVjp(split, 1 / split.length, ct, ctA),
  },

  // out = [a0 | a1 | ...] along one axis;  each ct_t is its block of ct
  concat: {
    forward: (inputs, out, c) => {
      let position = 0;
      for (let o = 0; o < c.outer; o++) {
        for (let t = 0; t < inputs.length; t++) {
          const block = c.lengths[t] * c.inner;
          out.set(inputs[t].subarray(o * block, o * block + block), position);
          position += block;
        }
      }
    },
    vjp: (ct, _inputs, _out, inputCts, c) => {
      let position = 0;
      for (let o = 0; o < c.outer; o++) {
        for (let t = 0; t < inputCts.length; t++) {
          const block = c.lengths[t] * c.inner;
          const ctT = inputCts[t];
          if (ctT !== null) {
            for (let i = 0; i < block; i++) ctT[o * block + i] += ct[position + i];
          }
          position += block;
        }
      }
    },
  },

  // out = a[start:end] (rows, stored as a view when the op records it);  ct_a[start:end] += ct
  slice: {
    forward: ([a], out, { offset }) => {
      if (out.buffer !== a.buffer || out.byteOffset !== a.byteOffset + 8 * offset) {
        out.set(a.subarray(offset, offset + out.length));
      }
    },
    vjp: (ct, _inputs, _out, [ctA], { offset }) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) ctA[offset + i] += ct[i];
    },
  },

  // out[r] = a[rows[r]];  ct_a[rows[r]] += ct[r] (scatter-add, so repeated rows accumulate)
  gather: {
    forward: ([a], out, { rows, rowSize }) => {
      for (let r = 0; r < rows.length; r++) {
        const from = rows[r] * rowSize;
        out.set(a.subarray(from, from + rowSize), r * rowSize);
      }
    },
    vjp: (ct, _inputs, _out, [ctA], { rows, rowSize }) => {
      if (ctA === null) return;
      for (let r = 0; r < rows.length; r++) {
        const from = rows[r] * rowSize;
        for (let i = 0; i < rowSize; i++) ctA[from + i] += ct[r * rowSize + i];
      }
    },
  },

  // out = a with a new shape (the same buffer);  ct_a = ct
  reshape: {
    forward: ([a], out) => {
      if (out !== a) out.set(a);
    },
    vjp: (ct, _inputs, _out, [ctA]) => {
      if (ctA === null) return;
      for (let i = 0; i < ct.length; i++) ctA[i] += ct[i];
    },
  },

  // out = mask ? a : b;  ct_a = mask ? ct : 0, ct_b = mask ? 0 : ct, the mask gets none
  where: {
    forward: ([mask, a, b], out, { strideA, strideB }) => {
      for (let i = 0; i < out.length; i++) {
        out[i] = mask[i] !== 0 ? a[i * strideA] : b[i * strideB];
      }
    },
    vjp: (ct, [mask], _out, [, ctA, ctB], { strideA, strideB }) => {
      for (let i = 0; i < ct.length; i++) {
        if (mask[i] !== 0) {
          if (ctA !== null) ctA[i * strideA] += ct[i];
        } else if (ctB !== null) {
          ctB[i * strideB] += ct[i];
        }
      }
    },
  },

  // whatever the caller's closures compute
  custom: {
    forward: (_inputs, out, c) => c.forward(out),
    vjp: (ct, _inputs, _out, inputCts, c) => c.vjp(ct, inputCts),
  },
};

function reduceForward(split: AxisSplit, factor: number, a: Float64Array, out: Float64Array): void {
  const { outer, length, inner } = split;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let total = 0;
      const base = o * length * inner + i;
      for (let k = 0; k < length; k++) total += a[base + k * inner];
      out[o * inner + i] = factor * total;
    }
  }
}

function reduceVjp(
  split: AxisSplit,
  factor: number,
  ct: Float64Array,
  ctA: Float64Array | null,
): void {
  if (ctA === null) return;
  const { outer, length, inner } = split;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < length; k++) {
      const base = (o * length + k) * inner;
      for (let i = 0; i < inner; i++) ctA[base + i] += factor * ct[o * inner + i];
    }
  }
}
