// The files `--out DIR` writes: results.json, one model file per run and the SVG figures.
// Every file is written atomically, and results.json last, so a folder whose results.json is
// new also has the models and figures it lists.

import { promises as fsp } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../pinn/atomic-write.js";
import type { NonFiniteLossError } from "../pinn/errors.js";
import { saveModel } from "../pinn/model-io.js";
import type { Problem } from "../pinn/problem.js";
import type { TrainResult } from "../pinn/train.js";
import { comparisonFigures, runFigures } from "./plots.js";
import type { RunRecord } from "./record.js";

/**
 * Writes the outputs of one finished `train` run into `folder`, its file names starting with
 * `run.stem`; returns the paths written.
 */
export async function writeTrainOutputs(
  folder: string,
  problem: Problem,
  run: FinishedRun,
): Promise<string[]> {
  const { record } = run;
  await fsp.mkdir(folder, { recursive: true });
  const written = await writeRun(folder, problem, run);
  const resultsPath = path.join(folder, "results.json");
  await writeFileAtomic(
    resultsPath,
    `${JSON.stringify({ problem: problem.name, runs: [record] }, null, 2)}\n`,
  );
  return [resultsPath, ...written];
}

/** A finished run, its record and the stem its file names start with. */
export interface FinishedRun {
  result: TrainResult;
  record: RunRecord;
  stem: string;
}

/**
 * Writes the outputs of a `compare` into `folder`: every finished run, the comparison figures
 * and results.json with every record (stopped runs included).
 */
export async function writeCompareOutputs(
  folder: string,
  problem: Problem,
  finished: readonly FinishedRun[],
  records: readonly RunRecord[],
  note: string | null,
): Promise<string[]> {
  await fsp.mkdir(folder, { recursive: true });
  const written: string[] = [];
  for (const run of finished) {
    written.push(...(await writeRun(folder, problem, run)));
  }

  const runs = finished.map(({ result, record }) => ({ label: record.label, result }));
  for (const [name, svg] of comparisonFigures(problem, runs)) {
    const figurePath = path.join(folder, `${name}.svg`);
    await writeFileAtomic(figurePath, svg);
    written.push(figurePath);
  }

  const resultsPath = path.join(folder, "results.json");
  const results = { problem: problem.name, runs: records, note };
  await writeFileAtomic(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
  return [resultsPath, ...written];
}

/** Saves the last finite parameters of a run stopped by a non-finite loss, with the record. */
export async function writeFailedRun(
  folder: string,
  problem: Problem,
  failure: NonFiniteLossError,
  record: RunRecord,
  stem: string,
): Promise<string[]> {
  await fsp.mkdir(folder, { recursive: true });
  const modelPath = path.join(folder, `${stem}.model.json`);
  await saveModel(modelPath, failure.model, {
    problem: problem.name,
    label: record.label,
    stoppedAtStep: failure.step,
    term: failure.term,
  });
  const resultsPath = path.join(folder, "results.json");
  await writeFileAtomic(
    resultsPath,
    `${JSON.stringify({ problem: problem.name, runs: [record] }, null, 2)}\n`,
  );
  return [resultsPath, modelPath];
}

async function writeRun(folder: string, problem: Problem, run: FinishedRun): Promise<string[]> {
  const { result, record, stem } = run;
  const modelPath = path.join(folder, `${stem}.model.json`);
  await saveModel(modelPath, result.model, {
    problem: problem.name,
    label: record.label,
    relativeL2: record.relativeL2,
    steps: record.steps,
    seed: result.options.seed,
  });

  const written = [modelPath];
  for (const [name, svg] of runFigures(problem, record.label, result)) {
    const figurePath = path.join(folder, `${stem}-${name}.svg`);
    await writeFileAtomic(figurePath, svg);
    written.push(figurePath);
  }
  return written;
}
