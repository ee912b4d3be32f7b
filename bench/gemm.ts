// `npx tsx bench/gemm.ts [width] [rows]`: GFLOP/s of the three matrix products of one fused layer.

import { gemmKernels } from "../src/dual/matmul-simd.js";

const width = Number(process.argv[2] ?? 128);
const rows = Number(process.argv[3] ?? 3 * 1025);
const REPEATS = 20;

/** Runs `product` a few times to warm up, then prints its median time and rate over REPEATS calls. */
function measure(name: string, product: () => void): void {
  for (let i = 0; i < 3; i++) product();
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    product();
    times.push(performance.now() - start);
  }

  times.sort((a, b) => a - b);
  const ms = times[Math.floor(REPEATS / 2)] as number;
  const gflops = (2 * rows * width * width) / (ms * 1e6);
  process.stdout.write(
    `${name.padEnd(44)} ${ms.toFixed(2).padStart(8)} ms ${gflops.toFixed(2).padStart(7)} GFLOP/s\n`,
  );
}

function filled(length: number, frequency: number): Float64Array {
  return Float64Array.from({ length }, (_, i) => Math.sin(frequency * i));
}

const input = filled(rows * width, 1.3);
const weights = filled(width * width, 0.7);
const dz = filled(rows * width, 0.9);
const z = new Float64Array(rows * width);
const gW = new Float64Array(width * width);
const ctIn = new Float64Array(rows * width);
const dzT = new Float64Array(width * rows);
const inputT = new Float64Array(width * rows);

process.stdout.write(
  `kernels: ${gemmKernels.name}; stacked rows ${rows}, width ${width} → ${width}\n`,
);
measure("forward   Z = S·Wᵀ (ABt)", () => gemmKernels.ABt(z, input, weights, rows, width, width));
measure("backward  dW += dZᵀ·S (AtB)", () =>
  gemmKernels.AtB(gW, dz, input, rows, width, width, true),
);
measure("backward  dS += dZ·W (AB)", () =>
  gemmKernels.AB(ctIn, dz, weights, rows, width, width, true),
);
measure("backward  dW = dZᵀ·S as copies + ABt", () => {
  transpose(dz, dzT, rows, width);
  transpose(input, inputT, rows, width);
  gemmKernels.ABt(gW, dzT, inputT, width, rows, width);
});

/** Writes the [columns, rows] transpose of the row-major [rows, columns] matrix `a` into `out`. */
function transpose(a: Float64Array, out: Float64Array, rowCount: number, columns: number): void {
  for (let r = 0; r < rowCount; r++) {
    for (let c = 0; c < columns; c++) out[c * rowCount + r] = a[r * columns + c] as number;
  }
}
