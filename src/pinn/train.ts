// The training loop: seed → model → points → Adam steps → optional L-BFGS → metrics.

import { type Activation, createMlp, type HiddenOmega, type Mlp } from "../siren/index.js";
import { rejectUnknownKeys } from "../siren/options.js";
import { Tape } from "../tape/index.js";
import { type CollocationSampling, sampleCollocation } from "./collocation.js";
import { compileConditions, DEFAULT_CONDITION_POINTS } from "./conditions.js";
import { NonFiniteLossError } from "./errors.js";
import { evaluateMetrics, type TrainMetrics } from "./evaluate.js";
import type { HistoryEntry } from "./history.js";
import { buildLoss, type JetPath, type TrainingBatch } from "./loss.js";
import { Adam } from "./optim/adam.js";
import { lbfgs } from "./optim/lbfgs.js";
import type { Objective } from "./optim/objective.js";
import type { Problem } from "./problem.js";

/** Options of `train`; unset fields come from the problem's defaults, then from TRAIN_DEFAULTS. */
export interface TrainOptions {
  activation?: Activation;
  /** ω0 of the first sine layer (sine only). */
  omega0?: number;
  /** ω of the later sine layers: 1 ("one") or ω0 ("omega0"). */
  hiddenOmega?: HiddenOmega;
  /** Hidden layer widths. */
  hidden?: readonly number[];
  /** Bias start of every layer: "zero" (default) or uniform on ±1/√(fan-in). */
  biasInit?: "zero" | "uniform";
  /** Adam updates. */
  steps?: number;
  /** L-BFGS iterations after Adam (0 skips the phase). */
  lbfgs?: number;
  /** Adam learning rate at the first step. */
  lr?: number;
  /**
   * Factor the Adam learning rate decays by over the Adam phase, exponentially:
   * lr_k = lr · lrDecay^(k / steps). 1 keeps it constant.
   */
  lrDecay?: number;
  /** Curvature pairs L-BFGS keeps. */
  lbfgsHistory?: number;
  /** Interior collocation points. */
  points?: number;
  /** Points per face for conditions that do not set their own. */
  conditionPoints?: number;
  /** Placement rule of the interior points. */
  sampling?: CollocationSampling;
  /** Seed of the weights and of every sampled point. */
  seed?: number;
  /** Jet implementation: "fused" (default) or "generic". */
  path?: JetPath;
  /** Points per axis of the dense test grid for the metrics. */
  testPointsPerAxis?: number;
  /** Called after every Adam update and every L-BFGS iteration. */
  onProgress?: (progress: TrainProgress) => void;
}

/** Keys `train` accepts, in the order of TrainOptions. */
const TRAIN_OPTION_KEYS = [
  "activation",
  "omega0",
  "hiddenOmega",
  "hidden",
  "biasInit",
  "steps",
  "lbfgs",
  "lr",
  "lrDecay",
  "lbfgsHistory",
  "points",
  "conditionPoints",
  "sampling",
  "seed",
  "path",
  "testPointsPerAxis",
  "onProgress",
] as const;

/** Settings used when neither the caller nor the problem sets them. */
export const TRAIN_DEFAULTS = {
  activation: "sine" as Activation,
  omega0: 30,
  hiddenOmega: "one" as HiddenOmega,
  hidden: [64, 64, 64] as readonly number[],
  steps: 3000,
  lbfgs: 500,
  lr: 1e-3,
  lrDecay: 1,
  lbfgsHistory: 50,
  points: 256,
  conditionPoints: DEFAULT_CONDITION_POINTS,
  sampling: "grid" as CollocationSampling,
  seed: 0,
  path: "fused" as JetPath,
};

/** Every setting of a run after defaults are applied. */
export interface ResolvedTrainOptions {
  activation: Activation;
  omega0: number;
  hiddenOmega: HiddenOmega;
  hidden: number[];
  biasInit: "zero" | "uniform";
  steps: number;
  lbfgs: number;
  lr: number;
  lrDecay: number;
  lbfgsHistory: number;
  points: number;
  conditionPoints: number;
  sampling: CollocationSampling;
  seed: number;
  path: JetPath;
  testPointsPerAxis: number;
}

