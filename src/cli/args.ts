// Command-line parsing for `siren-pinn`: commands, options and their validation.

import { parseArgs } from "node:util";
import { COLLOCATION_SAMPLINGS, type CollocationSampling } from "../pinn/collocation.js";
import type { JetPath } from "../pinn/loss.js";
import { PROBLEM_NAMES, PROBLEMS } from "../pinn/problems/index.js";
import { ACTIVATIONS, type Activation } from "../siren/index.js";

/** A command line the CLI cannot run; the CLI prints the message and exits with code 2. */
export class UsageError extends RangeError {
  override name = "UsageError";
}

/** The commands of `siren-pinn`. */
export const COMMANDS = ["problems", "train", "compare", "verify", "help"] as const;
export type Command = (typeof COMMANDS)[number];

/** Options shared by `train` and `compare`, after validation. */
export interface RunArguments {
  problem: string;
  parameters: Record<string, number>;
  activation?: Activation;
  omega0?: number;
  hiddenOmega?: "one" | "omega0";
  hidden?: number[];
  steps?: number;
  lbfgs?: number;
  lr?: number;
  lrDecay?: number;
  points?: number;
  sampling?: CollocationSampling;
  seed: number;
  path: JetPath;
  out?: string;
  /** compare only: runs trained at once in worker threads (default: one per core, at most 2). */
  jobs?: number;
  /** train only: threads of one fused step, 1 or 2 (two split batches of N ≥ 256 points). */
  threads: number;
  json: boolean;
  quiet: boolean;
  /** compare only: extra SIREN runs, one per ω0. */
  sweepOmega0: number[];
}

export type ParsedCommand =
  | { command: "help" }
  | { command: "problems"; json: boolean }
  | ({ command: "train" } & RunArguments)
  | ({ command: "compare" } & RunArguments)
  | ({ command: "verify" } & RunArguments);

const OPTIONS = {
  activation: { type: "string" },
  omega0: { type: "string" },
  "hidden-omega": { type: "string" },
  hidden: { type: "string" },
  steps: { type: "string" },
  lbfgs: { type: "string" },
  lr: { type: "string" },
  "lr-decay": { type: "string" },
  points: { type: "string" },
  sampling: { type: "string" },
  seed: { type: "string" },
  path: { type: "string" },
  param: { type: "string", multiple: true },
  "sweep-omega0": { type: "string" },
  out: { type: "string" },
  jobs: { type: "string" },
  threads: { type: "string" },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Options each command accepts (besides --help). */
const ACCEPTED: Record<Exclude<Command, "help">, readonly string[]> = {
  problems: ["json"],
  train: [
    "activation",
    "omega0",
    "hidden-omega",
    "hidden",
    "steps",
    "lbfgs",
    "lr",
    "lr-decay",
    "points",
    "sampling",
    "seed",
    "path",
    "param",
    "threads",
    "out",
    "json",
    "quiet",
  ],
  compare: [
    "omega0",
    "hidden-omega",
    "hidden",
    "steps",
    "lbfgs",
    "lr",
    "lr-decay",
    "points",
    "sampling",
    "seed",
    "path",
    "param",
    "sweep-omega0",
    "jobs",
    "out",
    "json",
    "quiet",
  ],
  verify: ["activation", "omega0", "hidden-omega", "hidden", "points", "seed", "param", "json"],
};

/** Parses the arguments after `siren-pinn`; throws UsageError naming what is invalid and the valid choices. */
export function parseCommandLine(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<
    typeof parseArgs<{
      options: typeof OPTIONS;
      allowPositionals: true;
      strict: true;
      args: string[];
    }>
  >;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(describeParseError(error, argv));
  }
  const { values, positionals } = parsed;

  const command = positionals[0];
  if (command === undefined || command === "help" || values.help === true)
    return { command: "help" };
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}; valid commands: ${COMMANDS.join(", ")}`,
    );
  }
  const name = command as Exclude<Command, "help">;

  for (const key of Object.keys(values)) {
    if (key !== "help" && !ACCEPTED[name].includes(key)) {
      throw new UsageError(
        `${name}: option --${key} does not apply to this command; valid options: ${ACCEPTED[name].map((option) => `--${option}`).join(", ")}`,
      );
    }
  }

  if (name === "problems") {
    if (positionals.length > 1)
      throw new UsageError(`problems: unexpected argument ${JSON.stringify(positionals[1])}`);
    return { command: "problems", json: values.json === true };
  }

  if (positionals.length < 2) {
    throw new UsageError(
      `${name}: missing problem name; valid problems: ${PROBLEM_NAMES.join(", ")}`,
    );
  }
  if (positionals.length > 2) {
    throw new UsageError(
      `${name}: unexpected argument ${JSON.stringify(positionals[2])}; give one problem name`,
    );
  }
  return { command: name, ...runArguments(name, positionals[1], values) } as ParsedCommand;
}

/**
 * Upper bounds of the integer options. They keep a mistyped value from allocating or running
 * for hours before anything is reported; raise them here for larger experiments.
 */
export const OPTION_MAXIMA = {
  steps: 10_000_000,
  lbfgs: 1_000_000,
  points: 1_000_000,
  /** Neurons in one hidden layer. */
  width: 4096,
  /** Hidden layers. */
  layers: 64,
  jobs: 64,
  /** Threads of one fused step: a batch splits into at most two parts (siren-pinn/node). */
  threads: 2,
  seed: 2 ** 32 - 1,
} as const;

type Values = Partial<Record<keyof typeof OPTIONS, string | boolean | string[]>>;

function runArguments(command: string, problem: string, values: Values): RunArguments {
  if (!PROBLEM_NAMES.includes(problem)) {
    throw new UsageError(
      `${command}: unknown problem ${JSON.stringify(problem)}; valid problems: ${PROBLEM_NAMES.join(", ")}`,
    );
  }
  const text = (key: keyof typeof OPTIONS): string | undefined => values[key] as string | undefined;

  const args: RunArguments = {
    problem,
    parameters: problemParameters(problem, (values.param as string[] | undefined) ?? []),
    activation: choice("--activation", text("activation"), ACTIVATIONS),
    omega0: positiveNumber("--omega0", text("omega0")),
    hiddenOmega: choice("--hidden-omega", text("hidden-omega"), ["one", "omega0"] as const),
    hidden: widths(text("hidden")),
    steps: integer("--steps", text("steps"), 0, OPTION_MAXIMA.steps),
    lbfgs: integer("--lbfgs", text("lbfgs"), 0, OPTION_MAXIMA.lbfgs),
    lr: positiveNumber("--lr", text("lr")),
    lrDecay: positiveNumber("--lr-decay", text("lr-decay")),
    points: integer("--points", text("points"), 1, OPTION_MAXIMA.points),
    sampling: choice("--sampling", text("sampling"), COLLOCATION_SAMPLINGS),
    seed: integer("--seed", text("seed"), 0, OPTION_MAXIMA.seed) ?? 0,
    path: choice("--path", text("path"), ["fused", "generic"] as const) ?? "fused",
    out: text("out"),
    jobs: integer("--jobs", text("jobs"), 1, OPTION_MAXIMA.jobs),
    threads: integer("--threads", text("threads"), 1, OPTION_MAXIMA.threads) ?? 1,
    json: values.json === true,
    quiet: values.quiet === true,
    sweepOmega0: distinct("--sweep-omega0", list("--sweep-omega0", text("sweep-omega0")) ?? []),
  };
  if (args.threads > 1 && args.path !== "fused") {
    throw new UsageError(
      `${command}: --threads ${args.threads} needs the fused path; drop --path ${args.path} or use --threads 1`,
    );
  }
  return args;
}

function describeParseError(error: unknown, argv: readonly string[]): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const option = /'([^']+)'/.exec(message)?.[1] ?? argv.find((arg) => arg.startsWith("-")) ?? "?";
    return `unknown option ${option}; valid options: ${Object.keys(OPTIONS)
      .map((key) => `--${key}`)
      .join(", ")}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return `invalid option value: ${message}`;
  }
  return message;
}

