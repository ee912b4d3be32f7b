// Text tables of the benchmark results.

import type { PeerResult } from "./harness.js";
import type { MemoryReport } from "./memory.js";

/** Results of one workload of the training-step benchmark. */
export interface WorkloadReport {
  readonly workload: string;
  readonly description: string;
  readonly flopsPerStep: number;
  readonly peers: PeerResult[];
}

/** Results of the network-only benchmark at one width and point count. */
export interface NetworkReport {
  readonly workload: string;
  readonly width: number;
  readonly points: number;
  readonly flopsPerStep: number;
  readonly peers: PeerResult[];
  /** Generic path's median ms divided by the fused path's (> 1: fused is faster). */
  readonly genericOverFused: number | null;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, column) =>
    Math.max(...cells.map((row) => (row[column] ?? "").length)),
  );
  return cells
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function fixed(value: number | undefined, digits: number): string {
  return value === undefined ? "-" : value.toFixed(digits);
}

function statusText(result: PeerResult): string {
  if (result.status === "ok") return "ok";
  const label =
    result.status === "failed"
      ? "FAILED"
      : result.status === "unavailable"
        ? "unavailable"
        : "ERROR";
  const timed = result.medianMs !== undefined ? " (timed with --time-failed)" : "";
  return `${label}${timed}: ${result.reason ?? ""}`;
}

/** Formats one workload's table: time, ratio to the fused path, GFLOP/s, RSS and status. */
export function formatWorkload(report: WorkloadReport): string {
  const header = [
    "peer",
    "dtype",
    "u'' by",
    "ms/step",
    "× fused",
    "GFLOP/s",
    "RSS MiB",
    "rel. err",
    "status",
  ];
  const rows = report.peers.map((result) => [
    result.peer,
    result.precision ?? "-",
    result.info?.derivatives ?? "-",
    fixed(result.medianMs, 2),
    fixed(result.ratioToFused, 2),
    fixed(result.gflops, 2),
    fixed(result.maxRssMiB, 0),
    result.relativeError === undefined ? "-" : result.relativeError.final.toExponential(1),
    statusText(result),
  ]);
  const title = `${report.workload}: ${report.description}; ${(report.flopsPerStep / 1e6).toFixed(1)} MFLOP/step (matrix products)`;
  const backends = report.peers
    .filter((result) => result.info?.backend !== undefined)
    .map((result) => `  ${result.peer}: ${result.info!.backend}`);
  return `${title}\n${pad([header, ...rows])}\n${backends.join("\n")}`;
}

/** Formats the network-only benchmark as one row per width and point count. */
export function formatNetwork(reports: NetworkReport[]): string {
  const header = ["width", "N", "fused ms", "generic ms", "generic/fused", "loops ms", "status"];
  const rows = reports.map((report) => {
    const byName = new Map(report.peers.map((result) => [result.peer, result]));
    const fused = byName.get("siren-pinn-fused");
    const generic = byName.get("siren-pinn-generic");
    const loops = byName.get("loops");
    const problems = report.peers
      .filter((result) => result.status !== "ok")
      .map((result) => `${result.peer}: ${statusText(result)}`);
    return [
      String(report.width),
      String(report.points),
      fixed(fused?.medianMs, 2),
      fixed(generic?.medianMs, 2),
      report.genericOverFused === null ? "-" : report.genericOverFused.toFixed(2),
      fixed(loops?.medianMs, 2),
      problems.length === 0 ? "ok" : problems.join("; "),
    ];
  });
  return `network only (jet forward + backward, no loss, no optimiser)\n${pad([header, ...rows])}`;
}

const MIB = 1024 * 1024;

/** Formats a byte count as MiB with an explicit sign, e.g. "+0.18 MiB". */
function signedMiB(bytes: number): string {
  return `${bytes >= 0 ? "+" : "−"}${(Math.abs(bytes) / MIB).toFixed(2)} MiB`;
}

function passText(passed: boolean | undefined): string {
  if (passed === undefined) return "-";
  return passed ? "pass" : "FAIL";
}

/** Formats the memory check: peak RSS and heap growth against their limits, and the heap samples. */
export function formatMemory(report: MemoryReport): string {
  const title =
    `memory check: ${report.peer} on ${report.workload}, ${report.steps} training steps ` +
    "in a fresh worker (node --expose-gc), memory sampled after two forced collections";
  if (report.status !== "ok") return `${title}\nERROR: ${report.reason ?? ""}`;

  const samples = report.samples!;
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const interval = `step ${first.step} → ${last.step}`;
  const perStep = report.heapGrowthBytes! / (last.step - first.step);
  const rows = [
    ["quantity", "value", "limit", "result"],
    [
      "peak RSS (maxRSS)",
      `${(report.peakRssBytes! / MIB).toFixed(1)} MiB (${(report.peakRssBytes! / 1e6).toFixed(1)} MB)`,
      `< ${report.peakRssLimitBytes / 1e6} MB (${(report.peakRssLimitBytes / MIB).toFixed(1)} MiB)`,
      passText(report.rssPassed),
    ],
    [
      `heapUsed growth, ${interval}`,
      `${signedMiB(report.heapGrowthBytes!)} (${perStep.toFixed(1)} bytes/step)`,
      `< ${report.heapGrowthLimitBytes / MIB} MiB`,
      passText(report.heapPassed),
    ],
    [`external growth, ${interval}`, signedMiB(report.externalGrowthBytes!), "reported only", "-"],
  ];
  const heap = samples
    .map((sample) => `${sample.step}: ${(sample.heapUsed / MIB).toFixed(2)}`)
    .join(", ");
  return (
    `${title}\n${pad(rows)}\n` +
    `heapUsed in MiB by step: ${heap}\n` +
    `${report.steps} steps in ${report.seconds!.toFixed(1)} s; loss before the last update ${report.lastLoss!.toExponential(3)}\n` +
    `memory check: ${report.passed ? "pass" : "FAIL"}`
  );
}