/** Progress report passed to the `onProgress` callback. */
export interface TrainProgress {
  phase: "adam" | "lbfgs";
  /** Step counted over both phases, starting at 0. */
  step: number;
  /** Adam steps plus the L-BFGS iteration limit. */
  totalSteps: number;
  loss: number;
  terms: Readonly<Record<string, number>>;
  elapsedSeconds: number;
}

/** The outcome of `train`. */
export interface TrainResult {
  problem: Problem;
  options: ResolvedTrainOptions;
  model: Mlp;
  history: HistoryEntry[];
  metrics: TrainMetrics;
  /** Metrics after the Adam phase, before L-BFGS (the same as `metrics` when L-BFGS is off). */
  adamMetrics: TrainMetrics;
  /** Adam updates applied and L-BFGS iterations accepted. */
  adamSteps: number;
  lbfgsIterations: number;
  /** Reason L-BFGS stopped, or null when the phase did not run. */
  lbfgsReason: string | null;
  /** Wall-clock seconds of the whole run including the metrics. */
  seconds: number;
}

/** Seeds of the independent random streams of one run, derived from the run's seed. */
function streamSeed(seed: number, stream: number): number {
  return seed * 7919 + stream;
}

/** Fills in every training option from the caller, the problem's defaults and TRAIN_DEFAULTS. */
export function resolveTrainOptions(
  problem: Problem,
  options: TrainOptions = {},
): ResolvedTrainOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`train: options must be an object, received ${String(options)}`);
  }
  rejectUnknownKeys(`train(${problem.name})`, "option", options, TRAIN_OPTION_KEYS);
  const problemDefaults = problem.defaults ?? {};
  const resolved: ResolvedTrainOptions = {
    activation: options.activation ?? TRAIN_DEFAULTS.activation,
    omega0: options.omega0 ?? problemDefaults.omega0 ?? TRAIN_DEFAULTS.omega0,
    hiddenOmega: options.hiddenOmega ?? problemDefaults.hiddenOmega ?? TRAIN_DEFAULTS.hiddenOmega,
    hidden: [...(options.hidden ?? problemDefaults.hidden ?? TRAIN_DEFAULTS.hidden)],
    biasInit: options.biasInit ?? "zero",
    steps: options.steps ?? problemDefaults.steps ?? TRAIN_DEFAULTS.steps,
    lbfgs: options.lbfgs ?? problemDefaults.lbfgs ?? TRAIN_DEFAULTS.lbfgs,
    lr: options.lr ?? problemDefaults.lr ?? TRAIN_DEFAULTS.lr,
    lrDecay: options.lrDecay ?? problemDefaults.lrDecay ?? TRAIN_DEFAULTS.lrDecay,
    lbfgsHistory: options.lbfgsHistory ?? TRAIN_DEFAULTS.lbfgsHistory,
    points: options.points ?? problemDefaults.points ?? TRAIN_DEFAULTS.points,
    conditionPoints: options.conditionPoints ?? TRAIN_DEFAULTS.conditionPoints,
    sampling: options.sampling ?? TRAIN_DEFAULTS.sampling,
    seed: options.seed ?? TRAIN_DEFAULTS.seed,
    path: options.path ?? TRAIN_DEFAULTS.path,
    testPointsPerAxis: options.testPointsPerAxis ?? (problem.dim === 1 ? 1001 : 101),
  };
  validateTrainOptions(resolved);
  return resolved;
}

