// Node worker threads for the fused path: a second core runs part 1 of every fused evaluation.
//
// The fused set lives in a shared WebAssembly memory. The worker attaches to it once per set
// (a plan message) and then waits on a shared control block. Each phase (forward or
// backward) is one hand-off: the calling thread bumps a sequence number, runs part 0, and
// blocks until the worker has stored the same number as done. Nothing is copied per step, and
// since the parts and the order of the gradient sums do not depend on the threads (see
// src/siren/fused-network.ts), the results are the same bits as on one thread.

import { once } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  MessageChannel,
  type MessagePort,
  receiveMessageOnPort,
  Worker,
} from "node:worker_threads";
import { GemmArena } from "../dual/gemm-arena.js";
import {
  backwardPart,
  type FusedPartRunner,
  type FusedSet,
  forwardPart,
  fusedPartRunner,
  setFusedPartRunner,
} from "../siren/fused-network.js";
import {
  awaitChange,
  CONTROL,
  type ForgetMessage,
  PHASE_BACKWARD,
  PHASE_FORWARD,
  PHASE_STOP,
  type PlanMessage,
} from "./fused-thread-protocol.js";

/**
 * How long the calling thread waits for a worker that shows no progress before it gives up.
 * The worker marks progress after every layer, and a layer of any batch this library sizes
 * takes well under a second here, so silence this long means the worker is gone.
 */
const SILENCE_LIMIT_MS = 30_000;

/** A running set of fused worker threads; `stop` ends them and removes the runner. */
export interface FusedThreads {
  /** Number of threads the fused path uses, the calling one included. */
  readonly threads: number;
  /**
   * Phases (one forward or one backward of a fused evaluation split into parts) run so far,
   * and how many of them had their second part run by the worker thread.
   */
  stats(): { phases: number; byWorker: number };
  stop(): Promise<void>;
}

/** Options of `startFusedThreads`. */
export interface FusedThreadsOptions {
  /**
   * Whether the calling thread runs the worker's part itself when it finishes its own part
   * before the worker has started (default true). That keeps a step near its one-thread time
   * when another process uses the second core. false always waits for the worker.
   */
  readonly takeOver?: boolean;
}

/**
 * Starts a worker thread for the fused path and installs it as the part runner. Fused
 * evaluations of N ≥ 256 points then run their two parts on two cores, and a model whose
 * buffers were made before moves onto new ones at its next evaluation. Results are
 * bit-identical to one thread. Resolves once the worker has loaded, and rejects where shared
 * WebAssembly memory is not available. Call `stop()` when done; the worker does not keep the
 * process alive.
 */
export async function startFusedThreads(options: FusedThreadsOptions = {}): Promise<FusedThreads> {
  const unknown = Object.keys(options).filter((key) => key !== "takeOver");
  if (unknown.length > 0) {
    throw new TypeError(
      `startFusedThreads: unknown option ${JSON.stringify(unknown[0])}; the only option is takeOver`,
    );
  }
  if (options.takeOver !== undefined && typeof options.takeOver !== "boolean") {
    throw new TypeError(
      `startFusedThreads: takeOver must be true or false, received ${JSON.stringify(options.takeOver)}`,
    );
  }
  if (fusedPartRunner() !== null || starting) {
    throw new Error(
      "startFusedThreads: fused threads are already running; call stop() on the running ones first",
    );
  }
  // A caller blocked in Atomics.wait cannot serve a worker that is still loading, so the
  // runner is installed only once the worker reports that it is ready.
  starting = true;
  const runner = new ThreadRunner(options.takeOver ?? true);
  try {
    await runner.ready();
  } finally {
    starting = false;
  }
  setFusedPartRunner(runner);
  return {
    threads: 2,
    stats: () => ({ phases: runner.phases, byWorker: runner.byWorker }),
    stop: async () => {
      if (fusedPartRunner() === runner) setFusedPartRunner(null);
      await runner.stop();
    },
  };
}

/** True while a start waits for its worker, so that a second start is rejected. */
let starting = false;

