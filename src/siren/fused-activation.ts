// The elementwise part of the fused layer: the activation's jet map and its transpose.
//
// Every pass works on the elements [e0, e1) of each stream (stream s contains elements
// s·N·out .. (s + 1)·N·out − 1, point p at p·out .. p·out + out − 1), so that the points of a
// batch can be split between threads. An element's result does not depend on the split.
// The formulas are those at the head of fused.ts.

import { tanhAndSlope } from "../dual/batch-activation.js";
import type { FusedLayerWorkspace } from "./fused.js";

/** Writes f(z) into the value stream of y and f', f'', f''' into d1, d2, d3, for [e0, e1). */
export function fillDerivatives(ws: FusedLayerWorkspace, e0: number, e1: number): void {
  const { z, y, d1, d2, d3 } = ws;

  if (ws.activation === "sine") {
    for (let e = e0; e < e1; e++) sineElement(ws, e);
  } else if (ws.activation === "tanh") {
    // t' = sech², t'' = −2t sech², t''' = −2 sech² (1 − 3t²). sech² comes from exp(−2|z|), not
    // from 1 − t², which cancels once t² rounds near 1 (see src/dual/batch-activation.ts).
    for (let e = e0; e < e1; e++) {
      tanhAndSlope(z[e], e, y, d1);
      const t = y[e];
      const slope = d1[e];
      d2[e] = -2 * t * slope;
      d3[e] = -2 * slope * (1 - 3 * t * t);
    }
  } else {
    // relu'(z) = 1 for z > 0, else 0 (so relu'(0) = 0); relu'' = relu''' = 0. NaN stays NaN.
    for (let e = e0; e < e1; e++) {
      const x = z[e];
      // Math.max returns NaN for NaN, where x > 0 ? x : 0 would hide it.
      y[e] = Math.max(x, 0);
      d1[e] = x > 0 ? 1 : 0;
      if (Number.isNaN(x)) d1[e] = x;
      d2[e] = 0;
      d3[e] = 0;
    }
  }
}

/** Writes sin(ωz) into y and its first three derivatives in z into d1, d2, d3, at element e. */
export function sineElement(ws: FusedLayerWorkspace, e: number): void {
  // d sin(ωz) = ω cos(ωz) dz; then −ω² sin(ωz), −ω³ cos(ωz).
  const omega = ws.omega;
  const omega2 = omega * omega;
  const w = omega * ws.z[e];
  const s = Math.sin(w);
  const c = Math.cos(w);
  ws.y[e] = s;
  ws.d1[e] = omega * c;
  ws.d2[e] = -omega2 * s;
  ws.d3[e] = -omega2 * omega * c;
}

/** Writes the derivative streams of y from those of z for [e0, e1) (the value stream is set). */
export function applyActivation(ws: FusedLayerWorkspace, e0: number, e1: number): void {
  const layout = ws.layout;
  const size = ws.points * ws.outputs;
  const { z, y, d1, d2 } = ws;

  const jet = ws.arena?.jet ?? null;
  if (jet !== null) {
    // The SIMD passes compute the formulas of the loops below in the same order: same bits.
    const at = streamRange(size, e0, e1);
    const count = e1 - e0;
    for (let s = 1; s <= layout.spec.first.length; s++) {
      jet.firstForward(at(y, s), at(d1, 0), at(z, s), count);
    }
    for (let k = 0; k < layout.secondStreams.length; k++) {
      const s = layout.secondStreams[k];
      const zi = at(z, layout.secondFactors[2 * k]);
      const zj = at(z, layout.secondFactors[2 * k + 1]);
      jet.secondForward(at(y, s), at(d1, 0), at(z, s), at(d2, 0), zi, zj, count);
    }
  } else {
    for (let s = 1; s <= layout.spec.first.length; s++) {
      const base = s * size;
      for (let e = e0; e < e1; e++) y[base + e] = d1[e] * z[base + e];
    }

    for (let k = 0; k < layout.secondStreams.length; k++) {
      const base = layout.secondStreams[k] * size;
      const baseI = layout.secondFactors[2 * k] * size;
      const baseJ = layout.secondFactors[2 * k + 1] * size;
      for (let e = e0; e < e1; e++) {
        y[base + e] = d1[e] * z[base + e] + d2[e] * z[baseI + e] * z[baseJ + e];
      }
    }
  }

  const lap = layout.laplacianStream;
  if (lap >= 0) {
    const base = lap * size;
    const factors = layout.laplacianFactors;
    for (let e = e0; e < e1; e++) {
      let squares = 0;
      for (let q = 0; q < factors.length; q++) {
        const zi = z[factors[q] * size + e];
        squares += zi * zi;
      }
      y[base + e] = d1[e] * z[base + e] + d2[e] * squares;
    }
  }
}