function choice<T extends string>(
  option: string,
  value: string | undefined,
  valid: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(valid as readonly string[]).includes(value)) {
    throw new UsageError(
      `invalid value ${JSON.stringify(value)} for ${option}; valid values: ${valid.join(", ")}`,
    );
  }
  return value as T;
}

function number(option: string, value: string): number {
  const parsed = value.trim() === "" ? Number.NaN : Number(value);
  if (!Number.isFinite(parsed)) {
    throw new UsageError(
      `invalid value ${JSON.stringify(value)} for ${option}; expected a finite number`,
    );
  }
  return parsed;
}

function positiveNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = number(option, value);
  if (!(parsed > 0))
    throw new UsageError(
      `invalid value ${JSON.stringify(value)} for ${option}; expected a number > 0`,
    );
  return parsed;
}

/** Parses a whole number written in decimal digits only, so "0x10", "1e2" and "1.0" are rejected. */
function integer(
  option: string,
  value: string | undefined,
  min: number,
  max: number,
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) {
    throw new UsageError(
      `invalid value ${JSON.stringify(value)} for ${option}; expected a whole number in decimal digits from ${min} to ${max}`,
    );
  }
  return parsed;
}

function widths(value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(",");
  if (parts.length > OPTION_MAXIMA.layers) {
    throw new UsageError(
      `invalid value ${JSON.stringify(value)} for --hidden; expected at most ${OPTION_MAXIMA.layers} layer widths, received ${parts.length}`,
    );
  }
  return parts.map((part) => integer("--hidden", part, 1, OPTION_MAXIMA.width) as number);
}

/** Rejects a list with a repeated value (compared as numbers, so "30" and "3e1" are equal). */
function distinct(option: string, values: number[]): number[] {
  const seen = new Set<number>();
  for (const value of values) {
    if (seen.has(value)) {
      throw new UsageError(
        `invalid value for ${option}: ${value} appears more than once; give each value once`,
      );
    }
    seen.add(value);
  }
  return values;
}

function list(option: string, value: string | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(",").map((part) => positiveNumber(option, part) as number);
}

function problemParameters(problem: string, entries: readonly string[]): Record<string, number> {
  const entry = PROBLEMS.find((candidate) => candidate.name === problem);
  const valid = Object.keys(entry?.parameters ?? {});
  const parameters: Record<string, number> = {};
  for (const text of entries) {
    const [key, value] = text.split("=", 2);
    if (value === undefined || !valid.includes(key)) {
      throw new UsageError(
        `invalid --param ${JSON.stringify(text)} for ${problem}; expected NAME=VALUE with NAME one of: ${valid.length > 0 ? valid.join(", ") : "(this problem has no parameters)"}`,
      );
    }
    parameters[key] = number(`--param ${key}`, value);
  }
  return parameters;
}
