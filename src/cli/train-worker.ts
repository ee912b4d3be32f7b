// Worker thread that trains one run for `siren-pinn compare` and posts its progress and result.

import { parentPort } from "node:worker_threads";
import { NonFiniteLossError } from "../pinn/errors.js";
import { getProblem } from "../pinn/problems/index.js";
import { train } from "../pinn/train.js";
import type { WorkerJob, WorkerMessage } from "./runs.js";

/** Progress messages are sent at most this often, in milliseconds. */
const PROGRESS_INTERVAL_MS = 50;

const port = parentPort;
if (port === null) {
  throw new TypeError("train-worker: this module must run in a worker thread");
}

port.once("message", (job: WorkerJob) => {
  const post = (message: WorkerMessage): void => port.postMessage(message);
  const problem = getProblem(job.problem, job.parameters);
  let lastPost = Number.NEGATIVE_INFINITY;

  try {
    const result = train(problem, {
      ...job.options,
      onProgress: (progress) => {
        const now = performance.now();
        if (now - lastPost < PROGRESS_INTERVAL_MS) return;
        lastPost = now;
        post({ type: "progress", progress });
      },
    });
    post({
      type: "done",
      params: result.model.params,
      history: result.history,
      metrics: result.metrics,
      adamMetrics: result.adamMetrics,
      options: result.options,
      adamSteps: result.adamSteps,
      lbfgsIterations: result.lbfgsIterations,
      lbfgsReason: result.lbfgsReason,
      seconds: result.seconds,
    });
  } catch (error) {
    if (error instanceof NonFiniteLossError) {
      post({
        type: "non-finite",
        step: error.step,
        phase: error.phase,
        term: error.term,
        value: error.value,
        params: error.model.params,
        history: [...error.history],
      });
      return;
    }
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  }
});