/** Writes dZ = (the activation's jet map)ᵀ G into ws.dz for [e0, e1). */
export function activationBackward(
  ws: FusedLayerWorkspace,
  g: Float64Array,
  e0: number,
  e1: number,
): void {
  const arena = ws.arena;
  if (arena !== null && arena.jet !== null && arena.holds(g)) {
    simdBackward(ws, g, e0, e1);
  } else {
    plainBackward(ws, g, e0, e1);
  }
  laplacianBackward(ws, g, e0, e1);
}

/** Runs the value, first and second streams of activationBackward with the SIMD kernels. */
function simdBackward(ws: FusedLayerWorkspace, g: Float64Array, e0: number, e1: number): void {
  const layout = ws.layout;
  const jet = ws.arena!.jet!;
  const { z, dz, d1, d2, d3 } = ws;
  const at = streamRange(ws.points * ws.outputs, e0, e1);
  const count = e1 - e0;

  jet.valueBackward(at(dz, 0), at(d1, 0), at(g, 0), count);
  for (let s = 1; s <= layout.spec.first.length; s++) {
    jet.firstBackward(at(dz, s), at(dz, 0), at(d1, 0), at(d2, 0), at(z, s), at(g, s), count);
  }
  for (let k = 0; k < layout.secondStreams.length; k++) {
    const s = layout.secondStreams[k];
    const i = layout.secondFactors[2 * k];
    const j = layout.secondFactors[2 * k + 1];
    // For i = j both updates land on the same stream, which the kernel takes as one view.
    const dzi = at(dz, i);
    const dzj = i === j ? dzi : at(dz, j);
    const [d1v, d2v, d3v] = [at(d1, 0), at(d2, 0), at(d3, 0)];
    const [zs, zi, zj] = [at(z, s), at(z, i), at(z, j)];
    jet.secondBackward(at(dz, s), dzi, dzj, at(dz, 0), d1v, d2v, d3v, zs, zi, zj, at(g, s), count);
  }
}

/** Runs the value, first and second streams of activationBackward in plain loops. */
function plainBackward(ws: FusedLayerWorkspace, g: Float64Array, e0: number, e1: number): void {
  const layout = ws.layout;
  const size = ws.points * ws.outputs;
  const { z, dz, d1, d2, d3 } = ws;
  const firstCount = layout.spec.first.length;

  // y = f(z): the value gets f' G.
  for (let e = e0; e < e1; e++) dz[e] = d1[e] * g[e];

  // y_i = f' z_i: z_i gets f' G_i and the value gets f'' z_i G_i.
  for (let s = 1; s <= firstCount; s++) {
    const base = s * size;
    for (let e = e0; e < e1; e++) {
      const gi = g[base + e];
      dz[base + e] = d1[e] * gi;
      dz[e] += d2[e] * z[base + e] * gi;
    }
  }

  // y_ij = f' z_ij + f'' z_i z_j: z_ij gets f' G_ij, z_i gets f'' z_j G_ij, z_j gets
  // f'' z_i G_ij and the value (f'' z_ij + f''' z_i z_j) G_ij. For i = j both of the middle
  // updates land on the same stream.
  for (let k = 0; k < layout.secondStreams.length; k++) {
    const base = layout.secondStreams[k] * size;
    const baseI = layout.secondFactors[2 * k] * size;
    const baseJ = layout.secondFactors[2 * k + 1] * size;
    for (let e = e0; e < e1; e++) {
      const gij = g[base + e];
      const zi = z[baseI + e];
      const zj = z[baseJ + e];
      const weighted = d2[e] * gij;
      dz[base + e] = d1[e] * gij;
      dz[baseI + e] += weighted * zj;
      dz[baseJ + e] += weighted * zi;
      dz[e] += weighted * z[base + e] + d3[e] * zi * zj * gij;
    }
  }
}

/**
 * y_L = f' z_L + f'' Σ z_i²: z_L gets f' G_L, z_i gets 2 f'' z_i G_L and the value
 * (f'' z_L + f''' Σ z_i²) G_L. Runs after the other streams, in the order of the old loop.
 */
function laplacianBackward(ws: FusedLayerWorkspace, g: Float64Array, e0: number, e1: number): void {
  const lap = ws.layout.laplacianStream;
  if (lap < 0) return;
  const size = ws.points * ws.outputs;
  const { z, dz, d1, d2, d3 } = ws;
  const base = lap * size;
  const factors = ws.layout.laplacianFactors;

  for (let e = e0; e < e1; e++) {
    const gl = g[base + e];
    dz[base + e] = d1[e] * gl;
    const twice = 2 * d2[e] * gl;
    let squares = 0;
    for (let q = 0; q < factors.length; q++) {
      const offset = factors[q] * size + e;
      const zi = z[offset];
      squares += zi * zi;
      dz[offset] += twice * zi;
    }
    dz[e] += (d2[e] * z[base + e] + d3[e] * squares) * gl;
  }
}

/** Returns at(buffer, s): elements [e0, e1) of stream s of a buffer of streams of `size`. */
function streamRange(size: number, e0: number, e1: number) {
  return (buffer: Float64Array, s: number): Float64Array =>
    buffer.subarray(s * size + e0, s * size + e1);
}
