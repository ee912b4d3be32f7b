// Text tables of the benchmark results.

import type { PeerResult } from "./harness.js";
import type { MemoryReport } from "./memory.js";
import type { TargetResult, TargetsReport } from "./targets.js";

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
      `heapUsed growth (main thread), ${interval}`,
      `${signedMiB(report.heapGrowthBytes!)} (${perStep.toFixed(1)} bytes/step)`,
      `< ${report.heapGrowthLimitBytes / MIB} MiB`,
      passText(report.heapPassed),
    ],
    [`external growth, ${interval}`, signedMiB(report.externalGrowthBytes!), "reported only", "-"],
    [`RSS growth, ${interval}`, signedMiB(report.rssGrowthBytes!), "reported only", "-"],
  ];
  const heap = samples
    .map((sample) => `${sample.step}: ${(sample.heapUsed / MIB).toFixed(2)}`)
    .join(", ");
  return (
    `${title}\n${pad(rows)}\n` +
    `heapUsed in MiB by step: ${heap}\n` +
    `${report.steps} steps in ${report.seconds!.toFixed(1)} s; loss before the last update ${report.lastLoss!.toExponential(3)}\n` +
    `memory check of ${report.peer}: ${report.passed ? "pass" : "FAIL"}`
  );
}

const TARGET_NAMES: Record<TargetResult["target"], string> = {
  "numpy-ratio": "time / NumPy's",
  "jax-js-f32-speedup": "speed-up over jax-js float32",
  "tfjs-wasm-speedup": "speed-up over TF.js wasm",
  "peak-rss": "peak RSS (maxRSS)",
  "heap-growth": "heapUsed growth",
};

const COMPARISON_SIGNS: Record<TargetResult["comparison"], string> = {
  "<=": "≤",
  ">=": "≥",
  "<": "<",
};

/** Formats a target's value in the unit of its kind. */
function targetValue(target: TargetResult["target"], value: number): string {
  if (target === "numpy-ratio") return value.toFixed(2);
  if (target === "peak-rss") return `${(value / 1e6).toFixed(1)} MB`;
  if (target === "heap-growth") return signedMiB(value);
  return `${value.toFixed(1)}×`;
}

/** Formats a target's limit, such as "≤ 1.0", "≥ 3×" or "< 100 MB". */
function targetLimit(result: TargetResult): string {
  const sign = COMPARISON_SIGNS[result.comparison];
  if (result.target === "numpy-ratio") return `${sign} ${result.limit.toFixed(1)}`;
  if (result.target === "peak-rss") return `${sign} ${result.limit / 1e6} MB`;
  if (result.target === "heap-growth") return `${sign} ${result.limit / MIB} MiB`;
  return `${sign} ${result.limit}×`;
}

/**
 * Formats the targets of both fused peers: the time ratios to the other peers, their limits and
 * pass or FAIL, then the memory targets.
 */
export function formatTargets(report: TargetsReport): string {
  const header = ["peer", "target", "compared with", "ms/step", "value", "limit", "result", "note"];
  const rows = report.results.map((result) => [
    result.peer,
    TARGET_NAMES[result.target],
    result.comparedWith ?? "-",
    result.fusedMs === null || result.comparedMs === null
      ? "-"
      : `${result.fusedMs.toFixed(2)} vs ${result.comparedMs.toFixed(2)}`,
    result.value === null ? "-" : targetValue(result.target, result.value),
    targetLimit(result),
    result.status === "fail" ? "FAIL" : result.status,
    result.note ?? "",
  ]);
  const title =
    `targets on ${report.workload} (harmonic-64), from this run\n` +
    "time / NumPy's = fused ms ÷ NumPy ms; speed-up = the other peer's ms ÷ fused ms; " +
    "peak RSS and heapUsed growth from the memory checks above";
  const summary = `targets: ${report.passed} pass, ${report.failed} FAIL, ${report.notRun} not run`;
  return `${title}\n${pad([header, ...rows])}\n${summary}`;
}
