// The examples run against the built package (dist/) with small budgets and exit cleanly.

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const built = existsSync(path.join(root, "dist", "pinn", "index.js"));

describe("examples", () => {
  // The examples import the package by name, which resolves to dist/; CI builds before testing.
  it.skipIf(!built)("run-all passes against dist/", () => {
    const run = spawnSync(process.execPath, [path.join(root, "examples", "run-all.mjs")], {
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(run.stdout).toMatch(/\d+ passed, 0 failed/);
    expect(run.status).toBe(0);
  });
});
