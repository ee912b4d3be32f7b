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
  size: 6,
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
 * How long a thread spins on the control block before it blocks in Atomics.wait. Waking a
 * blocked thread took 0.1 to 0.16 ms here, twice per step, against a 2 ms step. The gaps
 * between the phases of a step are about 0.1 to 0.3 ms, so a spin this long catches them. A
 * longer pause (between training runs, for example) ends in a blocking wait that uses no CPU.
 */
export const SPIN_MS = 1;

/**
 * Returns once control[index] differs from `seen`: spins for up to SPIN_MS, then waits in
 * slices of `sliceMs`, calling `onSlice` after each slice (which may throw to give up).
 */
export function awaitChange(
  control: Int32Array,
  index: number,
  seen: number,
  sliceMs: number,
  onSlice: () => void = () => undefined,
): void {
  const spinUntil = performance.now() + SPIN_MS;
  let spins = 0;
  while (Atomics.load(control, index) === seen) {
    // Reading the clock costs more than a load, so look at it every 256 spins only.
    if (++spins % 256 !== 0 || performance.now() < spinUntil) continue;
    Atomics.wait(control, index, seen, sliceMs);
    if (Atomics.load(control, index) === seen) onSlice();
  }
}
