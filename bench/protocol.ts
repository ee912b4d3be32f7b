// Messages between the benchmark harness and a worker process, one JSON object per line.

import type { PeerMode } from "./peers/peer.js";

/**
 * Prefix of every reply line. Libraries print their own notices on stdout (TensorFlow.js
 * does on load), so the harness reads only lines that start with this prefix.
 */
export const REPLY_PREFIX = "@@bench ";

/** A request from the harness. */
export type Request =
  | { op: "setup"; peer: string; weightsPath: string; mode: PeerMode }
  | { op: "check"; steps: number }
  | { op: "time"; steps: number }
  | { op: "rss" }
  | { op: "memory"; steps: number; sampleEvery: number }
  | { op: "exit" };

/** A worker's reply to `setup`: the peer's facts, or why it cannot run here. */
export type SetupReply =
  | { ok: true; precision: "float64" | "float32"; info: Record<string, string> }
  | { ok: false; unavailable: boolean; error: string };

/** A reply to `check`: the loss before the first update, after each update and after `steps` updates. */
export type CheckReply =
  | { ok: true; initial: number; final: number; losses: number[] }
  | { ok: false; error: string };

/** A reply to `time`: wall time of `steps` consecutive steps in milliseconds. */
export type TimeReply = { ok: true; ms: number } | { ok: false; error: string };

/** A reply to `rss`: the process's peak resident set size in KiB. */
export type RssReply = { ok: true; maxRssKiB: number } | { ok: false; error: string };

/** Memory use after a forced full garbage collection at one step of the memory check. */
export interface MemorySample {
  /** Training steps done before the sample. */
  readonly step: number;
  /** `process.memoryUsage()` fields, in bytes. */
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly external: number;
  readonly rss: number;
}

/**
 * A reply to `memory`: samples every `sampleEvery` steps and after the last one, the loss
 * before the last update, the wall time in ms of the steps and forced collections, and the
 * peak RSS in KiB.
 */
export type MemoryReply =
  | {
      ok: true;
      samples: MemorySample[];
      lastLoss: number;
      ms: number;
      maxRssKiB: number;
    }
  | { ok: false; error: string };

/** Any reply. */
export type Reply = SetupReply | CheckReply | TimeReply | RssReply | MemoryReply;
