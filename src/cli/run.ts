// The `siren-pinn` commands: problems, train and compare.

import { type FusedThreads, startFusedThreads } from "../node/index.js";
import type { NonFiniteLossError } from "../pinn/errors.js";
import type { Problem } from "../pinn/problem.js";
import { getProblem, PROBLEMS } from "../pinn/problems/index.js";
import { resolveTrainOptions, type TrainOptions, type TrainResult } from "../pinn/train.js";
import {
  hasVanishingSecondDerivatives,
  PART_POINTS,
  RELU_SECOND_DERIVATIVE_NOTE,
} from "../siren/index.js";
import { runVerifyCommand } from "../verify/verify-command.js";
import { parseCommandLine, type RunArguments, UsageError } from "./args.js";
import { fileStem, prepareOutputFolder, uniqueStems } from "./files.js";
import { HELP } from "./help.js";
import { writeCompareOutputs, writeFailedRun, writeTrainOutputs } from "./output.js";
import { createProgressBoard, formatSeconds, type OutputStream } from "./progress.js";
import { type RunRecord, runRecord } from "./record.js";
import { defaultJobs, executeRuns, type PlannedRun, type RunOutcome } from "./runs.js";
import { formatError, formatTable } from "./table.js";

/** The streams the CLI writes to. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
}

/** Exit code of a usage error: unknown command, problem, option or value. */
export const EXIT_USAGE = 2;
/** Exit code of a run that failed, e.g. a loss that became NaN. */
export const EXIT_FAILURE = 1;

/** Runs the command line `argv` (without the program name) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseCommandLine(argv);
    switch (parsed.command) {
      case "help":
        io.stdout.write(HELP);
        return 0;
      case "problems":
        listProblems(io, parsed.json);
        return 0;
      case "train":
        return await trainCommand(parsed, io);
      case "compare":
        return await compareCommand(parsed, io);
      case "verify":
        return verifyCommand(parsed, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`siren-pinn: ${error.message}\nRun "siren-pinn help" for usage.\n`);
      return EXIT_USAGE;
    }
    io.stderr.write(`siren-pinn: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT_FAILURE;
  }
}

function verifyCommand(parsed: RunArguments, io: CliIo): number {
  const result = runVerifyCommand({
    problem: parsed.problem,
    parameters: parsed.parameters,
    activation: parsed.activation,
    omega0: parsed.omega0,
    hiddenOmega: parsed.hiddenOmega,
    hidden: parsed.hidden,
    points: parsed.points,
    seed: parsed.seed,
    json: parsed.json,
  });
  io.stdout.write(`${result.text}\n`);
  return result.exitCode;
}

function listProblems(io: CliIo, json: boolean): void {
  const entries = PROBLEMS.map((entry) => {
    const problem = entry.create();
    return {
      name: entry.name,
      summary: entry.summary,
      parameters: entry.parameters,
      defaults: problem.defaults ?? {},
    };
  });
  if (json) {
    io.stdout.write(`${JSON.stringify({ problems: entries }, null, 2)}\n`);
    return;
  }
  const rows = entries.map((entry) => [
    entry.name,
    entry.summary,
    Object.entries(entry.parameters)
      .map(([name, parameter]) => `${name}=${parameter.default}`)
      .join(" ") || "-",
    entry.defaults.omega0 === undefined ? "-" : String(entry.defaults.omega0),
  ]);
  io.stdout.write(`${formatTable(["problem", "equation", "parameters", "default ω0"], rows)}\n`);
}

function trainOptions(args: RunArguments): TrainOptions {
  return {
    activation: args.activation,
    omega0: args.omega0,
    hiddenOmega: args.hiddenOmega,
    hidden: args.hidden,
    steps: args.steps,
    lbfgs: args.lbfgs,
    lr: args.lr,
    lrDecay: args.lrDecay,
    points: args.points,
    sampling: args.sampling,
    seed: args.seed,
    path: args.path,
  };
}

/** Progress goes to stdout, except with --json, where stdout carries only the JSON. */
function progressStream(args: RunArguments, io: CliIo): OutputStream {
  return args.json ? io.stderr : io.stdout;
}

