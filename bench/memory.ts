// Memory check of the fused path: peak RSS and heap growth over a long training run in one worker.

import { FUSED, FUSED_TWO_THREADS } from "./peers/registry.js";
import type { MemoryReply, MemorySample, SetupReply } from "./protocol.js";
import { nodeWorkerCommand, WorkerHandle } from "./runner.js";
import { HARMONIC_64, writeWeights } from "./workload.js";

/** Limit on the worker's peak RSS: 100 MB, as bytes (95.4 MiB). */
export const PEAK_RSS_LIMIT_BYTES = 100_000_000;

/**
 * Limit on the growth of heapUsed (after forced collections) from the first sample to the
 * last, in bytes. A leak of 100 bytes per step adds 0.86 MiB over the 9000 steps from step
 * 1000 to step 10 000 and fails it, and so does one of 60 bytes per step. The fused path's
 * heapUsed grew by about 0.2 MiB over those steps in runs here, mostly V8's compiled code
 * and mostly before step 7000, which stays below it.
 */
export const HEAP_GROWTH_LIMIT_BYTES = 512 * 1024;

/**
 * Steps between memory samples. The first sample comes after this many steps, not at step 0,
 * because the first steps compile code and allocate the workspaces that later steps reuse.
 */
export const MEMORY_SAMPLE_EVERY = 1000;

/** Default number of training steps of the memory check. */
export const MEMORY_STEPS = 10_000;

/** Peers the memory check runs, each in its own worker process, one after the other. */
export const MEMORY_PEERS: readonly string[] = [FUSED, FUSED_TWO_THREADS];

const SETUP_TIMEOUT_MS = 180_000;

/** Time allowed per step of the memory run: about 20 times the fused step of harmonic-64 here. */
const MEMORY_TIMEOUT_MS_PER_STEP = 100;

/** Outcome of the memory check. Byte counts are `process.memoryUsage()` and `maxRSS` figures. */
export interface MemoryReport {
  readonly peer: string;
  readonly workload: string;
  readonly steps: number;
  readonly sampleEvery: number;
  readonly peakRssLimitBytes: number;
  readonly heapGrowthLimitBytes: number;
  status: "ok" | "error";
  reason?: string;
  /** Memory after forced collections, every `sampleEvery` steps and after the last step. */
  samples?: MemorySample[];
  /** Loss before the last update, to show the run trained. */
  lastLoss?: number;
  /** Wall time of the training steps, forced collections included. */
  seconds?: number;
  peakRssBytes?: number;
  /** heapUsed of the last sample minus that of the first. */
  heapGrowthBytes?: number;
  /**
   * The same difference for `external`: memory outside the V8 heap, such as typed-array
   * storage and WebAssembly memory. Reported only.
   */
  externalGrowthBytes?: number;
  /** The same difference for the process's RSS, which covers every thread. Reported only. */
  rssGrowthBytes?: number;
  rssPassed?: boolean;
  heapPassed?: boolean;
  /** Whether both limits hold. */
  passed?: boolean;
}

/**
 * Trains harmonic-64 on `peer` for `steps` steps (at least two sample intervals) in a fresh
 * worker started with `--expose-gc`, then checks its peak RSS and heap growth.
 *
 * NOTE: heapUsed is the V8 heap of the worker process's main thread only. The fused worker
 * thread of siren-pinn-fused-2t has its own heap, and the library does not expose that
 * thread, so its heap growth is not checked. The peak RSS and the RSS growth cover both.
 */
export async function runMemoryCheck(
  peer: string,
  steps: number,
  log: (message: string) => void,
): Promise<MemoryReport> {
  const report: MemoryReport = {
    peer,
    workload: HARMONIC_64.id,
    steps,
    sampleEvery: MEMORY_SAMPLE_EVERY,
    peakRssLimitBytes: PEAK_RSS_LIMIT_BYTES,
    heapGrowthLimitBytes: HEAP_GROWTH_LIMIT_BYTES,
    status: "ok",
  };
  const weightsPath = writeWeights(HARMONIC_64);
  const worker = new WorkerHandle(nodeWorkerCommand(["--expose-gc"]));

  try {
    log(`[memory] ${peer} on ${HARMONIC_64.id}: ${steps} training steps in a fresh worker`);
    const setup = await worker.request<SetupReply>(
      { op: "setup", peer, weightsPath, mode: "train" },
      SETUP_TIMEOUT_MS,
    );
    if (!setup.ok) return failed(report, setup.error);

    const reply = await worker.request<MemoryReply>(
      { op: "memory", steps, sampleEvery: MEMORY_SAMPLE_EVERY },
      60_000 + steps * MEMORY_TIMEOUT_MS_PER_STEP,
    );
    if (!reply.ok) return failed(report, reply.error);
    evaluate(report, reply);
  } catch (error) {
    return failed(report, (error as Error).message);
  } finally {
    await worker.close();
  }
  return report;
}

function evaluate(report: MemoryReport, reply: Extract<MemoryReply, { ok: true }>): void {
  const first = reply.samples[0]!;
  const last = reply.samples[reply.samples.length - 1]!;
  report.samples = reply.samples;
  report.lastLoss = reply.lastLoss;
  report.seconds = reply.ms / 1000;
  report.peakRssBytes = reply.maxRssKiB * 1024;
  report.heapGrowthBytes = last.heapUsed - first.heapUsed;
  report.externalGrowthBytes = last.external - first.external;
  report.rssGrowthBytes = last.rss - first.rss;
  report.rssPassed = report.peakRssBytes < PEAK_RSS_LIMIT_BYTES;
  report.heapPassed = report.heapGrowthBytes < HEAP_GROWTH_LIMIT_BYTES;
  report.passed = report.rssPassed && report.heapPassed;
}

function failed(report: MemoryReport, reason: string): MemoryReport {
  report.status = "error";
  report.reason = reason.length > 400 ? `${reason.slice(0, 400)}…` : reason;
  return report;
}
