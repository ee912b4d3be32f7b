// Atomic file writes: a temporary file in the same folder, fsync, rename, then fsync of the folder.

import { promises as fsp } from "node:fs";
import path from "node:path";

/**
 * Writes `text` to `filePath` so that a reader sees either the old file or the complete new
 * one. The text goes to a temporary file in the same folder, opened exclusively and flushed
 * with fsync, and the temporary file is renamed over `filePath`. The folder is then flushed so
 * the rename survives a crash. If the write or the rename fails, the temporary file is removed,
 * the old file stays as it was, and the error is rethrown.
 */
export async function writeFileAtomic(filePath: string, text: string): Promise<void> {
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
