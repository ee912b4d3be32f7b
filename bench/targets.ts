// Targets of the fused float64 step on harmonic-64, evaluated from the results of one run.

import type { PeerResult } from "./harness.js";
import {
  HEAP_GROWTH_LIMIT_BYTES,
  MEMORY_STEPS,
  type MemoryReport,
  PEAK_RSS_LIMIT_BYTES,
} from "./memory.js";
import { FUSED, FUSED_TWO_THREADS, NUMPY, NUMPY_TWO_THREADS } from "./peers/registry.js";
import type { WorkloadReport } from "./report.js";
import { HARMONIC_64 } from "./workload.js";

/** The jax-js float32 peer that the speed-up target is taken against. */
export const JAX_F32 = "jax-js-f32-jet";

/** The TensorFlow.js wasm peer that the speed-up target is taken against. */
export const TFJS_WASM = "tfjs-wasm-jet";

/** Maximum fused ms / NumPy ms on harmonic-64. */
export const NUMPY_RATIO_LIMIT = 1.0;

/** Minimum jax-js-f32-jet ms / fused ms on harmonic-64. */
export const JAX_SPEEDUP_LIMIT = 3;

/** Minimum tfjs-wasm-jet ms / fused ms on harmonic-64. */
export const TFJS_SPEEDUP_LIMIT = 10;

/** The fused peers that the targets are checked for, with the NumPy peers each is compared with. */
const FUSED_PEERS: readonly { peer: string; numpy: readonly string[] }[] = [
  { peer: FUSED, numpy: [NUMPY] },
  { peer: FUSED_TWO_THREADS, numpy: [NUMPY, NUMPY_TWO_THREADS] },
];

/** Kind of target that a row checks. */
export type TargetKind =
  | "numpy-ratio"
  | "jax-js-f32-speedup"
  | "tfjs-wasm-speedup"
  | "peak-rss"
  | "heap-growth";

/** Outcome of one target for one fused peer. */
export interface TargetResult {
  /** The fused peer checked. */
  readonly peer: string;
  readonly target: TargetKind;
  /** The peer whose time the fused peer's is compared with; null for the memory targets. */
  readonly comparedWith: string | null;
  /** Median ms/step of the fused peer and of `comparedWith`, where both were timed. */
  readonly fusedMs: number | null;
  readonly comparedMs: number | null;
  /** Time ratio (numpy-ratio), speed-up (the two speed-ups) or bytes (the memory targets). */
  readonly value: number | null;
  /** `value` must be at most (`<=`), at least (`>=`) or below (`<`) `limit`. */
  readonly comparison: "<=" | ">=" | "<";
  readonly limit: number;
  readonly status: "pass" | "fail" | "not run";
  /** The NumPy peer not used and its time, why the target was not run, or a measurement limit. */
  readonly note: string | null;
}

/** The targets section of the report. */
export interface TargetsReport {
  readonly workload: string;
  readonly results: TargetResult[];
  readonly passed: number;
  readonly failed: number;
  readonly notRun: number;
}

/**
 * Evaluates the targets of both fused peers from the harmonic-64 results of `training` (if it
 * ran) and from `memory` (null when the memory check was skipped).
 */
export function evaluateTargets(
  training: readonly WorkloadReport[],
  memory: readonly MemoryReport[] | null,
): TargetsReport {
  const harmonic = training.find((report) => report.workload === HARMONIC_64.id) ?? null;
  const results: TargetResult[] = [];
  for (const { peer, numpy } of FUSED_PEERS) {
    results.push(numpyRatio(harmonic, peer, numpy));
    results.push(speedUp(harmonic, peer, JAX_F32, "jax-js-f32-speedup", JAX_SPEEDUP_LIMIT));
    results.push(speedUp(harmonic, peer, TFJS_WASM, "tfjs-wasm-speedup", TFJS_SPEEDUP_LIMIT));
    results.push(...memoryTargets(memory, peer));
  }
  const count = (status: TargetResult["status"]) =>
    results.filter((result) => result.status === status).length;
  return {
    workload: HARMONIC_64.id,
    results,
    passed: count("pass"),
    failed: count("fail"),
    notRun: count("not run"),
  };
}

/** Returns a peer's median ms/step if it passed the loss check and was timed, else why not. */
function timedMs(harmonic: WorkloadReport | null, name: string): number | string {
  if (harmonic === null) return `${HARMONIC_64.id} was not run`;
  const result: PeerResult | undefined = harmonic.peers.find((peer) => peer.peer === name);
  if (result === undefined) return `${name} was not run`;
  if (result.status === "failed") return `${name} failed the loss check`;
  if (result.status === "unavailable") return `${name} is unavailable here`;
  if (result.status === "error") return `${name} stopped with an error`;
  if (result.medianMs === undefined) return `${name} was not timed`;
  return result.medianMs;
}

