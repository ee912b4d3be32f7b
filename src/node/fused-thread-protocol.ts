// The shared control block and messages between the fused path and its worker thread.

import type { WasmMemory } from "../dual/wasm-emit.js";
import type { FusedPlan } from "../siren/fused-network.js";

/** Int32 slots of the control block. */
export const CONTROL = {
  /** Bumped by the caller to start a phase (or to stop). */
  sequence: 0,
  /** Set by the worker to the sequence it finished. */
  done: 1,
  /** PHASE_FORWARD, PHASE_BACKWARD or PHASE_STOP. */
  phase: 2,
  /** Id of the set to run. */
  set: 3,
  /** Bumped by the worker after every layer, so a waiting caller can tell it is alive. */
  progress: 4,
  /** 1 when the worker's last phase failed; the error follows on the port. */
  failed: 5,
  /**
   * The last sequence whose other parts someone claimed: the worker or the caller takes phase
   * s by a compare-exchange from s − 1 to s, so exactly one of them runs those parts.
   */
  claim: 6,
  size: 7,
} as const;

export const PHASE_FORWARD = 1;
export const PHASE_BACKWARD = 2;
export const PHASE_STOP = 3;

/** Sent once per set before its first phase: what the worker carves from which memory. */
export interface PlanMessage {
  readonly id: number;
  readonly plan: FusedPlan;
  readonly memory: WasmMemory;
}

/** Sent when the caller's set was garbage-collected, so the worker lets go of its memory. */
export interface ForgetMessage {
  readonly forget: number;
}

/**
 * How long the worker spins for the next phase before it blocks in Atomics.wait. Waking a
 * blocked thread took 0.1 to 0.16 ms here, twice per step, against a 2 ms step. The gaps
 * between the phases of a step were 0.1 to 0.3 ms, so a spin this long catches most of them.
 * A longer pause ends in a blocking wait, and a spin never holds a core for long when another
 * process needs it.
 */
export const WORKER_SPIN_MS = 0.3;

/**
 * Returns once control[index] differs from `seen`: spins for up to `spinMs`, then waits in
 * slices of `sliceMs`, calling `onSlice` after each slice (which may throw to give up).
 */
export function awaitChange(
  control: Int32Array,
  index: number,
  seen: number,
  spinMs: number,
  sliceMs: number,
  onSlice: () => void = () => undefined,
): void {
  const spinUntil = performance.now() + spinMs;
  let spins = 0;
  while (Atomics.load(control, index) === seen) {
    // Reading the clock costs more than a load, so look at it every 256 spins only.
    if (++spins % 256 !== 0 || performance.now() < spinUntil) continue;
    Atomics.wait(control, index, seen, sliceMs);
    if (Atomics.load(control, index) === seen) onSlice();
  }
}
