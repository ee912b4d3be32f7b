// The fused path's worker thread: attaches to shared fused sets and runs their part 1.

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { type MessagePort, receiveMessageOnPort, workerData } from "node:worker_threads";
import { GemmArena } from "../dual/gemm-arena.js";
import { backwardPart, buildFusedSet, type FusedSet, forwardPart } from "../siren/fused-network.js";
import {
  awaitChange,
  CONTROL,
  type ForgetMessage,
  PHASE_FORWARD,
  PHASE_STOP,
  type PlanMessage,
  WORKER_SPIN_MS,
} from "./fused-thread-protocol.js";

const { control, port } = workerData as { control: Int32Array; port: MessagePort };
const sets = new Map<number, FusedSet>();
/** True when a set was dropped since the last collection. */
let forgotten = false;

/**
 * Runs a full garbage collection of this thread's heap. The worker allocates almost nothing,
 * so its collector rarely runs on its own, and the views of a dropped set would keep that
 * set's shared memory alive (400 dropped models of width 64 kept 1.9 GB here). Node exposes
 * no collection call without --expose-gc, so the flag is set from here. Node's documentation
 * advises care with flags set after start, and new vm contexts also get a gc function.
 */
const collectGarbage: () => void = (() => {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
})();

/** Error messages of the plans that could not be carved, by set id. */
const failed = new Map<number, string>();

/** Handles one message from the caller: a new set to attach to, or one to forget. */
function handle(message: PlanMessage | ForgetMessage): void {
  if ("forget" in message) {
    sets.delete(message.forget);
    failed.delete(message.forget);
    forgotten = true;
    return;
  }
  try {
    const arena = GemmArena.attach(message.memory);
    if (arena === null) {
      throw new Error("shared WebAssembly memory is not available in the worker");
    }
    sets.set(message.id, buildFusedSet(message.plan, arena));
  } catch (error) {
    failed.set(message.id, error instanceof Error ? error.message : String(error));
  }
}

/** Handles every queued message, then returns set `id` (its plan is posted before the phase). */
function setFor(id: number): FusedSet {
  for (;;) {
    for (let received = receiveMessageOnPort(port); received !== undefined; ) {
      handle(received.message as PlanMessage | ForgetMessage);
      received = receiveMessageOnPort(port);
    }
    if (forgotten) {
      forgotten = false;
      collectGarbage();
    }
    const known = sets.get(id);
    if (known !== undefined) return known;
    const reason = failed.get(id);
    if (reason !== undefined)
      throw new Error(`fused worker: could not attach to set ${id}: ${reason}`);
    // Posted but not yet queued here: wait a moment on the control block and look again.
    Atomics.wait(control, CONTROL.failed, Atomics.load(control, CONTROL.failed), 1);
  }
}

/** Marks progress, so that a caller waiting on this thread can tell it is alive. */
function progressed(): void {
  Atomics.add(control, CONTROL.progress, 1);
}

/** Runs parts 1 .. parts − 1 of the phase, marking progress after every layer. */
function runPhase(set: FusedSet, phase: number): void {
  for (let q = 1; q < set.parts; q++) {
    if (phase === PHASE_FORWARD) {
      forwardPart(set, q, progressed);
    } else {
      backwardPart(set, q, progressed);
    }
  }
}

// Shared WebAssembly memory is what the worker needs; report its absence now rather than at the first step.
const probe = GemmArena.create(1, true);
port.postMessage(
  probe === null
    ? { error: "shared WebAssembly memory with SIMD is not available" }
    : { ready: true },
);

let seen = 0;
while (probe !== null) {
  awaitChange(control, CONTROL.sequence, seen, WORKER_SPIN_MS, Number.POSITIVE_INFINITY);
  const sequence = Atomics.load(control, CONTROL.sequence);
  if (sequence === seen) continue;
  seen = sequence;
  const phase = Atomics.load(control, CONTROL.phase);
  if (phase === PHASE_STOP) break;
  const id = Atomics.load(control, CONTROL.set);

  // The caller runs the other parts itself when it finishes part 0 before this thread claims
  // them. Phase and set were read before the claim: had they changed since, the caller would
  // have claimed this sequence already, so a successful claim means they belong to it.
  if (Atomics.compareExchange(control, CONTROL.claim, sequence - 1, sequence) !== sequence - 1) {
    continue;
  }
  try {
    runPhase(setFor(id), phase);
  } catch (error) {
    port.postMessage({
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    Atomics.store(control, CONTROL.failed, 1);
  }
  Atomics.store(control, CONTROL.done, sequence);
  Atomics.notify(control, CONTROL.done);
}