function notRun(
  peer: string,
  target: TargetKind,
  comparedWith: string | null,
  comparison: TargetResult["comparison"],
  limit: number,
  note: string,
): TargetResult {
  return {
    peer,
    target,
    comparedWith,
    fusedMs: null,
    comparedMs: null,
    value: null,
    comparison,
    limit,
    status: "not run",
    note,
  };
}

/**
 * Computes fused ms / NumPy ms. With more than one NumPy peer the fused peer is compared with the
 * faster of those that passed the loss check, and the note gives the other one's time or why it
 * has none.
 */
function numpyRatio(
  harmonic: WorkloadReport | null,
  peer: string,
  numpyPeers: readonly string[],
): TargetResult {
  const fused = timedMs(harmonic, peer);
  const candidates = numpyPeers.map((name) => ({ name, ms: timedMs(harmonic, name) }));
  const timed = candidates.filter(
    (candidate): candidate is { name: string; ms: number } => typeof candidate.ms === "number",
  );
  const fastest = timed.reduce<{ name: string; ms: number } | null>(
    (best, candidate) => (best === null || candidate.ms < best.ms ? candidate : best),
    null,
  );
  const only = numpyPeers.length === 1 ? numpyPeers[0]! : null;
  if (typeof fused === "string") {
    return notRun(peer, "numpy-ratio", fastest?.name ?? only, "<=", NUMPY_RATIO_LIMIT, fused);
  }
  if (fastest === null) {
    const reasons = candidates.map((candidate) => candidate.ms as string).join("; ");
    return notRun(peer, "numpy-ratio", only, "<=", NUMPY_RATIO_LIMIT, reasons);
  }

  // Names the NumPy peer that was not used, and its time or why it has none.
  const others = candidates.filter((candidate) => candidate.name !== fastest.name);
  const note =
    others.length === 0
      ? null
      : others
          .map((other) =>
            typeof other.ms === "number"
              ? `faster than ${other.name} (${other.ms.toFixed(2)} ms)`
              : other.ms,
          )
          .join("; ");
  const value = fused / fastest.ms;
  return {
    peer,
    target: "numpy-ratio",
    comparedWith: fastest.name,
    fusedMs: fused,
    comparedMs: fastest.ms,
    value,
    comparison: "<=",
    limit: NUMPY_RATIO_LIMIT,
    status: value <= NUMPY_RATIO_LIMIT ? "pass" : "fail",
    note,
  };
}

/** Computes the other peer's ms / fused ms, which must be at least `limit`. */
function speedUp(
  harmonic: WorkloadReport | null,
  peer: string,
  other: string,
  target: TargetKind,
  limit: number,
): TargetResult {
  const fused = timedMs(harmonic, peer);
  const compared = timedMs(harmonic, other);
  if (typeof fused === "string") return notRun(peer, target, other, ">=", limit, fused);
  if (typeof compared === "string") return notRun(peer, target, other, ">=", limit, compared);
  const value = compared / fused;
  return {
    peer,
    target,
    comparedWith: other,
    fusedMs: fused,
    comparedMs: compared,
    value,
    comparison: ">=",
    limit,
    status: value >= limit ? "pass" : "fail",
    note: null,
  };
}

/** Evaluates the peak RSS and heap growth of `peer`'s memory run. */
function memoryTargets(memory: readonly MemoryReport[] | null, peer: string): TargetResult[] {
  const report = memory?.find((candidate) => candidate.peer === peer);
  if (report === undefined || report.status !== "ok") {
    const reason =
      memory === null
        ? "the memory check was skipped (--no-memory)"
        : report === undefined
          ? `the memory check did not run ${peer}`
          : "the memory check stopped with an error (see above)";
    return [
      notRun(peer, "peak-rss", null, "<", PEAK_RSS_LIMIT_BYTES, reason),
      notRun(peer, "heap-growth", null, "<", HEAP_GROWTH_LIMIT_BYTES, reason),
    ];
  }

  const stepsNote =
    report.steps === MEMORY_STEPS
      ? null
      : `${report.steps} steps; the target is for ${MEMORY_STEPS}`;
  const threadNote =
    peer === FUSED_TWO_THREADS
      ? "the main thread's heap only, not the fused worker thread's"
      : null;
  const heapNote = [stepsNote, threadNote].filter((part) => part !== null).join("; ");
  const memoryResult = (
    target: TargetKind,
    value: number,
    limit: number,
    note: string | null,
  ): TargetResult => ({
    peer,
    target,
    comparedWith: null,
    fusedMs: null,
    comparedMs: null,
    value,
    comparison: "<",
    limit,
    status: value < limit ? "pass" : "fail",
    note,
  });
  return [
    memoryResult("peak-rss", report.peakRssBytes!, PEAK_RSS_LIMIT_BYTES, stepsNote),
    memoryResult("heap-growth", report.heapGrowthBytes!, HEAP_GROWTH_LIMIT_BYTES, heapNote || null),
  ];
}
