// The `--out` folder check before training and the file names of runs.

import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../src/cli/args.js";
import { fileStem, prepareOutputFolder, uniqueStems } from "../src/cli/files.js";

let folder: string;

beforeEach(async () => {
  folder = await fsp.mkdtemp(path.join(os.tmpdir(), "siren-cli-files-"));
});

afterEach(async () => {
  await fsp.rm(folder, { recursive: true, force: true });
});

describe("prepareOutputFolder", () => {
  it("rejects a path that is a file", async () => {
    const file = path.join(folder, "taken");
    await fsp.writeFile(file, "kept");
    await expect(prepareOutputFolder(file)).rejects.toThrow(UsageError);
    await expect(prepareOutputFolder(file)).rejects.toThrow(/is a file, not a folder/);
    await expect(prepareOutputFolder(file)).rejects.toThrow(file);
    expect(await fsp.readFile(file, "utf8")).toBe("kept");
  });

  it("rejects a path under a file", async () => {
    const file = path.join(folder, "taken");
    await fsp.writeFile(file, "kept");
    const below = path.join(file, "a", "b");
    await expect(prepareOutputFolder(below)).rejects.toThrow(/one of its parents is a file/);
    await expect(prepareOutputFolder(below)).rejects.toThrow(below);
  });

  it("creates missing folders", async () => {
    const nested = path.join(folder, "a", "b");
    await prepareOutputFolder(nested);
    expect((await fsp.stat(nested)).isDirectory()).toBe(true);
  });

  it("accepts an existing folder", async () => {
    await expect(prepareOutputFolder(folder)).resolves.toBeUndefined();
  });
});

describe("file stems", () => {
  it("keeps the sign of an exponent", () => {
    expect(fileStem(`sine ω0=${1e21}`)).toBe("sine-omega0-1e21");
    expect(fileStem(`sine ω0=${1e-21}`)).toBe("sine-omega0-1e-21");
    expect(fileStem("sine ω0=0.5")).toBe("sine-omega0-0.5");
    expect(fileStem("tanh")).toBe("tanh");
  });

  it("round-trips the number in the stem", () => {
    for (const omega0 of [1e21, 1e-21, 3, 0.1, 123.456, 5e-324, Number.MAX_VALUE]) {
      const stem = fileStem(`sine ω0=${omega0}`);
      expect(Number(stem.replace("sine-omega0-", ""))).toBe(omega0);
    }
  });

  it("suffixes a repeated stem", () => {
    expect(uniqueStems(["sine ω0=3", "tanh", "sine ω0=3", "sine ω0=3"])).toEqual([
      "sine-omega0-3",
      "tanh",
      "sine-omega0-3-2",
      "sine-omega0-3-3",
    ]);
  });

  it("suffixes a stem that equals an earlier suffixed one", () => {
    const stems = uniqueStems(["a", "a", "a-2"]);
    expect(new Set(stems).size).toBe(3);
  });
});
