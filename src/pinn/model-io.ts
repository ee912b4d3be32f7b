// Saving and loading model files on disk; the write is atomic (temporary file, fsync, rename).

import { promises as fsp } from "node:fs";
import path from "node:path";
import type { Mlp } from "../siren/mlp.js";
import {
  type ModelFile,
  ModelFileError,
  type ModelMetadata,
  parseModelFile,
  serializeModel,
} from "../siren/model-file.js";

/**
 * Writes `model` (and optional `metadata`) to `filePath` atomically. The text goes to a
 * temporary file in the same folder, which is flushed with fsync and then renamed over
 * `filePath`, so a reader sees either the old file or the complete new one. If any step
 * fails, the temporary file is removed, the old file stays as it was, and the error is rethrown.
 */
export async function saveModel(
  filePath: string,
  model: Mlp,
  metadata?: ModelMetadata | null,
): Promise<void> {
  const text = serializeModel(model, metadata);
  const folder = path.dirname(filePath);
  const temporary = path.join(
    folder,
    `.${path.basename(filePath)}.${process.pid}.${Date.now()}.${Math.floor(Math.random() * 1e9)}.tmp`,
  );

  try {
    await writeAndSync(temporary, text);
    await fsp.rename(temporary, filePath);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }

  await syncFolder(folder);
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

async function writeAndSync(filePath: string, text: string): Promise<void> {
  // "wx" fails if the name exists, so two writers never share a temporary file.
  const handle = await fsp.open(filePath, "wx");
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncFolder(folder: string): Promise<void> {
  // The rename is durable only once the folder entry is flushed. Some platforms (Windows)
  // cannot open a folder for fsync; the file is complete either way, so that failure is ignored.
  let handle: Awaited<ReturnType<typeof fsp.open>> | undefined;
  try {
    handle = await fsp.open(folder, "r");
    await handle.sync();
  } catch {
    // Ignored on purpose, see above.
  } finally {
    await handle?.close();
  }
}
