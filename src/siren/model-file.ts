// The versioned JSON model file: architecture, input normalisation, weights and metadata.

import { Mlp } from "./mlp.js";
import { MLP_OPTION_KEYS, resolveMlpOptions } from "./options.js";

/** Value of the "format" field of every model file. */
export const MODEL_FORMAT = "siren-pinn-model";

/** Version this library writes. It reads this version only. */
export const MODEL_FORMAT_VERSION = 1;

/** A JSON value, as metadata may contain. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Free-form facts stored with a model, for example the problem name and training figures. */
export type ModelMetadata = { [key: string]: JsonValue };

/** A parsed model file. */
export interface ModelFile {
  readonly model: Mlp;
  readonly metadata: ModelMetadata | null;
}

/** Raised when a model file is invalid. `field` names the part at fault, for example "layer1.W". */
export class ModelFileError extends TypeError {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = "ModelFileError";
    this.field = field;
  }
}

// The architecture block stores exactly the options `createMlp` takes.
const ARCHITECTURE_FIELDS = MLP_OPTION_KEYS;

const PARAMETER_FIELDS = ["name", "shape", "values"];

const TOP_LEVEL_FIELDS = ["format", "version", "architecture", "parameters", "metadata"];

/**
 * Serialises `model` (and optional `metadata`) as model-file JSON text. Numbers are written in
 * their shortest round-trip form and −0 as "-0", so `parseModel` restores every bit.
 * Throws a ModelFileError naming the parameter if a weight is NaN or infinite.
 */
export function serializeModel(model: Mlp, metadata?: ModelMetadata | null): string {
  const o = model.options;
  const architecture = {
    inputs: o.inputs,
    hidden: o.hidden,
    outputs: o.outputs,
    activation: o.activation,
    omega0: o.omega0,
    hiddenOmega: o.hiddenOmega,
    seed: o.seed,
    domain: o.domain,
    biasInit: o.biasInit,
  };

  const parameters = model.paramEntries.map((entry) => {
    const values = formatValues(entry.name, entry.view);
    return `    {"name": ${JSON.stringify(entry.name)}, "shape": ${JSON.stringify(entry.shape)}, "values": ${values}}`;
  });

  const lines = [
    "{",
    `  "format": ${JSON.stringify(MODEL_FORMAT)},`,
    `  "version": ${MODEL_FORMAT_VERSION},`,
    `  "architecture": ${JSON.stringify(architecture)},`,
    `  "parameters": [\n${parameters.join(",\n")}\n  ]${metadata ? "," : ""}`,
  ];
  if (metadata) {
    lines.push(`  "metadata": ${JSON.stringify(checkMetadata(metadata, "serializeModel"))}`);
  }
  lines.push("}", "");
  return lines.join("\n");
}

/** Parses model-file JSON text into a network. Throws a ModelFileError naming the invalid field. */
export function parseModel(text: string): Mlp {
  return parseModelFile(text).model;
}

/** Parses model-file JSON text into the network and its metadata. */
export function parseModelFile(text: string): ModelFile {
  const root = parseJson(text);
  checkHeader(root);
  const options = readArchitecture(root.architecture);
  const model = new Mlp(options);
  readParameters(model, root.parameters);
  const metadata = root.metadata === undefined ? null : checkMetadata(root.metadata, "parseModel");
  return { model, metadata };
}

function formatValues(name: string, values: Float64Array): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      throw new ModelFileError(
        name,
        `serializeModel: ${name}[${i}] is ${v}; only finite weights can be saved, so stop or roll back training first`,
      );
    }
    // JSON.stringify(-0) gives "0", but "-0" is valid JSON and parses back to −0.
    parts[i] = Object.is(v, -0) ? "-0" : String(v);
  }
  return `[${parts.join(",")}]`;
}

function parseJson(text: string): Record<string, unknown> {
  if (typeof text !== "string") {
    throw new ModelFileError(
      "(file)",
      `parseModel: text must be a string, received ${typeof text}`,
    );
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(
      "(file)",
      `parseModel: the model file is not valid JSON (${(error as Error).message})`,
    );
  }
  if (!isPlainObject(root)) {
    throw new ModelFileError(
      "(file)",
      `parseModel: the model file must contain a JSON object, received ${describe(root)}`,
    );
  }
  return root;
}

function checkHeader(root: Record<string, unknown>): void {
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL_FIELDS.includes(key)) {
      throw new ModelFileError(
        key,
        `parseModel: unknown field ${JSON.stringify(key)} at the top level of the model file`,
      );
    }
  }
  if (root.format !== MODEL_FORMAT) {
    throw new ModelFileError(
      "format",
      `parseModel: format must be ${JSON.stringify(MODEL_FORMAT)}, received ${describe(root.format)}; this is not a siren-pinn model file`,
    );
  }
  if (root.version !== MODEL_FORMAT_VERSION) {
    const newer = typeof root.version === "number" && root.version > MODEL_FORMAT_VERSION;
    const hint = newer ? "; the file was written by a newer siren-pinn, so upgrade to read it" : "";
    throw new ModelFileError(
      "version",
      `parseModel: version must be ${MODEL_FORMAT_VERSION}, received ${describe(root.version)}${hint}`,
    );
  }
}

