// Runs one workload: starts every peer in its own process, checks its loss, then times it interleaved.

import type { PeerMode } from "./peers/peer.js";
import { FUSED, type PeerSpec, REFERENCE } from "./peers/registry.js";
import type { CheckReply, RssReply, SetupReply, TimeReply } from "./protocol.js";
import { nodeWorkerCommand, pythonWorkerCommand, WorkerHandle } from "./runner.js";
import { type Workload, writeWeights } from "./workload.js";

/**
 * Relative agreement a float64 peer must reach with the float64 reference after the check's
 * steps. Both sides round each operation to 2^-53, and 200 Adam steps amplify the differences
 * by up to about 1e4 on the tanh trajectory (measured by perturbing the initial weights by
 * 1e-8). So 1e-9 leaves room above 1e-12, while a wrong rule shows up at 1e-3 or more.
 */
export const FLOAT64_TOLERANCE = 1e-9;

/**
 * Relative agreement for float32 peers. float32 rounds at 6e-8, and the ω0 = 30 first layer
 * multiplies phase errors by 30 and u'' by 900. On the sine workloads the float32 peers ended
 * 2e-7 … 3e-6 from the reference after 200 steps, so 1e-3 still catches a wrong jet rule.
 */
export const FLOAT32_TOLERANCE = 1e-3;

/** Settings of one benchmark run. */
export interface RunSettings {
  readonly checkSteps: number;
  readonly rounds: number;
  /** Target wall time of one peer's batch of steps inside a round, in ms. */
  readonly roundMs: number;
  readonly warmupSteps: number;
  readonly timeFailed: boolean;
  readonly python: string;
  /** OpenBLAS threads of the `numpy` peer. `numpy-2t` always gets two. */
  readonly numpyThreads: number;
  readonly log: (message: string) => void;
}

/** Outcome of one peer on one workload. */
export interface PeerResult {
  readonly peer: string;
  status: "ok" | "failed" | "unavailable" | "error";
  reason?: string;
  precision?: string;
  info?: Record<string, string>;
  initial?: number;
  final?: number;
  relativeError?: { initial: number; final: number };
  tolerance?: number;
  /** Last step k such that the losses of steps 0..k all agree with the reference within the tolerance. */
  agreedThrough?: number;
  stepsPerRound?: number;
  /** ms per step of each round. */
  samples?: number[];
  medianMs?: number;
  /** Median ms of this peer divided by the fused path's median ms (> 1: slower than fused). */
  ratioToFused?: number;
  gflops?: number;
  maxRssMiB?: number;
}

interface LivePeer {
  readonly spec: PeerSpec;
  readonly result: PeerResult;
  worker: WorkerHandle | null;
  /** Loss before each update of the check, then after the last one. */
  losses: number[];
}

const SETUP_TIMEOUT_MS = 180_000;
const CHECK_TIMEOUT_MS = 900_000;
const TIME_TIMEOUT_MS = 300_000;

/**
 * Worker processes kept across workloads by peer name. The network-only benchmark reuses them
 * to save a process start per configuration. The training benchmark starts fresh processes,
 * so that each peak RSS belongs to one workload.
 */
export type WorkerPool = Map<string, WorkerHandle>;

/** Closes every worker of `pool`. */
export async function closePool(pool: WorkerPool): Promise<void> {
  await Promise.all([...pool.values()].map((worker) => worker.close()));
  pool.clear();
}

