// Public entry of siren-pinn/verify: derivative, gradient and residual checks.
//
// The fast-check arbitraries live in `siren-pinn/verify/arbitraries`, so that this entry loads
// without fast-check installed.

export {
  type CentralDifference,
  type CentralDifferenceOptions,
  centralDifference,
  DEFAULT_EVALUATION_ROUNDINGS,
  defaultStep,
  differenceTolerance,
  MAX_DIFFERENCE_ORDER,
  type Stencil,
  stencil,
  TRUNCATION_SAFETY,
} from "./central-difference.js";
export {
  assertDerivatives,
  checkDerivatives,
  type DerivativeCheckOptions,
  type DerivativeReport,
  type ScalarFunction,
} from "./check-derivatives.js";
export {
  assertGradient,
  checkGradient,
  type GradientCheckOptions,
  type GradientParam,
  type GradientReport,
  type ScalarLoss,
  type TapeLoss,
} from "./check-gradient.js";
export {
  assertPartials,
  checkPartials,
  hyperDualPartials,
  type PartialCheckOptions,
  type PartialReport,
  type PartialValues,
  type PointFunction,
} from "./check-partials.js";
export {
  assertResidual,
  checkResidual,
  type Disagreement,
  formatDisagreements,
  type JetProvider,
  type ResidualCheckOptions,
  type ResidualReport,
  samplePoints,
} from "./check-residual.js";
export { randomUnitVector } from "./directions.js";
export {
  allPass,
  assertReport,
  type Comparison,
  compare,
  formatReport,
  type Report,
  VerificationError,
} from "./report.js";
export {
  constrainedErrorBounds,
  networkErrorBounds,
  type StreamErrorBounds,
} from "./running-error.js";
export {
  agrees,
  applyOverride,
  closedFormTolerance,
  DEFAULT_AD_ROUNDINGS,
  formatNumber,
  relativeError,
  type Tolerance,
  type ToleranceOverride,
  UNIT_ROUNDOFF,
} from "./tolerance.js";
export {
  runVerifyCommand,
  type VerifyCommandOptions,
  type VerifyCommandResult,
} from "./verify-command.js";