function readArchitecture(architecture: unknown) {
  if (!isPlainObject(architecture)) {
    throw new ModelFileError(
      "architecture",
      `parseModel: architecture must be an object, received ${describe(architecture)}`,
    );
  }
  for (const key of Object.keys(architecture)) {
    if (!(ARCHITECTURE_FIELDS as readonly string[]).includes(key)) {
      throw new ModelFileError(
        `architecture.${key}`,
        `parseModel: unknown field architecture.${key}; valid fields: ${ARCHITECTURE_FIELDS.join(", ")}`,
      );
    }
  }
  for (const key of ARCHITECTURE_FIELDS) {
    if (!(key in architecture)) {
      throw new ModelFileError(`architecture.${key}`, `parseModel: architecture.${key} is missing`);
    }
  }

  const { domain, ...rest } = architecture;
  try {
    return resolveMlpOptions({ ...rest, domain: domain === null ? undefined : domain } as never);
  } catch (error) {
    // The option checks name the field after "createMlp: ", for example "hidden[1] must be ...".
    const detail = (error as Error).message.replace(/^createMlp: /, "");
    const field = detail.split(/[ [(]/, 1)[0] ?? "";
    throw new ModelFileError(`architecture.${field}`, `parseModel: architecture.${detail}`);
  }
}

function readParameters(model: Mlp, parameters: unknown): void {
  const entries = model.paramEntries;
  if (!Array.isArray(parameters) || parameters.length !== entries.length) {
    const received = Array.isArray(parameters)
      ? `${parameters.length} entries`
      : describe(parameters);
    throw new ModelFileError(
      "parameters",
      `parseModel: parameters must list ${entries.length} entries (W and b of ${model.layers.length} layers), received ${received}`,
    );
  }
  entries.forEach((entry, index) => {
    readParameter(entry, parameters[index], index);
  });
}

function readParameter(entry: Mlp["paramEntries"][number], stored: unknown, index: number): void {
  if (!isPlainObject(stored) || stored.name !== entry.name) {
    const name = isPlainObject(stored) ? describe(stored.name) : describe(stored);
    throw new ModelFileError(
      entry.name,
      `parseModel: parameters[${index}] must be ${entry.name}, received ${name}`,
    );
  }
  for (const key of Object.keys(stored)) {
    if (!PARAMETER_FIELDS.includes(key)) {
      throw new ModelFileError(
        entry.name,
        `parseModel: parameters[${index}] (${entry.name}) has unknown field ${JSON.stringify(key)}; valid fields: ${PARAMETER_FIELDS.join(", ")}`,
      );
    }
  }
  const shape = JSON.stringify(entry.shape);
  if (JSON.stringify(stored.shape) !== shape) {
    throw new ModelFileError(
      entry.name,
      `parseModel: ${entry.name} has shape ${JSON.stringify(stored.shape)}, expected ${shape} from the architecture`,
    );
  }
  const values = stored.values;
  if (!Array.isArray(values) || values.length !== entry.view.length) {
    const count = Array.isArray(values) ? `${values.length} values` : `values ${describe(values)}`;
    throw new ModelFileError(
      entry.name,
      `parseModel: ${entry.name} has ${count}, expected ${entry.view.length} for shape [${entry.shape.join(", ")}]`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new ModelFileError(
        entry.name,
        `parseModel: ${entry.name}[${i}] must be a finite number, received ${describe(v)}`,
      );
    }
    entry.view[i] = v;
  }
}

function checkMetadata(metadata: unknown, caller: string): ModelMetadata {
  if (!isPlainObject(metadata)) {
    throw new ModelFileError(
      "metadata",
      `${caller}: metadata must be a JSON object, received ${describe(metadata)}`,
    );
  }
  checkJsonValue(metadata, "metadata", caller);
  return metadata as ModelMetadata;
}

function checkJsonValue(value: unknown, path: string, caller: string): void {
  if (value === null || typeof value === "string" || typeof value === "boolean") {
    return;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new ModelFileError(
        path,
        `${caller}: ${path} must be a finite number, received ${value}`,
      );
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkJsonValue(item, `${path}[${i}]`, caller);
    });
    return;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      checkJsonValue(item, `${path}.${key}`, caller);
    }
    return;
  }
  throw new ModelFileError(
    path,
    `${caller}: ${path} must be a JSON value, received ${describe(value)}`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) {
    return "nothing";
  }
  if (Array.isArray(value)) {
    return `an array of ${value.length}`;
  }
  if (typeof value === "object" && value !== null) {
    return "an object";
  }
  const text = typeof value === "string" ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
