// Compiles the worker process, its peers and the src/ files they import to JavaScript with tsc.

import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = dirname(BENCH_DIR);

/** tsconfig of the worker build: the repository's compiler options, emitting JavaScript. */
const WORKER_TSCONFIG = join(BENCH_DIR, "tsconfig.workers.json");

/**
 * Output directory of this harness process's build. It sits inside the repository, so that
 * Node resolves @tensorflow/tfjs and @jax-js/jax from the repository's node_modules, and the
 * process id keeps two benchmark runs at once from deleting each other's files.
 */
export const COMPILED_DIR = join(BENCH_DIR, ".cache", "js", String(process.pid));

/** The compiled bench/worker.ts. The output keeps the repository's layout, with rootDir at its root. */
export const COMPILED_WORKER = join(COMPILED_DIR, "bench", "worker.js");

/**
 * The library's fused worker thread, which src/node/fused-threads.js starts from the file
 * next to it. Nothing imports it, so bench/tsconfig.workers.json lists it by name.
 */
export const COMPILED_FUSED_THREAD_WORKER = join(
  COMPILED_DIR,
  "src",
  "node",
  "fused-thread-worker.js",
);

/** Raised when tsc reports errors or cannot start. Its message contains tsc's output. */
export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CompileError";
  }
}

/**
 * Compiles bench/worker.ts and bench/peers/*.ts, with every src/ file they import and the
 * library's fused worker thread, into COMPILED_DIR, after deleting what an earlier build
 * left there. Worker processes then run as plain `node`, without the tsx loader, which added
 * 36 to 46 MiB to a process's peak RSS here. Type errors count as a failed build
 * (`noEmitOnError`), so no partial output is left.
 */
export function compileWorkers(log: (message: string) => void): void {
  removeCompiled();
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  log(`compiling the worker processes with tsc into ${relative(REPO_DIR, COMPILED_DIR)}`);
  const started = performance.now();
  const result = spawnSync(
    process.execPath,
    [tsc, "-p", WORKER_TSCONFIG, "--outDir", COMPILED_DIR],
    { cwd: REPO_DIR, encoding: "utf8" },
  );

  if (result.error !== undefined) {
    throw new CompileError(`tsc failed to start: ${result.error.message}`);
  }
  if (result.status !== 0 || !existsSync(COMPILED_WORKER)) {
    // tsc prints its diagnostics on stdout.
    const output = `${result.stdout}${result.stderr}`.trim();
    const exit = result.signal ?? `exit code ${result.status}`;
    throw new CompileError(
      `tsc -p ${relative(REPO_DIR, WORKER_TSCONFIG)} failed (${exit}):\n${output}`,
    );
  }
  if (!existsSync(COMPILED_FUSED_THREAD_WORKER)) {
    throw new CompileError(
      `tsc -p ${relative(REPO_DIR, WORKER_TSCONFIG)} did not emit ${relative(REPO_DIR, COMPILED_FUSED_THREAD_WORKER)}, ` +
        "which the siren-pinn-fused-2t peer needs. Add the library's fused worker thread " +
        "(src/node/fused-thread-worker.ts) to include in that tsconfig.",
    );
  }
  log(`compiled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/** Deletes this process's build directory if it exists. */
export function removeCompiled(): void {
  rmSync(COMPILED_DIR, { recursive: true, force: true });
}
