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