/** Returns the note printed when a ReLU network meets a residual with second derivatives, else null. */
export function reluNote(problem: Problem, activation: string): string | null {
  if (activation !== "relu" || problem.order < 2) return null;
  if (!hasVanishingSecondDerivatives("relu")) return null;
  return `${problem.name} reads second derivatives, and for ReLU networks u'' ≡ 0 almost everywhere, so the PDE term carries no information. ${RELU_SECOND_DERIVATIVE_NOTE}`;
}

/** Trains `planned` runs with progress output and returns each outcome with its record. */
async function runAll(
  problem: Problem,
  planned: readonly PlannedRun[],
  args: RunArguments,
  io: CliIo,
): Promise<RunResultWithRecord[]> {
  const board = createProgressBoard(
    progressStream(args, io),
    planned.map((run) => run.label),
    args.quiet,
  );
  const reporters = planned.map((_, index) => board.reporter(index));
  const finished: RunResultWithRecord[] = [];
  const finish = (index: number, outcome: RunOutcome): void => {
    finished[index] = withRecord(problem, planned[index], outcome);
    const { record, failure } = finished[index];
    reporters[index].finish(
      failure === null
        ? `done in ${formatSeconds(record.seconds)}: relative L2 ${formatError(record.relativeL2)}, max error ${formatError(record.maxError)}`
        : `stopped: ${failure.message}`,
    );
  };

  const jobs = args.jobs ?? defaultJobs();
  await executeRuns(problem, args.parameters, planned, jobs, reporters, finish);
  return finished;
}

/** A run's outcome with its JSON record. */
interface RunResultWithRecord {
  result: TrainResult | null;
  record: RunRecord;
  failure: NonFiniteLossError | null;
}

function withRecord(problem: Problem, run: PlannedRun, outcome: RunOutcome): RunResultWithRecord {
  if (outcome.result !== null) {
    return { result: outcome.result, record: runRecord(run.label, outcome.result), failure: null };
  }
  const failure = outcome.failure;
  const settings = resolveTrainOptions(problem, run.options);
  const record: RunRecord = {
    label: run.label,
    activation: settings.activation,
    omega0: settings.activation === "sine" ? settings.omega0 : null,
    relativeL2: null,
    relativeL2Adam: null,
    maxError: null,
    finalLoss: null,
    residualRms: null,
    steps: failure.step,
    seconds: 0,
    error: failure.message,
  };
  return { result: null, record, failure };
}

