// Harness side of a worker process: spawns it, sends requests and waits for the replies.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { COMPILED_WORKER } from "./compile.js";
import { REPLY_PREFIX, type Reply, type Request } from "./protocol.js";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));

/** Lines of a worker's own output kept for error reports. */
const LOG_LINES = 20;

/** Command line and environment of a peer's worker process. */
export interface WorkerCommand {
  readonly command: string;
  readonly args: string[];
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Starts the compiled bench/worker.ts under the Node that runs the harness, with `nodeFlags`
 * (such as `--expose-gc`) before the script. Call `compileWorkers` first.
 */
export function nodeWorkerCommand(nodeFlags: readonly string[] = []): WorkerCommand {
  if (!existsSync(COMPILED_WORKER)) {
    throw new Error(`compiled worker ${COMPILED_WORKER} not found; call compileWorkers() first`);
  }
  return {
    command: process.execPath,
    args: [...nodeFlags, COMPILED_WORKER],
    env: process.env,
  };
}

/**
 * Starts bench/peers/numpy_step.py. OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed for
 * this process only, because on this machine they pin old OpenBLAS kernels that slow a
 * current numpy, and OpenBLAS gets `threads` threads: `--numpy-threads` (default 1) for
 * `numpy`, and 2 for `numpy-2t`.
 */
export function pythonWorkerCommand(python: string, threads: number): WorkerCommand {
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  env.OPENBLAS_NUM_THREADS = String(threads);
  env.OMP_NUM_THREADS = String(threads);
  return { command: python, args: [join(BENCH_DIR, "peers", "numpy_step.py"), "--serve"], env };
}

/** Worker processes that have started and not yet exited. */
const running = new Set<ChildProcess>();

/** Kills every running worker process, for a harness that exits on a signal mid-request. */
export function killWorkers(): void {
  for (const child of running) child.kill("SIGKILL");
}

/** A running worker process that handles one request at a time. */
export class WorkerHandle {
  private readonly child: ChildProcess;
  private readonly log: string[] = [];
  private pending: { resolve: (reply: Reply) => void; reject: (error: Error) => void } | null =
    null;
  private exitReason: string | null = null;

  constructor(command: WorkerCommand) {
    // The repository root, whatever directory the harness was started from.
    this.child = spawn(command.command, command.args, {
      cwd: dirname(BENCH_DIR),
      env: command.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    running.add(this.child);
    createInterface({ input: this.child.stdout! }).on("line", (line) => this.onLine(line));
    createInterface({ input: this.child.stderr! }).on("line", (line) => this.keep(line));
    this.child.on("error", (error) => this.onExit(`failed to start: ${error.message}`));
    this.child.on("exit", (code, signal) => this.onExit(`exited with ${signal ?? `code ${code}`}`));
  }

  /** Sends `request` and resolves with the reply, or rejects after `timeoutMs` or if the worker dies. */
  request<T extends Reply>(request: Request, timeoutMs: number): Promise<T> {
    if (this.exitReason !== null)
      return Promise.reject(new Error(`worker ${this.exitReason}${this.tail()}`));
    if (this.pending !== null)
      return Promise.reject(new Error("worker: a request is already in flight"));

    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(
          new Error(`worker timed out after ${Math.round(timeoutMs / 1000)} s on "${request.op}"`),
        );
      }, timeoutMs);
      this.pending = {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.child.stdin!.write(`${JSON.stringify(request)}\n`);
    });
  }

  /** Asks the worker to exit and kills it if it has not after a second. */
  async close(): Promise<void> {
    if (this.exitReason !== null) return;
    const exitEvent = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin!.write(`${JSON.stringify({ op: "exit" })}\n`);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 1000);
    await exitEvent;
    clearTimeout(timer);
  }

  /** Returns the last lines the worker printed outside the protocol, for error reports. */
  tail(): string {
    return this.log.length === 0 ? "" : `; last output: ${this.log.slice(-3).join(" | ")}`;
  }

  private onLine(line: string): void {
    if (!line.startsWith(REPLY_PREFIX)) {
      this.keep(line);
      return;
    }
    const pending = this.pending;
    this.pending = null;
    pending?.resolve(JSON.parse(line.slice(REPLY_PREFIX.length)) as Reply);
  }

  private keep(line: string): void {
    if (line.trim() === "") return;
    this.log.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
    if (this.log.length > LOG_LINES) this.log.shift();
  }

  private onExit(reason: string): void {
    running.delete(this.child);
    this.exitReason = reason;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(new Error(`worker ${reason}${this.tail()}`));
  }
}
