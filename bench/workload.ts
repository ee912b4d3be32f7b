// The harmonic benchmark workload: network shape, collocation points, initial weights, FLOP count.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Random } from "../src/siren/random.js";

/** Hidden-layer activation of the benchmark network. */
export type BenchActivation = "sine" | "tanh" | "relu";

/**
 * One benchmark configuration. The network is 1 → width × hiddenLayers → 1 with a linear
 * output layer, trained on u'' + u = 0 over [0, 2π] with u(0) = 0 and u'(0) = 1.
 */
export interface Workload {
  readonly id: string;
  readonly activation: BenchActivation;
  readonly width: number;
  readonly hiddenLayers: number;
  /** Number of collocation points N (the boundary point x = 0 comes on top). */
  readonly points: number;
  /** ω of the first sine layer; later sine layers use ω = 1. Unused for tanh and ReLU. */
  readonly omega0: number;
  readonly seed: number;
  /** Adam settings shared by every peer. */
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

/** One dense layer of the initial weights: y = act(ω(W a + b)), W row-major [out, in]. */
export interface LayerWeights {
  readonly in: number;
  readonly out: number;
  readonly omega: number;
  readonly activation: BenchActivation | "linear";
  readonly W: number[];
  readonly b: number[];
}

/** Contents of the weights file that every peer reads: the workload, the input rows and the layers. */
export interface WeightsFile {
  readonly version: 1;
  readonly workload: Workload;
  /** N collocation points followed by the boundary point x = 0, so N + 1 rows. */
  readonly x: number[];
  /** Input map x̂ = scale·x + shift onto [−1, 1]; d/dx = scale·d/dx̂. */
  readonly scale: number;
  readonly shift: number;
  readonly layers: LayerWeights[];
}

const DOMAIN_LO = 0;
const DOMAIN_HI = 2 * Math.PI;

/** Builds a workload with the shared defaults (3 hidden layers, ω0 = 30, Adam 1e-3). */
export function makeWorkload(activation: BenchActivation, width: number, points: number): Workload {
  return {
    id: `${activation}-w${width}-n${points}`,
    activation,
    width,
    hiddenLayers: 3,
    points,
    omega0: 30,
    seed: 20261204,
    learningRate: 1e-3,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
  };
}

/** The main workload, harmonic-64: SIREN 1 → 64 → 64 → 64 → 1 on 256 points. */
export const HARMONIC_64 = makeWorkload("sine", 64, 256);

/** The variants that `npm run bench` adds without `--quick`. */
export const VARIANTS: readonly Workload[] = [
  makeWorkload("tanh", 64, 256),
  makeWorkload("relu", 64, 256),
  makeWorkload("sine", 32, 256),
  makeWorkload("sine", 128, 256),
  makeWorkload("sine", 64, 1024),
];

/** Returns the layer widths [1, width, …, width, 1]. */
export function layerWidths(workload: Workload): number[] {
  return [1, ...Array.from({ length: workload.hiddenLayers }, () => workload.width), 1];
}

/**
 * Returns the N midpoints x_i = lo + (hi − lo)(i + 1/2)/N followed by the boundary point
 * x = 0, where the loss reads u(0) and u'(0).
 */
export function collocationRows(points: number): number[] {
  const rows: number[] = [];
  for (let i = 0; i < points; i++) {
    rows.push(DOMAIN_LO + ((DOMAIN_HI - DOMAIN_LO) * (i + 0.5)) / points);
  }
  rows.push(0);
  return rows;
}

/**
 * Draws the initial weights with the bounds siren-pinn's `createMlp` uses: sine networks get
 * U(±1/n) with ω0 in the first layer, U(±√(6/n)) with ω = 1 after it and U(±√(6/n)/ω0) in
 * the output layer; tanh networks get Glorot uniform; ReLU networks get He uniform in the
 * hidden layers and Glorot uniform in the output layer. Biases start at zero.
 */
export function initialWeights(workload: Workload): WeightsFile {
  const widths = layerWidths(workload);
  const random = new Random(workload.seed);
  const layers: LayerWeights[] = [];

  for (let l = 0; l + 1 < widths.length; l++) {
    const fanIn = widths[l] as number;
    const fanOut = widths[l + 1] as number;
    const isOutput = l === widths.length - 2;
    const bound = weightBound(workload, l, fanIn, fanOut, isOutput);
    const W = Array.from({ length: fanIn * fanOut }, () => random.uniformIn(-bound, bound));
    layers.push({
      in: fanIn,
      out: fanOut,
      omega: workload.activation === "sine" && l === 0 ? workload.omega0 : 1,
      activation: isOutput ? "linear" : workload.activation,
      W,
      b: new Array<number>(fanOut).fill(0),
    });
  }

  return {
    version: 1,
    workload,
    x: collocationRows(workload.points),
    scale: 2 / (DOMAIN_HI - DOMAIN_LO),
    shift: -(DOMAIN_HI + DOMAIN_LO) / (DOMAIN_HI - DOMAIN_LO),
    layers,
  };
}

function weightBound(
  workload: Workload,
  layer: number,
  fanIn: number,
  fanOut: number,
  isOutput: boolean,
): number {
  if (workload.activation === "sine") {
    if (isOutput) return Math.sqrt(6 / fanIn) / workload.omega0;
    return layer === 0 ? 1 / fanIn : Math.sqrt(6 / fanIn);
  }
  if (workload.activation === "relu" && !isOutput) return Math.sqrt(6 / fanIn);
  return Math.sqrt(6 / (fanIn + fanOut));
}

/** Directory of the generated weights files (git-ignored). */
export const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), ".cache");

/** Writes the initial weights of `workload` to bench/.cache and returns the file's path. */
export function writeWeights(workload: Workload): string {
  mkdirSync(CACHE_DIR, { recursive: true });
  const path = join(CACHE_DIR, `weights-${workload.id}.json`);
  writeFileSync(path, JSON.stringify(initialWeights(workload)));
  return path;
}

/** Number of jet streams in a training step: value, u' and u''. */
export const STREAMS = 3;

/**
 * Counts the floating-point operations of the matrix products in one training step, the
 * convention of "model FLOPs": a product of [R, k] by [k, m] counts 2·R·k·m. With R = 3(N + 1)
 * stacked rows (three streams over N collocation points and the boundary point), each layer
 * costs one product forward, one for ∂L/∂W and, except the first layer whose input is data,
 * one for the input cotangent. Elementwise work (sin, cos, the jet rules, Adam) is not
 * counted, so GFLOP/s derived from this is a lower bound on the arithmetic done.
 */
export function stepFlops(workload: Workload): number {
  const widths = layerWidths(workload);
  const rows = STREAMS * (workload.points + 1);
  let flops = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const product = 2 * rows * (widths[l] as number) * (widths[l + 1] as number);
    flops += l === 0 ? 2 * product : 3 * product;
  }
  return flops;
}

/** Counts the matrix-product FLOPs of the network-only benchmark (N rows, no boundary row). */
export function networkFlops(workload: Workload): number {
  const widths = layerWidths(workload);
  const rows = STREAMS * workload.points;
  let flops = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    const product = 2 * rows * (widths[l] as number) * (widths[l + 1] as number);
    flops += l === 0 ? 2 * product : 3 * product;
  }
  return flops;
}
