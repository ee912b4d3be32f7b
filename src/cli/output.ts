// The files `--out DIR` writes: results.json, one model file per run and the SVG figures.

import { promises as fsp } from "node:fs";
import path from "node:path";
import type { NonFiniteLossError } from "../pinn/errors.js";
import { saveModel } from "../pinn/model-io.js";
import type { Problem } from "../pinn/problem.js";
import type { TrainResult } from "../pinn/train.js";
import { fileStem, writeFileAtomic } from "./files.js";
import { comparisonFigures, runFigures } from "./plots.js";
import type { RunRecord } from "./record.js";

/** Writes the outputs of one finished `train` run into `folder`; returns the paths written. */
export async function writeTrainOutputs(
  folder: string,
  problem: Problem,
  result: TrainResult,
  record: RunRecord,
): Promise<string[]> {
  await fsp.mkdir(folder, { recursive: true });
  const written = await writeRun(folder, problem, result, record);
  const resultsPath = path.join(folder, "results.json");
  await writeFileAtomic(
    resultsPath,
    `${JSON.stringify({ problem: problem.name, runs: [record] }, null, 2)}\n`,
  );
  return [resultsPath, ...written];
}

/**
 * Writes the outputs of a `compare` into `folder`: every finished run, the comparison figures
 * and results.json with every record (stopped runs included).
 */
export async function writeCompareOutputs(
  folder: string,
  problem: Problem,
  finished: readonly { result: TrainResult; record: RunRecord }[],
  records: readonly RunRecord[],
  note: string | null,
): Promise<string[]> {
  await fsp.mkdir(folder, { recursive: true });
  const written: string[] = [];
  for (const { result, record } of finished) {
    written.push(...(await writeRun(folder, problem, result, record)));
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
): Promise<string[]> {
  await fsp.mkdir(folder, { recursive: true });
  const modelPath = path.join(folder, `${fileStem(record.label)}.model.json`);
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

async function writeRun(
  folder: string,
  problem: Problem,
  result: TrainResult,
  record: RunRecord,
): Promise<string[]> {
  const stem = fileStem(record.label);
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
