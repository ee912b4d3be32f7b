// Public entry of siren-pinn/siren: networks, their initialisation and the model file format.

export {
  ACTIVATIONS,
  type Activation,
  activate,
  hasVanishingSecondDerivatives,
  isActivation,
  type LayerActivation,
  RELU_SECOND_DERIVATIVE_NOTE,
} from "./activation.js";
export { createInputMap, type DomainBox, type InputMap, validateDomain } from "./domain.js";
export { evaluateScalar } from "./forward-scalar.js";
export {
  FusedLayerWorkspace,
  type FusedWorkspaceOptions,
  fusedLayerBackward,
  fusedLayerForward,
  fusedLayerOp,
} from "./fused.js";
export {
  type FusedPartRunner,
  type FusedPlan,
  type FusedSet,
  fusedPartRunner,
  PART_POINTS,
  partsFor,
  setFusedPartRunner,
} from "./fused-network.js";
export { partRange } from "./fused-rows.js";
export * from "./fused-taylor.js";
export * from "./fused-taylor-jet.js";
export {
  type BiasInit,
  glorotUniformBound,
  type HiddenOmega,
  heUniformBound,
  type InitSettings,
  type LayerPlan,
  layerPlan,
  sirenFirstLayerBound,
  sirenHiddenBound,
  uniformBiasBound,
} from "./init.js";
export { fusedJet } from "./jet-fused.js";
export { genericJet } from "./jet-generic.js";
export { createMlp, type JetPath, Mlp, type MlpLayer, type ParamEntry } from "./mlp.js";
export {
  type JsonValue,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type ModelFile,
  ModelFileError,
  type ModelMetadata,
  parseModel,
  parseModelFile,
  serializeModel,
} from "./model-file.js";
export {
  DEFAULT_HIDDEN_OMEGA,
  DEFAULT_OMEGA0,
  type MlpOptions,
  type ResolvedMlpOptions,
  resolveMlpOptions,
} from "./options.js";
export { flatGradient, type LayerTensors, registerParams } from "./params-on-tape.js";
export { Random } from "./random.js";
