// The `siren-pinn verify <problem>` command as a pure function: options in, report and text out.

import { getProblem } from "../pinn/problems/index.js";
import type { Activation } from "../siren/activation.js";
import { createMlp, type Mlp } from "../siren/mlp.js";
import { checkResidual, formatDisagreements, type ResidualReport } from "./check-residual.js";
import { formatReport } from "./report.js";
import { formatNumber } from "./tolerance.js";

/** Options of `verify`, as the CLI parses them. Unset fields take the problem's defaults. */
export interface VerifyCommandOptions {
  problem: string;
  parameters?: Readonly<Record<string, number>>;
  activation?: Activation;
  omega0?: number;
  hiddenOmega?: "one" | "omega0";
  hidden?: readonly number[];
  /** Number of random points in the domain. Default 32. */
  points?: number;
  /** Seed of the network weights and of the points. Default 0. */
  seed?: number;
  /** Print JSON instead of tables. */
  json?: boolean;
  /** A trained model to check instead of a freshly initialised one. */
  model?: Mlp;
}

/** Output of the command: the report, its text, and exit code 0 when every comparison passed (1 otherwise). */
export interface VerifyCommandResult {
  report: ResidualReport;
  text: string;
  exitCode: 0 | 1;
}

/**
 * Runs `checkResidual` on a shipped problem with a network initialised from the seed (or the
 * given model) and formats the report. Imports nothing from Node, so a browser page can call
 * it too; the CLI writes `text` to stdout and exits with `exitCode`.
 */
export function runVerifyCommand(options: VerifyCommandOptions): VerifyCommandResult {
  const problem = getProblem(options.problem, options.parameters ?? {});
  const seed = options.seed ?? 0;
  const model =
    options.model ??
    createMlp({
      inputs: problem.dim,
      outputs: 1,
      hidden: options.hidden ?? problem.defaults?.hidden ?? [64, 64, 64],
      activation: options.activation ?? "sine",
      omega0: options.omega0 ?? problem.defaults?.omega0,
      hiddenOmega: options.hiddenOmega,
      // Uniform biases make every bias take part in every partial, which zero biases would hide.
      biasInit: "uniform",
      domain: problem.domain,
      seed,
    });

  const report = checkResidual(problem, model, { count: options.points ?? 32, seed });
  const text =
    options.json === true
      ? JSON.stringify(reportJson(report, model), null, 2)
      : formatText(report, model);
  return { report, text, exitCode: report.pass ? 0 : 1 };
}

function formatText(report: ResidualReport, model: Mlp): string {
  const { activation, hidden, omega0 } = model.options;
  const network = `${activation} network ${[model.inputs, ...hidden, model.outputs].join("-")}${activation === "sine" ? `, ω0 = ${omega0}` : ""}`;
  return [
    `${report.title} (${network})`,
    "",
    "Largest disagreement with the HyperDual reference over all points",
    "(max rel = max abs / largest |reference| of the stream):",
    formatDisagreements(report),
    "",
    formatReport(report),
    "",
    `largest relative disagreement: ${formatNumber(report.maxRelative)}; ${report.pass ? "all paths agree" : "FAILED"}`,
  ].join("\n");
}

function reportJson(report: ResidualReport, model: Mlp): unknown {
  return {
    title: report.title,
    pass: report.pass,
    maxRelative: report.maxRelative,
    network: {
      activation: model.options.activation,
      hidden: model.options.hidden,
      omega0: model.options.omega0,
      seed: model.options.seed,
    },
    disagreements: report.disagreements,
    comparisons: report.comparisons,
  };
}
