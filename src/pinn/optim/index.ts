// Optimisers on flat parameter vectors: Adam, L-BFGS and their building blocks.

export { Adam, type AdamOptions } from "./adam.js";
export {
  type LbfgsIterationInfo,
  type LbfgsOptions,
  type LbfgsResult,
  type LbfgsTermination,
  lbfgs,
} from "./lbfgs.js";
export { CURVATURE_FLOOR, LbfgsHistory } from "./lbfgs-history.js";
export {
  createLineSearchBuffers,
  cubicMinimizer,
  type LineSearchBuffers,
  type LineSearchOptions,
  type LineSearchPoint,
  type LineSearchResult,
  type LineSearchStatus,
  strongWolfeLineSearch,
} from "./line-search.js";
export type { Objective } from "./objective.js";
export {
  type LearningRateSchedule,
  scheduledLearningRate,
  validateSchedule,
} from "./schedule.js";