async function trainCommand(args: RunArguments, io: CliIo): Promise<number> {
  const problem = getProblem(args.problem, args.parameters);
  const options = trainOptions(args);
  const settings = resolveTrainOptions(problem, options);
  const label = settings.activation === "sine" ? `sine ω0=${settings.omega0}` : settings.activation;
  const note = reluNote(problem, settings.activation);
  if (args.out !== undefined) await prepareOutputFolder(args.out);

  // Fused threads give the same bits, so --threads changes the time and nothing else.
  const threads = args.threads > 1 && args.path === "fused" ? await startFusedThreads() : null;
  let outcome: RunResultWithRecord;
  try {
    [outcome] = await runAll(problem, [{ label, options }], args, io);
  } finally {
    await threads?.stop();
  }
  const { result, record, failure } = outcome;
  if (threads !== null && !args.quiet) io.stderr.write(threadsLine(settings.points, threads));

  // The results are printed before the files are written, so a failed write loses nothing.
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ problem: problem.name, run: record, note }, null, 2)}\n`);
  } else {
    io.stdout.write(`${formatRuns([record])}\n`);
    if (note !== null) io.stdout.write(`\nNote: ${note}\n`);
  }

  const out = args.out;
  if (out !== undefined) {
    const stem = fileStem(label);
    const written = await writeOutputs(out, io, async () => {
      if (result !== null) await writeTrainOutputs(out, problem, { result, record, stem });
      if (failure !== null) await writeFailedRun(out, problem, failure, record, stem);
    });
    if (!written) return EXIT_FAILURE;
  }

  if (failure !== null) {
    io.stderr.write(`siren-pinn: ${failure.message}\n`);
    return EXIT_FAILURE;
  }
  return 0;
}

/**
 * Describes what --threads 2 did: batches of 256 points or more split into two parts per forward and
 * backward (a phase), and the worker thread ran the second part of most of them.
 */
function threadsLine(points: number, threads: FusedThreads): string {
  const { phases, byWorker } = threads.stats();
  const training =
    points >= 2 * PART_POINTS
      ? `the training batch of ${points} points was split in two`
      : `the training batch of ${points} points is under ${2 * PART_POINTS}, so training ran on one thread`;
  const rest = byWorker < phases ? ", and this thread ran the rest" : "";
  return `--threads 2: ${training}; the worker thread ran ${byWorker} of ${phases} split forwards and backwards${rest} (the results are the same either way)\n`;
}

/** Runs `write` and returns true, or prints why writing into `folder` failed and returns false. */
async function writeOutputs(
  folder: string,
  io: CliIo,
  write: () => Promise<void>,
): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(
      `siren-pinn: writing the outputs into ${JSON.stringify(folder)} failed: ${message}. The results above were not saved\n`,
    );
    return false;
  }
}

async function compareCommand(args: RunArguments, io: CliIo): Promise<number> {
  const problem = getProblem(args.problem, args.parameters);
  const base = trainOptions(args);
  const sineOmega = resolveTrainOptions(problem, { ...base, activation: "sine" }).omega0;
  const planned: PlannedRun[] = [
    { label: `sine ω0=${sineOmega}`, options: { ...base, activation: "sine" } },
    { label: "tanh", options: { ...base, activation: "tanh" } },
    { label: "relu", options: { ...base, activation: "relu" } },
    // A sweep value equal to the default ω0 would repeat the first run. The parser has
    // already rejected repeated sweep values.
    ...args.sweepOmega0
      .filter((omega0) => omega0 !== sineOmega)
      .map((omega0) => ({
        label: `sine ω0=${omega0}`,
        options: { ...base, activation: "sine" as const, omega0 },
      })),
  ];
  const stems = uniqueStems(planned.map((run) => run.label));
  if (args.out !== undefined) await prepareOutputFolder(args.out);

  const outcomes = await runAll(problem, planned, args, io);
  const records = outcomes.map((outcome) => outcome.record);
  const finished = outcomes.flatMap((outcome, index) =>
    outcome.result === null
      ? []
      : [{ result: outcome.result, record: outcome.record, stem: stems[index] }],
  );
  const failed = outcomes.some((outcome) => outcome.failure !== null);
  const note = reluNote(problem, "relu");

  // The results are printed before the files are written, so a failed write loses nothing.
  if (args.json) {
    io.stdout.write(`${JSON.stringify({ problem: problem.name, runs: records, note }, null, 2)}\n`);
  } else {
    io.stdout.write(`\n${problem.name}: ${problem.description ?? ""}\n${formatRuns(records)}\n`);
    if (note !== null) io.stdout.write(`\nNote (relu): ${note}\n`);
  }

  const out = args.out;
  if (out !== undefined) {
    const written = await writeOutputs(out, io, async () => {
      await writeCompareOutputs(out, problem, finished, records, note);
    });
    if (!written) return EXIT_FAILURE;
  }
  return failed ? EXIT_FAILURE : 0;
}

function formatRuns(records: readonly RunRecord[]): string {
  const rows = records.map((record) => [
    record.activation,
    record.omega0 === null ? "-" : String(record.omega0),
    formatError(record.relativeL2Adam),
    formatError(record.relativeL2),
    formatError(record.maxError),
    formatError(record.finalLoss),
    formatError(record.residualRms),
    String(record.steps),
    `${record.seconds.toFixed(1)}s`,
  ]);
  return formatTable(
    [
      "activation",
      "ω0",
      "rel. L2 (Adam)",
      "relative L2",
      "max error",
      "final loss",
      "residual RMS",
      "steps",
      "time",
    ],
    rows,
  );
}