/** Checks and times `peers` on `workload`; `flops` is the FLOP count of one step. */
export async function runWorkload(
  workload: Workload,
  peers: readonly PeerSpec[],
  mode: PeerMode,
  flops: number,
  settings: RunSettings,
  pool: WorkerPool | null = null,
): Promise<PeerResult[]> {
  const weightsPath = writeWeights(workload);
  const live: LivePeer[] = peers.map((spec) => ({
    spec,
    result: { peer: spec.name, status: "ok" },
    worker: null,
    losses: [],
  }));

  try {
    settings.log(`[${workload.id}/${mode}] starting ${live.length} peers`);
    await inPairs(live, (peer) => setUp(peer, weightsPath, mode, settings, pool));
    settings.log(`[${workload.id}/${mode}] checking the loss after ${settings.checkSteps} steps`);
    await inPairs(live, (peer) => check(peer, settings.checkSteps));
    compareWithReference(live);

    const timed = live.filter(
      (peer) =>
        peer.spec.checkOnly !== true &&
        (peer.result.status === "ok" || (settings.timeFailed && peer.result.status === "failed")),
    );
    await time(timed, workload, mode, settings);
    summarise(live, flops);
    await Promise.all(live.map((peer) => recordRss(peer)));
  } finally {
    const pooled = new Set(pool?.values() ?? []);
    await Promise.all(
      live.map((peer) =>
        peer.worker !== null && !pooled.has(peer.worker) ? peer.worker.close() : null,
      ),
    );
  }
  return live.map((peer) => peer.result);
}

/** Runs `task` on the peers two at a time: checks are not timed, so both cores may work. */
async function inPairs(peers: LivePeer[], task: (peer: LivePeer) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < peers.length) {
      const peer = peers[next++]!;
      await task(peer);
    }
  };
  await Promise.all([lane(), lane()]);
}

async function setUp(
  peer: LivePeer,
  weightsPath: string,
  mode: PeerMode,
  settings: RunSettings,
  pool: WorkerPool | null,
): Promise<void> {
  const command =
    peer.spec.runtime === "python"
      ? pythonWorkerCommand(settings.python, peer.spec.blasThreads ?? settings.numpyThreads)
      : nodeWorkerCommand();
  peer.worker = pool?.get(peer.spec.name) ?? new WorkerHandle(command);
  pool?.set(peer.spec.name, peer.worker);
  try {
    const reply = await peer.worker.request<SetupReply>(
      { op: "setup", peer: peer.spec.name, weightsPath, mode },
      SETUP_TIMEOUT_MS,
    );
    if (reply.ok) {
      peer.result.precision = reply.precision;
      peer.result.info = reply.info;
      return;
    }
    fail(peer, reply.unavailable ? "unavailable" : "error", reply.error);
  } catch (error) {
    fail(peer, peer.spec.runtime === "python" ? "unavailable" : "error", (error as Error).message);
  }
}

async function check(peer: LivePeer, steps: number): Promise<void> {
  if (peer.result.status !== "ok" || peer.worker === null) return;
  try {
    const reply = await peer.worker.request<CheckReply>({ op: "check", steps }, CHECK_TIMEOUT_MS);
    if (!reply.ok) {
      fail(peer, "error", reply.error);
      return;
    }
    peer.result.initial = reply.initial;
    peer.result.final = reply.final;
    peer.losses = reply.losses;
    if (!Number.isFinite(reply.final))
      fail(peer, "failed", `loss is ${reply.final} after ${steps} steps`);
  } catch (error) {
    fail(peer, "error", (error as Error).message);
  }
}

function fail(peer: LivePeer, status: PeerResult["status"], reason: string): void {
  peer.result.status = status;
  peer.result.reason = reason.length > 400 ? `${reason.slice(0, 400)}…` : reason;
}

/**
 * Marks every peer whose initial or final loss differs from the reference peer's by more than
 * its tolerance. The failure message gives the last step that still agreed, which separates a
 * wrong step (no agreement from step 0 or 1 on) from a trajectory that drifts apart later.
 */
function compareWithReference(peers: LivePeer[]): void {
  const reference = peers.find((peer) => peer.spec.name === REFERENCE);
  const expected = reference?.result;
  for (const peer of peers) {
    const result = peer.result;
    if (result.status !== "ok" || result.initial === undefined || result.final === undefined) {
      continue;
    }
    if (
      expected?.status !== "ok" ||
      expected.initial === undefined ||
      expected.final === undefined
    ) {
      if (peer !== reference) {
        fail(peer, "failed", `no reference loss to compare with (${REFERENCE} did not run)`);
      }
      continue;
    }

    const tolerance = result.precision === "float32" ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE;
    result.tolerance = tolerance;
    result.relativeError = {
      initial: relativeError(result.initial, expected.initial),
      final: relativeError(result.final, expected.final),
    };
    result.agreedThrough = lastAgreeingStep(peer.losses, reference!.losses, tolerance);
    if (result.relativeError.final > tolerance || result.relativeError.initial > tolerance) {
      const steps = peer.losses.length - 1;
      const agreement =
        result.agreedThrough < 0
          ? "differs from step 0 on"
          : `agreed within the tolerance through step ${result.agreedThrough}`;
      fail(
        peer,
        "failed",
        `loss after ${steps} steps ${result.final} vs ${REFERENCE} ${expected.final} ` +
          `(relative ${result.relativeError.final.toExponential(1)}, tolerance ${tolerance}); ` +
          `initial loss relative ${result.relativeError.initial.toExponential(1)}; ${agreement}`,
      );
    }
  }
}