function validateTrainOptions(options: ResolvedTrainOptions): void {
  const integer = (name: string, value: number, min: number): void => {
    if (!(Number.isSafeInteger(value) && value >= min)) {
      throw new RangeError(
        `train: ${name} must be an integer >= ${min}, received ${String(value)}`,
      );
    }
  };
  integer("steps", options.steps, 0);
  integer("lbfgs", options.lbfgs, 0);
  integer("points", options.points, 1);
  integer("conditionPoints", options.conditionPoints, 1);
  integer("testPointsPerAxis", options.testPointsPerAxis, 2);
  if (!Number.isSafeInteger(options.seed)) {
    throw new TypeError(`train: seed must be a safe integer, received ${String(options.seed)}`);
  }
  integer("lbfgsHistory", options.lbfgsHistory, 1);
  if (!(Number.isFinite(options.lrDecay) && options.lrDecay > 0 && options.lrDecay <= 1)) {
    throw new RangeError(`train: lrDecay must be in (0, 1], received ${String(options.lrDecay)}`);
  }
  if (!(Number.isFinite(options.lr) && options.lr > 0)) {
    throw new RangeError(`train: lr must be a finite number > 0, received ${String(options.lr)}`);
  }
  if (options.path !== "fused" && options.path !== "generic") {
    throw new TypeError(
      `train: path must be "fused" or "generic", received ${JSON.stringify(options.path)}`,
    );
  }
}

/** Builds the network of a run: the problem's inputs, one output, inputs mapped from the domain box. */
export function createModel(problem: Problem, options: ResolvedTrainOptions): Mlp {
  return createMlp({
    inputs: problem.dim,
    hidden: options.hidden,
    outputs: 1,
    activation: options.activation,
    omega0: options.omega0,
    hiddenOmega: options.hiddenOmega,
    seed: streamSeed(options.seed, 0),
    biasInit: options.biasInit,
    domain: problem.domain.map(([lower, upper]) => [lower, upper] as const),
  });
}

/** Samples the collocation and condition points of a run from its seed. */
export function createBatch(problem: Problem, options: ResolvedTrainOptions): TrainingBatch {
  return {
    collocation: sampleCollocation(
      problem,
      options.points,
      options.sampling,
      streamSeed(options.seed, 1),
    ),
    conditions: compileConditions(problem, streamSeed(options.seed, 2), options.conditionPoints),
  };
}

/**
 * Trains a network on `problem`: Adam for `steps` updates, then L-BFGS for up to `lbfgs`
 * iterations, then metrics on a dense grid. Throws NonFiniteLossError when a loss term or the
 * gradient stops being finite; the error carries the model with the last finite parameters.
 */
