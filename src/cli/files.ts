// Atomic file writes for the CLI's outputs: a temporary file in the same folder, then a rename.

import { promises as fsp } from "node:fs";
import path from "node:path";

/**
 * Writes `text` to `filePath` so that a reader sees the old file or the whole new one: the
 * text goes to a temporary file in the same folder, is flushed, and is renamed over the target.
 */
export async function writeFileAtomic(filePath: string, text: string): Promise<void> {
  const folder = path.dirname(filePath);
  const temporary = path.join(
    folder,
    `.${path.basename(filePath)}.${process.pid}.${Date.now()}.tmp`,
  );
  try {
    const handle = await fsp.open(temporary, "w");
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temporary, filePath);
  } catch (error) {
    await fsp.rm(temporary, { force: true });
    throw error;
  }
}

/** Turns a run label such as "sine ω0=3" into a file-name stem such as "sine-omega0-3". */
export function fileStem(label: string): string {
  return label
    .replace(/ω0/g, "omega0")
    .replace(/[^A-Za-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
