// Saving and loading model files on disk; the write is atomic (temporary file, fsync, rename).

import { promises as fsp } from "node:fs";
import type { Mlp } from "../siren/mlp.js";
import {
  type ModelFile,
  ModelFileError,
  type ModelMetadata,
  parseModelFile,
  serializeModel,
} from "../siren/model-file.js";
import { writeFileAtomic } from "./atomic-write.js";

/**
 * Writes `model` (and optional `metadata`) to `filePath` with writeFileAtomic: a reader sees
 * either the old file or the complete new one, and on failure the old file stays as it was.
 */
export async function saveModel(
  filePath: string,
  model: Mlp,
  metadata?: ModelMetadata | null,
): Promise<void> {
  await writeFileAtomic(filePath, serializeModel(model, metadata));
}

/** Reads a model file written by `saveModel` and returns the network. */
export async function loadModel(filePath: string): Promise<Mlp> {
  return (await loadModelFile(filePath)).model;
}

/** Reads a model file and returns the network and its metadata. Errors name the file. */
export async function loadModelFile(filePath: string): Promise<ModelFile> {
  const text = await fsp.readFile(filePath, "utf8");
  try {
    return parseModelFile(text);
  } catch (error) {
    if (error instanceof ModelFileError) {
      throw new ModelFileError(error.field, `loadModel: ${filePath}: ${error.message}`);
    }
    throw error;
  }
}
