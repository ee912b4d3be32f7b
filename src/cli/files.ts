// The output folder of `--out`: checks before training, and file names of runs.

import { promises as fsp } from "node:fs";
import { UsageError } from "./args.js";

/**
 * Creates `folder` (with its parents) unless it exists, and checks that it is a folder, so a
 * bad `--out` fails before training starts. Throws UsageError naming the path and the fix when
 * the path or one of its parents is a file, or the folder cannot be created.
 */
export async function prepareOutputFolder(folder: string): Promise<void> {
  const existing = await fsp.stat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    if (error.code === "ENOTDIR") throw parentIsFileError(folder);
    throw cannotCreateError(folder, error);
  });
  if (existing !== null) {
    if (!existing.isDirectory()) {
      throw new UsageError(
        `--out ${JSON.stringify(folder)} is a file, not a folder; pass a folder path or remove the file`,
      );
    }
    return;
  }

  try {
    await fsp.mkdir(folder, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOTDIR" || code === "EEXIST") throw parentIsFileError(folder);
    throw cannotCreateError(folder, error as Error);
  }
}

function parentIsFileError(folder: string): UsageError {
  return new UsageError(
    `--out ${JSON.stringify(folder)} cannot be created because one of its parents is a file; pass a path under an existing folder`,
  );
}

function cannotCreateError(folder: string, error: Error): UsageError {
  return new UsageError(
    `--out ${JSON.stringify(folder)} cannot be created (${error.message}); pass a folder you can write to`,
  );
}

/**
 * Turns a run label such as "sine ω0=3" into a file-name stem such as "sine-omega0-3". The
 * exponent's "+" is dropped ("1e+21" becomes "1e21") while its "-" stays, so 1e21 and 1e-21
 * get different stems and the number still parses back with Number().
 */
export function fileStem(label: string): string {
  return label
    .replace(/ω0/g, "omega0")
    .replace(/(\de)\+(\d)/g, "$1$2")
    .replace(/[^A-Za-z0-9.]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Returns one stem per label, in order. A stem already in use gets the suffix "-2", "-3", .... */
export function uniqueStems(labels: readonly string[]): string[] {
  const taken = new Set<string>();
  return labels.map((label) => {
    const stem = fileStem(label);
    let unique = stem;
    for (let n = 2; taken.has(unique); n++) unique = `${stem}-${n}`;
    taken.add(unique);
    return unique;
  });
}