/** Returns the last step k with every loss of steps 0..k within `tolerance`, or −1 if step 0 differs. */
function lastAgreeingStep(
  losses: readonly number[],
  reference: readonly number[],
  tolerance: number,
): number {
  const steps = Math.min(losses.length, reference.length);
  for (let k = 0; k < steps; k++) {
    if (!(relativeError(losses[k] as number, reference[k] as number) <= tolerance)) return k - 1;
  }
  return steps - 1;
}

function relativeError(value: number, reference: number): number {
  return Math.abs(value - reference) / Math.max(Math.abs(reference), Number.MIN_VALUE);
}

/**
 * Warms each peer up and sizes its batch of steps so that one batch takes about `roundMs`.
 * Then each of `rounds` rounds times one batch of every peer in turn (A B C A B C …), so load
 * from other processes spreads over all peers alike.
 */
async function time(
  peers: LivePeer[],
  workload: Workload,
  mode: PeerMode,
  settings: RunSettings,
): Promise<void> {
  for (const peer of peers) {
    const ms = await timeBatch(peer, settings.warmupSteps);
    if (ms === null) continue;
    const perStep = Math.max(ms / settings.warmupSteps, 1e-3);
    peer.result.stepsPerRound = Math.max(
      1,
      Math.min(10_000, Math.round(settings.roundMs / perStep)),
    );
    peer.result.samples = [];
  }

  for (let round = 0; round < settings.rounds; round++) {
    settings.log(`[${workload.id}/${mode}] round ${round + 1}/${settings.rounds}`);
    for (const peer of peers) {
      const steps = peer.result.stepsPerRound;
      if (steps === undefined || peer.result.samples === undefined) continue;
      const ms = await timeBatch(peer, steps);
      if (ms !== null) peer.result.samples.push(ms / steps);
    }
  }
}

async function timeBatch(peer: LivePeer, steps: number): Promise<number | null> {
  if (peer.worker === null) return null;
  try {
    const reply = await peer.worker.request<TimeReply>({ op: "time", steps }, TIME_TIMEOUT_MS);
    if (reply.ok) return reply.ms;
    fail(peer, "error", reply.error);
  } catch (error) {
    fail(peer, "error", (error as Error).message);
  }
  peer.result.samples = undefined;
  peer.result.stepsPerRound = undefined;
  return null;
}

function summarise(peers: LivePeer[], flops: number): void {
  for (const peer of peers) {
    const samples = peer.result.samples;
    if (samples === undefined || samples.length === 0) continue;
    peer.result.medianMs = median(samples);
    peer.result.gflops = flops / (peer.result.medianMs * 1e6);
  }
  const fused = peers.find((peer) => peer.spec.name === FUSED)?.result.medianMs;
  if (fused === undefined) return;
  for (const peer of peers) {
    if (peer.result.medianMs !== undefined) peer.result.ratioToFused = peer.result.medianMs / fused;
  }
}

/** Returns the median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function recordRss(peer: LivePeer): Promise<void> {
  if (peer.worker === null || peer.result.status === "unavailable") return;
  try {
    const reply = await peer.worker.request<RssReply>({ op: "rss" }, 10_000);
    if (reply.ok) peer.result.maxRssMiB = reply.maxRssKiB / 1024;
  } catch {
    // A worker that already died has no RSS to report; its failure is recorded above.
  }
}
