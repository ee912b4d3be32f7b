// Tests of saving and loading model files: round trip, atomic replacement and error messages.

import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeFileAtomic } from "../src/pinn/atomic-write.js";
import { loadModel, loadModelFile, saveModel } from "../src/pinn/model-io.js";
import { createMlp, ModelFileError } from "../src/siren/index.js";

let folder: string;

beforeEach(async () => {
  folder = await fsp.mkdtemp(path.join(os.tmpdir(), "siren-model-io-"));
});

afterEach(async () => {
  vi.restoreAllMocks();
  await fsp.rm(folder, { recursive: true, force: true });
});

function model(seed: number) {
  return createMlp({
    inputs: 1,
    hidden: [6, 6],
    outputs: 1,
    activation: "sine",
    seed,
    domain: [[0, 2 * Math.PI]],
  });
}

describe("saveModel and loadModel", () => {
  it("refuses to save NaN weights and leaves no file", async () => {
    const broken = model(1);
    broken.params[3] = Number.NaN;
    const file = path.join(folder, "nan.json");
    await expect(saveModel(file, broken)).rejects.toThrow(/layer0.W\[3\] is NaN/);
    expect(await fsp.readdir(folder)).toEqual([]);
  });

  it("round-trips parameters and metadata", async () => {
    const original = model(1);
    const file = path.join(folder, "model.json");
    await saveModel(file, original, { problem: "harmonic", steps: 10 });

    const loaded = await loadModelFile(file);
    expect(loaded.model.params).toEqual(original.params);
    expect(loaded.metadata).toEqual({ problem: "harmonic", steps: 10 });
    expect((await loadModel(file)).evaluate([1])).toEqual(original.evaluate([1]));
  });

  it("replaces an existing file", async () => {
    const file = path.join(folder, "model.json");
    await saveModel(file, model(1));
    await saveModel(file, model(2));
    expect((await loadModel(file)).params).toEqual(model(2).params);
    expect(await fsp.readdir(folder)).toEqual(["model.json"]);
  });

  it("names the file and the field of a corrupt model", async () => {
    const file = path.join(folder, "model.json");
    await saveModel(file, model(1));
    const text = await fsp.readFile(file, "utf8");
    await fsp.writeFile(file, text.replace('"activation":"sine"', '"activation":"cosine"'));

    const error = await loadModel(file).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as ModelFileError).field).toBe("architecture.activation");
    expect((error as ModelFileError).message).toContain(
      `loadModel: ${file}: parseModel: architecture.activation`,
    );
  });
});

describe("saveModel atomicity", () => {
  it("keeps the old file when the rename fails", async () => {
    const file = path.join(folder, "model.json");
    await saveModel(file, model(1));
    const before = await fsp.readFile(file, "utf8");
    vi.spyOn(fsp, "rename").mockRejectedValueOnce(
      Object.assign(new Error("injected rename failure"), { code: "EIO" }),
    );

    await expect(saveModel(file, model(2))).rejects.toThrow(/injected rename failure/);
    expect(await fsp.readFile(file, "utf8")).toBe(before);
    expect(await fsp.readdir(folder)).toEqual(["model.json"]);
  });

  it("keeps the old file when the write fails", async () => {
    const file = path.join(folder, "model.json");
    await saveModel(file, model(1));
    const before = await fsp.readFile(file, "utf8");
    const open = fsp.open.bind(fsp);
    vi.spyOn(fsp, "open").mockImplementationOnce(async (...args: Parameters<typeof fsp.open>) => {
      const handle = await open(...args);
      vi.spyOn(handle, "sync").mockRejectedValueOnce(new Error("injected fsync failure"));
      return handle;
    });

    await expect(saveModel(file, model(2))).rejects.toThrow(/injected fsync failure/);
    expect(await fsp.readFile(file, "utf8")).toBe(before);
    expect(await fsp.readdir(folder)).toEqual(["model.json"]);
  });

  it("removes the temporary file when the target is a folder", async () => {
    const target = path.join(folder, "taken");
    await fsp.mkdir(target);
    await fsp.writeFile(path.join(target, "inside.txt"), "kept");

    await expect(saveModel(target, model(1))).rejects.toThrow();
    expect((await fsp.readdir(folder)).sort()).toEqual(["taken"]);
    expect(await fsp.readFile(path.join(target, "inside.txt"), "utf8")).toBe("kept");
  });
});

describe("writeFileAtomic", () => {
  it("opens the temporary file exclusively and syncs the folder", async () => {
    const file = path.join(folder, "results.json");
    const open = vi.spyOn(fsp, "open");

    await writeFileAtomic(file, "{}\n");

    expect(await fsp.readFile(file, "utf8")).toBe("{}\n");
    const calls = open.mock.calls.map(([target, flags]) => [String(target), flags]);
    expect(calls).toHaveLength(2);
    expect(path.dirname(calls[0][0] as string)).toBe(folder);
    expect(calls[0][1]).toBe("wx");
    expect(calls[1]).toEqual([folder, "r"]);
    expect(await fsp.readdir(folder)).toEqual(["results.json"]);
  });

  it("keeps the old file when the rename fails", async () => {
    const file = path.join(folder, "comparison.svg");
    await writeFileAtomic(file, "old");
    vi.spyOn(fsp, "rename").mockRejectedValueOnce(new Error("injected rename failure"));

    await expect(writeFileAtomic(file, "new")).rejects.toThrow(/injected rename failure/);
    expect(await fsp.readFile(file, "utf8")).toBe("old");
    expect(await fsp.readdir(folder)).toEqual(["comparison.svg"]);
  });
});
