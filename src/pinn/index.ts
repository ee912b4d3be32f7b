// Public entry of siren-pinn/pinn: problems, losses, the training loop, optimisers, sampling and model files.

export {
  COLLOCATION_SAMPLINGS,
  type CollocationSampling,
  sampleCollocation,
} from "./collocation.js";
export {
  type ConditionBatch,
  type ConditionBlock,
  type ConditionTerm,
  compileConditions,
  DEFAULT_CONDITION_POINTS,
} from "./conditions.js";
export { NonFiniteLossError } from "./errors.js";
export { evaluateMetrics, predict, type TrainMetrics } from "./evaluate.js";
export { buildFields, type Fields, type JetFields, partialName } from "./fields.js";
export { applyHardConstraint } from "./hard-constraint.js";
export type { HistoryEntry } from "./history.js";
export {
  buildLoss,
  type JetPath,
  type LossEvaluation,
  type LossTerm,
  RESIDUAL_TERM,
  residualAt,
  solutionJet,
  type TrainingBatch,
} from "./loss.js";
export { loadModel, loadModelFile, saveModel } from "./model-io.js";
export { Adam, type AdamOptions } from "./optim/adam.js";
export {
  type LbfgsOptions,
  type LbfgsResult,
  type LbfgsTermination,
  lbfgs,
} from "./optim/lbfgs.js";
export type { Objective } from "./optim/objective.js";
export { type LearningRateSchedule, scheduledLearningRate } from "./optim/schedule.js";
export {
  type Condition,
  type ConditionCommon,
  type DirichletCondition,
  definePde,
  deriveSpec,
  type Face,
  type HardConstraint,
  type InitialSlopeCondition,
  type InitialValueCondition,
  type NeumannCondition,
  type PartialRequest,
  type PeriodicCondition,
  type PointValue,
  type Problem,
  type ProblemDefaults,
  type ProblemDefinition,
  ProblemDefinitionError,
  parsePartial,
} from "./problem.js";
export * from "./problems/index.js";
export { gridPoints } from "./sampling/grid.js";
export { latinHypercubePoints } from "./sampling/latin-hypercube.js";
export { uniformPoints } from "./sampling/uniform.js";
export {
  createBatch,
  createModel,
  type ResolvedTrainOptions,
  resolveTrainOptions,
  TRAIN_DEFAULTS,
  type TrainOptions,
  type TrainProgress,
  type TrainResult,
  train,
} from "./train.js";