export function train(problem: Problem, options: TrainOptions = {}): TrainResult {
  const started = performance.now();
  const settings = resolveTrainOptions(problem, options);
  const model = createModel(problem, settings);
  const batch = createBatch(problem, settings);
  const loop = new TrainingLoop(problem, model, batch, settings, options.onProgress, started);

  const measure = () =>
    evaluateMetrics(problem, model, settings.path, settings.testPointsPerAxis, loop.history);

  loop.runAdam();
  const adamMetrics = settings.lbfgs > 0 ? measure() : null;
  const { iterations, reason } = loop.runLbfgs();

  const metrics = measure();
  return {
    problem,
    options: settings,
    model,
    history: loop.history,
    metrics,
    adamMetrics: adamMetrics ?? metrics,
    adamSteps: settings.steps,
    lbfgsIterations: iterations,
    lbfgsReason: reason,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Objective evaluation, history and the non-finite stop of one run. */
class TrainingLoop {
  readonly history: HistoryEntry[] = [];
  private readonly gradientBuffers = new Map<string, Float64Array>();
  private readonly gradient: Float64Array;
  private readonly lastFinite: Float64Array;
  private lastTerms: Record<string, number> = {};
  private step = 0;
  private phase: "adam" | "lbfgs" = "adam";

  constructor(
    private readonly problem: Problem,
    private readonly model: Mlp,
    private readonly batch: TrainingBatch,
    private readonly settings: ResolvedTrainOptions,
    private readonly onProgress: ((progress: TrainProgress) => void) | undefined,
    private readonly started: number,
  ) {
    this.gradient = new Float64Array(model.params.length);
    this.lastFinite = Float64Array.from(model.params);
    // The tape accumulates each parameter's gradient into a view of one flat buffer, so the
    // flat gradient in `params` order needs no copy.
    for (const entry of model.paramEntries) {
      this.gradientBuffers.set(
        entry.name,
        this.gradient.subarray(entry.offset, entry.offset + entry.view.length),
      );
    }
  }

  runAdam(): void {
    const { lr, lrDecay, steps } = this.settings;
    const adam = new Adam(this.model.params.length, {
      learningRate: lr,
      schedule:
        lrDecay === 1
          ? { kind: "constant" }
          : { kind: "exponential", decayRate: lrDecay, decaySteps: Math.max(steps, 1) },
    });
    this.phase = "adam";
    for (let k = 0; k < this.settings.steps; k++) {
      this.step = k;
      const loss = this.evaluate(this.model.params, this.gradient, true);
      this.record(loss);
      adam.step(this.model.params, this.gradient);
    }
    this.step = this.settings.steps;
  }

  runLbfgs(): { iterations: number; reason: string | null } {
    if (this.settings.lbfgs === 0) {
      // The loss at the parameters after the last Adam update closes the history.
      this.record(this.evaluate(this.model.params, this.gradient, true));
      return { iterations: 0, reason: null };
    }
    this.phase = "lbfgs";

    const termsByLoss = new Map<number, Record<string, number>>();
    const objective: Objective = (theta, grad) => {
      const loss = this.evaluate(theta, grad, false);
      termsByLoss.set(loss, this.lastTerms);
      return loss;
    };
    const result = lbfgs(objective, this.model.params, {
      maxIterations: this.settings.lbfgs,
      historySize: this.settings.lbfgsHistory,
      callback: (info) => {
        this.step = this.settings.steps + info.iteration - 1;
        this.lastTerms = termsByLoss.get(info.loss) ?? this.lastTerms;
        termsByLoss.clear();
        this.record(info.loss);
        return undefined;
      },
    });

    if (result.reason === "non-finite") {
      this.model.params.set(result.theta);
      throw this.nonFinite(this.firstNonFiniteTerm(), Number.NaN);
    }
    this.model.params.set(result.theta);
    return { iterations: result.iterations, reason: result.reason };
  }

  /**
   * Computes the loss and flat gradient at `theta`. With `strict`, a non-finite term stops
   * training. Without it, the non-finite loss is returned, because the L-BFGS line search
   * shrinks a step whose loss is not finite.
   */
  private evaluate(theta: Float64Array, grad: Float64Array, strict: boolean): number {
    if (theta !== this.model.params) this.model.params.set(theta);
    this.gradient.fill(0);

    const tape = new Tape();
    let loss: number;
    try {
      const evaluation = buildLoss(tape, this.model, this.problem, this.batch, this.settings.path);
      loss = evaluation.loss.data[0];
      const terms: Record<string, number> = {};
      for (const term of evaluation.terms) terms[term.name] = term.tensor.data[0];
      this.lastTerms = terms;

      if (!Number.isFinite(loss)) {
        if (strict) throw this.nonFinite(this.firstNonFiniteTerm(), loss);
        return loss;
      }
      tape.backward(evaluation.loss, { into: this.gradientBuffers });
    } finally {
      tape.release();
    }

    if (!allFinite(this.gradient)) {
      if (strict) throw this.nonFinite("gradient", Number.NaN);
      return Number.NaN;
    }
    if (grad !== this.gradient) grad.set(this.gradient);
    this.lastFinite.set(this.model.params);
    return loss;
  }

  private record(loss: number): void {
    const entry: HistoryEntry = { step: this.step, phase: this.phase, loss, terms: this.lastTerms };
    this.history.push(entry);
    this.onProgress?.({
      phase: this.phase,
      step: this.step,
      totalSteps: this.settings.steps + this.settings.lbfgs,
      loss,
      terms: this.lastTerms,
      elapsedSeconds: (performance.now() - this.started) / 1000,
    });
  }

  private firstNonFiniteTerm(): string {
    for (const [name, value] of Object.entries(this.lastTerms)) {
      if (!Number.isFinite(value)) return name;
    }
    return "loss";
  }

  private nonFinite(term: string, value: number): NonFiniteLossError {
    const termValue = this.lastTerms[term] ?? value;
    this.model.params.set(this.lastFinite);
    return new NonFiniteLossError(
      this.problem.name,
      this.step,
      this.phase,
      term,
      termValue,
      this.model,
      this.history,
    );
  }
}

function allFinite(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) return false;
  }
  return true;
}
