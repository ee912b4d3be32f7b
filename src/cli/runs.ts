// Runs several trainings, in worker threads when the compiled build is available, else one by one.

import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { NonFiniteLossError } from "../pinn/errors.js";
import type { TrainMetrics } from "../pinn/evaluate.js";
import type { HistoryEntry } from "../pinn/history.js";
import type { Problem } from "../pinn/problem.js";
import {
  createModel,
  type ResolvedTrainOptions,
  resolveTrainOptions,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  train,
} from "../pinn/train.js";
import type { ProgressReporter } from "./progress.js";

/** One run to train: its label and options (without a progress callback). */
export interface PlannedRun {
  label: string;
  options: TrainOptions;
}

/** A finished run or one stopped by a non-finite loss. */
export type RunOutcome =
  | { result: TrainResult; failure: null }
  | { result: null; failure: NonFiniteLossError };

/** A job the main thread sends a worker. */
export interface WorkerJob {
  problem: string;
  parameters: Record<string, number>;
  options: Omit<TrainOptions, "onProgress">;
}

/** A message a worker sends back: progress, a result, a non-finite stop or an error. */
export type WorkerMessage =
  | { type: "progress"; progress: TrainProgress }
  | {
      type: "done";
      params: Float64Array;
      history: HistoryEntry[];
      metrics: TrainMetrics;
      adamMetrics: TrainMetrics;
      options: ResolvedTrainOptions;
      adamSteps: number;
      lbfgsIterations: number;
      lbfgsReason: string | null;
      seconds: number;
    }
  | {
      type: "non-finite";
      step: number;
      phase: "adam" | "lbfgs";
      term: string;
      value: number;
      params: Float64Array;
      history: HistoryEntry[];
    }
  | { type: "error"; message: string };

const WORKER_URL = new URL("./train-worker.js", import.meta.url);

/** Default number of runs trained at once: one per core, at most 2. */
export function defaultJobs(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

/**
 * Returns whether runs can go to worker threads. The worker is the compiled
 * train-worker.js, so running from the TypeScript sources (as the tests do) trains in
 * this thread instead.
 */
export function workersAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Trains every planned run of `problem`, a shipped problem that getProblem(problem.name,
 * parameters) rebuilds in a worker, and returns the outcomes in plan order. With
 * `jobs` > 1 and the compiled build, up to `jobs` runs train at once in worker threads;
 * each run is seeded on its own, so the results do not depend on `jobs`. `onOutcome` is
 * called as each run ends.
 */
export async function executeRuns(
  problem: Problem,
  parameters: Record<string, number>,
  planned: readonly PlannedRun[],
  jobs: number,
  reporters: readonly ProgressReporter[],
  onOutcome: (index: number, outcome: RunOutcome) => void = () => undefined,
): Promise<RunOutcome[]> {
  const outcomes = new Array<RunOutcome>(planned.length);
  if (jobs <= 1 || planned.length <= 1 || !workersAvailable()) {
    planned.forEach((run, index) => {
      outcomes[index] = trainHere(problem, run, reporters[index]);
      onOutcome(index, outcomes[index]);
    });
    return outcomes;
  }

  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < planned.length) {
      const index = next++;
      outcomes[index] = await trainInWorker(problem, parameters, planned[index], reporters[index]);
      onOutcome(index, outcomes[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, planned.length) }, lane));
  return outcomes;
}

function trainHere(problem: Problem, run: PlannedRun, reporter: ProgressReporter): RunOutcome {
  try {
    const result = train(problem, {
      ...run.options,
      onProgress: (progress) => reporter.update(progress),
    });
    return { result, failure: null };
  } catch (error) {
    if (error instanceof NonFiniteLossError) return { result: null, failure: error };
    throw error;
  }
}

function trainInWorker(
  problem: Problem,
  parameters: Record<string, number>,
  run: PlannedRun,
  reporter: ProgressReporter,
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL);
    let settled = false;
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      action();
      void worker.terminate();
    };

    worker.on("message", (message: WorkerMessage) => {
      switch (message.type) {
        case "progress":
          reporter.update(message.progress);
          return;
        case "done":
          settle(() => resolve({ result: rebuildResult(problem, message), failure: null }));
          return;
        case "non-finite": {
          const model = createModel(problem, resolveTrainOptions(problem, run.options));
          model.setParams(message.params);
          const failure = new NonFiniteLossError(
            problem.name,
            message.step,
            message.phase,
            message.term,
            message.value,
            model,
            message.history,
          );
          settle(() => resolve({ result: null, failure }));
          return;
        }
        case "error":
          settle(() => reject(new Error(message.message)));
          return;
      }
    });
    worker.on("error", (error) => settle(() => reject(error)));
    worker.on("exit", (code) => {
      settle(() =>
        reject(
          new Error(
            `train worker for ${run.label} exited with code ${code} before reporting a result`,
          ),
        ),
      );
    });

    const job: WorkerJob = { problem: problem.name, parameters, options: run.options };
    worker.postMessage(job);
  });
}

function rebuildResult(
  problem: Problem,
  message: Extract<WorkerMessage, { type: "done" }>,
): TrainResult {
  const model = createModel(problem, message.options);
  model.setParams(message.params);
  return {
    problem,
    options: message.options,
    model,
    history: message.history,
    metrics: message.metrics,
    adamMetrics: message.adamMetrics,
    adamSteps: message.adamSteps,
    lbfgsIterations: message.lbfgsIterations,
    lbfgsReason: message.lbfgsReason,
    seconds: message.seconds,
  };
}