class ThreadRunner implements FusedPartRunner {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL.size * 4));
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** The worker's id of each arena this runner made. */
  private readonly ids = new WeakMap<GemmArena, number>();
  /** Ids the worker has been sent a plan for. */
  private readonly planned = new Set<number>();
  /**
   * Tells the worker to drop a set once the caller's arena is collected. The memory itself is
   * freed when no thread has a view of it, so tensors a caller kept stay valid.
   */
  private readonly collected = new FinalizationRegistry<number>((id) => {
    if (this.planned.delete(id)) {
      const message: ForgetMessage = { forget: id };
      this.port.postMessage(message);
    }
  });
  private nextId = 1;
  /** Set when the worker stopped making progress; the runner then runs every part itself. */
  private broken = false;
  private sequence = 0;

  /** Phases run, and those whose other parts the worker ran. */
  phases = 0;
  byWorker = 0;

  constructor(private readonly takeOver: boolean) {
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker = startWorker(this.control, channel.port2);
    this.worker.unref();
  }

  createArena(doubles: number): GemmArena | null {
    const arena = GemmArena.create(doubles, true);
    if (arena === null) return null;
    const id = this.nextId++;
    this.ids.set(arena, id);
    this.collected.register(arena, id);
    return arena;
  }

  accepts(set: FusedSet): boolean {
    return set.arena !== null && this.ids.has(set.arena);
  }

  run(set: FusedSet, phase: "forward" | "backward", runPartZero: () => void): void {
    const id = this.broken ? null : this.register(set);
    if (id === null) {
      // A set made before these threads started (or by threads since stopped): run it here.
      runPartZero();
      runOtherParts(set, phase);
      return;
    }

    const control = this.control;
    Atomics.store(control, CONTROL.set, id);
    Atomics.store(control, CONTROL.phase, phase === "forward" ? PHASE_FORWARD : PHASE_BACKWARD);
    const sequence = ++this.sequence;
    Atomics.store(control, CONTROL.sequence, sequence);
    Atomics.notify(control, CONTROL.sequence);

    let failure: unknown = null;
    try {
      runPartZero();
    } catch (error) {
      failure = error;
    }

    // The thread that claims the phase first runs the other parts. When the worker has not
    // started them yet (because another process uses its core, for example), this thread runs
    // them itself instead of waiting, with the same bits. When the worker has claimed them, it
    // writes into the set's buffers until it is done, so this thread waits even after a failure.
    this.phases++;
    const claimed =
      this.takeOver &&
      Atomics.compareExchange(control, CONTROL.claim, sequence - 1, sequence) === sequence - 1;
    if (claimed) {
      if (failure === null) runOtherParts(set, phase);
    } else {
      this.byWorker++;
      this.waitFor(sequence);
    }
    if (failure !== null) throw failure;
  }

  /** Resolves when the worker has loaded its modules; rejects when it failed to start. */
  async ready(): Promise<void> {
    const [message] = (await Promise.race([
      once(this.port, "message"),
      once(this.worker, "error").then(([error]) => {
        throw error;
      }),
    ])) as [{ ready?: boolean; error?: string }];
    if (message.ready !== true) {
      await this.worker.terminate();
      throw new Error(
        `startFusedThreads: the worker could not start: ${message.error ?? "no reason given"}`,
      );
    }
  }

  async stop(): Promise<void> {
    Atomics.store(this.control, CONTROL.phase, PHASE_STOP);
    Atomics.store(this.control, CONTROL.sequence, ++this.sequence);
    Atomics.notify(this.control, CONTROL.sequence);
    await this.worker.terminate();
    this.port.close();
  }

  /**
   * Returns the set's id in the worker, or null for a set whose arena these threads did not make.
   * Sends the worker the plan and memory the first time.
   */
  private register(set: FusedSet): number | null {
    const id = set.arena === null ? undefined : this.ids.get(set.arena);
    if (id === undefined) return null;
    if (!this.planned.has(id)) {
      const message: PlanMessage = { id, plan: set.plan, memory: set.arena!.memory };
      this.port.postMessage(message);
      this.planned.add(id);
    }
    return id;
  }

  /** Blocks until the worker reports `sequence` done; throws its error, or on long silence. */
  private waitFor(sequence: number): void {
    const control = this.control;
    let progress = Atomics.load(control, CONTROL.progress);
    let silentSince = Date.now();
    const checkAlive = () => {
      const now = Atomics.load(control, CONTROL.progress);
      if (now !== progress) {
        progress = now;
        silentSince = Date.now();
      } else if (Date.now() - silentSince > SILENCE_LIMIT_MS) {
        // The worker may still write into this set, so these threads can never be trusted
        // again: uninstall them, and later fused steps run on the calling thread alone.
        this.broken = true;
        if (fusedPartRunner() === this) setFusedPartRunner(null);
        throw new Error(
          `fused threads: the worker made no progress for ${SILENCE_LIMIT_MS / 1000} s, so fused steps now run on one thread; call stop() to end the worker`,
        );
      }
    };
    // The worker stores `sequence` in done when it finishes this phase. Waiting for that value
    // (not just for a change) keeps a late report of an earlier phase from counting.
    for (let done = Atomics.load(control, CONTROL.done); done !== sequence; ) {
      awaitChange(control, CONTROL.done, done, 1, 1000, checkAlive);
      done = Atomics.load(control, CONTROL.done);
    }

    if (Atomics.load(control, CONTROL.failed) !== 0) {
      Atomics.store(control, CONTROL.failed, 0);
      const report = receiveMessageOnPort(this.port)?.message as { error?: string } | undefined;
      throw new Error(`fused threads: the worker failed: ${report?.error ?? "no message"}`);
    }
  }
}

/** Runs parts 1 .. parts − 1 of `phase` on the calling thread. */
function runOtherParts(set: FusedSet, phase: "forward" | "backward"): void {
  for (let q = 1; q < set.parts; q++) {
    if (phase === "forward") forwardPart(set, q);
    else backwardPart(set, q);
  }
}

/**
 * Starts the worker: the compiled fused-thread-worker.js next to this module, or, when the
 * library runs from its TypeScript sources (the tests, tsx), the .ts file through tsx.
 */
function startWorker(control: Int32Array, port: MessagePort): Worker {
  const workerData = { control, port };
  const options = { workerData, transferList: [port] };
  const compiled = new URL("./fused-thread-worker.js", import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, options);

  const source = new URL("./fused-thread-worker.ts", import.meta.url);
  const tsx = import.meta.resolve("tsx/esm/api");
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(source.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
