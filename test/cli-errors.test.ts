// The siren-pinn command run in-process: usage errors exit with code 2, small runs print tables and JSON.

import { promises as fsp } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { EXIT_FAILURE, EXIT_USAGE, runCli } from "../src/cli/run.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `body` with a fresh temporary folder that is removed afterwards. */
async function withFolder(body: (folder: string) => Promise<void>): Promise<void> {
  const folder = await mkdtemp(path.join(tmpdir(), "siren-pinn-cli-"));
  try {
    await body(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Runs the CLI with captured output. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text), isTTY: false },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
  });
  return { code, stdout, stderr };
}

/** A budget that trains in well under a second on the generic path. */
const SMALL = [
  "--steps",
  "5",
  "--lbfgs",
  "2",
  "--points",
  "16",
  "--hidden",
  "8,8",
  "--path",
  "generic",
  "--quiet",
];

describe("usage errors", () => {
  it("unknown problem lists the valid ones", async () => {
    const { code, stderr } = await cli("train", "nope");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(
      /unknown problem "nope"; valid problems: harmonic, oscillator-k, poisson-1d, poisson-2d, heat, wave/,
    );
  });

  it("unknown option lists the valid ones", async () => {
    const { code, stderr } = await cli("train", "harmonic", "--speed", "3");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/unknown option --speed; valid options: .*--activation/);
  });

  it("bad value names the option", async () => {
    const { code, stderr } = await cli("train", "harmonic", "--activation", "gelu");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/invalid value "gelu" for --activation; valid values: sine, tanh, relu/);
  });

  it("bad number names the option", async () => {
    const { code, stderr } = await cli("train", "harmonic", "--steps", "ten");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/invalid value "ten" for --steps/);
  });

  it("unknown command lists the commands", async () => {
    const { code, stderr } = await cli("fit", "harmonic");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(
      /unknown command "fit"; valid commands: problems, train, compare, verify, help/,
    );
  });

  it("option of another command is rejected", async () => {
    const { code, stderr } = await cli("compare", "harmonic", "--activation", "tanh");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/option --activation does not apply/);
  });

  it("unknown problem parameter lists the valid ones", async () => {
    const { code, stderr } = await cli("train", "oscillator-k", "--param", "q=3");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/NAME one of: k/);
  });
});

describe("integer options", () => {
  it.each([
    ["--steps", "0x10"],
    ["--steps", "1e2"],
    ["--steps", "1.0"],
    ["--steps", " 5"],
    ["--steps=-1", "-1"],
    ["--steps", "+5"],
    ["--steps", ""],
    ["--steps", "10000001"],
    ["--lbfgs", "0b11"],
    ["--points", "0"],
    ["--seed", "4294967296"],
    ["--hidden", "1000000000"],
    ["--hidden", "8,0x8", "0x8"],
    ["--hidden", "8,,8", ""],
    ["--threads", "3"],
    ["--threads", "0"],
  ])("%s %j is rejected", async (option, value, shown = value) => {
    const argv = option.includes("=") ? [option] : [option, value];
    const { code, stderr } = await cli("train", "harmonic", ...argv, "--quiet");
    expect(code).toBe(EXIT_USAGE);
    const name = option.split("=")[0];
    expect(stderr).toContain(`invalid value ${JSON.stringify(shown)} for ${name}`);
    expect(stderr).toMatch(/decimal digits from \d+ to \d+/);
  });

  it("too many hidden layers are rejected", async () => {
    const { code, stderr } = await cli(
      "train",
      "harmonic",
      "--hidden",
      Array(65).fill(8).join(","),
    );
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/at most 64 layer widths, received 65/);
  });

  it("largest values are accepted", async () => {
    const { code, stderr } = await cli(
      "verify",
      "harmonic",
      "--hidden",
      "8",
      "--seed",
      "4294967295",
    );
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});

describe("sweep values", () => {
  it("repeated ω0 is rejected", async () => {
    const { code, stderr } = await cli("compare", "harmonic", "--sweep-omega0", "30,10,3e1");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/--sweep-omega0: 30 appears more than once/);
  });

  it("1e21 and 1e-21 get their own files", async () => {
    await withFolder(async (folder) => {
      const { stdout } = await cli(
        "compare",
        "harmonic",
        ...SMALL,
        "--sweep-omega0",
        "1e21,1e-21",
        "--out",
        folder,
        "--json",
      );
      const files = await readdir(folder);
      const runs = JSON.parse(stdout).runs as { omega0: number | null; error?: string }[];
      for (const omega0 of [1e21, 1e-21]) {
        const run = runs.find((entry) => entry.omega0 === omega0);
        expect(run?.error).toBeUndefined();
        expect(files).toContain(`sine-omega0-${String(omega0).replace("+", "")}.model.json`);
      }
    });
  });
});

describe("--out", () => {
  it("file path fails before training", async () => {
    await withFolder(async (folder) => {
      const file = path.join(folder, "results");
      await writeFile(file, "kept");
      // 10^7 steps would run for hours, so a pass shows the check came first.
      const { code, stdout, stderr } = await cli(
        "train",
        "harmonic",
        "--steps",
        "10000000",
        "--out",
        file,
      );
      expect(code).toBe(EXIT_USAGE);
      expect(stderr).toContain(`--out ${JSON.stringify(file)} is a file, not a folder`);
      expect(stdout).toBe("");
      expect(await readFile(file, "utf8")).toBe("kept");
    });
  });

  it("path under a file fails before training", async () => {
    await withFolder(async (folder) => {
      const file = path.join(folder, "results");
      await writeFile(file, "kept");
      const below = path.join(file, "run");
      const { code, stderr } = await cli(
        "compare",
        "harmonic",
        "--steps",
        "10000000",
        "--out",
        below,
      );
      expect(code).toBe(EXIT_USAGE);
      expect(stderr).toContain(`--out ${JSON.stringify(below)} cannot be created`);
    });
  });

  it("failed write still prints the results", async () => {
    await withFolder(async (folder) => {
      vi.spyOn(fsp, "rename").mockRejectedValue(
        Object.assign(new Error("injected rename failure"), { code: "EIO" }),
      );
      const { code, stdout, stderr } = await cli(
        "train",
        "harmonic",
        ...SMALL,
        "--json",
        "--out",
        folder,
      );
      expect(code).toBe(EXIT_FAILURE);
      expect(JSON.parse(stdout).run.relativeL2).toBeGreaterThan(0);
      expect(stderr).toMatch(/writing the outputs into .* failed: injected rename failure/);
    });
  });

  it("results.json is written last", async () => {
    await withFolder(async (folder) => {
      const rename = fsp.rename.bind(fsp);
      const targets: string[] = [];
      vi.spyOn(fsp, "rename").mockImplementation(async (from, to) => {
        targets.push(path.basename(String(to)));
        await rename(from, to);
      });
      const { code } = await cli("compare", "harmonic", ...SMALL, "--out", folder);
      expect(code).toBe(0);
      expect(targets.length).toBeGreaterThan(3);
      expect(targets.indexOf("results.json")).toBe(targets.length - 1);
      expect(targets).toContain("comparison.svg");
    });
  });
});

describe("commands", () => {
  it("problems lists every problem", async () => {
    const { code, stdout } = await cli("problems");
    expect(code).toBe(0);
    for (const name of ["harmonic", "oscillator-k", "poisson-1d", "poisson-2d", "heat", "wave"]) {
      expect(stdout).toContain(name);
    }
  });

  it("train prints JSON", async () => {
    const { code, stdout } = await cli("train", "harmonic", ...SMALL, "--json");
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(parsed.problem).toBe("harmonic");
    expect(parsed.run.activation).toBe("sine");
    expect(parsed.run.relativeL2).toBeGreaterThan(0);
  });

  it("compare prints every run and explains ReLU", async () => {
    const { code, stdout } = await cli(
      "compare",
      "harmonic",
      ...SMALL,
      "--sweep-omega0",
      "1,10",
      "--json",
    );
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout);
    expect(
      parsed.runs.map(
        (run: { activation: string; omega0: number | null }) => `${run.activation}:${run.omega0}`,
      ),
    ).toEqual(["sine:3", "tanh:null", "relu:null", "sine:1", "sine:10"]);
    for (const run of parsed.runs) {
      expect(Object.keys(run)).toEqual(
        expect.arrayContaining([
          "activation",
          "omega0",
          "relativeL2",
          "maxError",
          "finalLoss",
          "steps",
          "seconds",
        ]),
      );
    }
    expect(parsed.note).toMatch(/u'' ≡ 0/);
  });

  it("compare writes its outputs", async () => {
    const folder = await mkdtemp(path.join(tmpdir(), "siren-pinn-cli-"));
    try {
      const { code, stdout } = await cli("compare", "harmonic", ...SMALL, "--out", folder);
      expect(code).toBe(0);
      expect(stdout).toMatch(/relative L2/);
      expect(stdout).toMatch(/u'' ≡ 0/);
      const files = await readdir(folder);
      expect(files).toEqual(
        expect.arrayContaining([
          "results.json",
          "sine-omega0-3.model.json",
          "tanh.model.json",
          "relu.model.json",
          "sine-omega0-3-solution.svg",
          "sine-omega0-3-error.svg",
          "tanh-loss.svg",
          "comparison.svg",
          "comparison-error.svg",
          "comparison-loss.svg",
        ]),
      );
      expect(files.some((file) => file.endsWith(".tmp"))).toBe(false);
      const results = JSON.parse(await readFile(path.join(folder, "results.json"), "utf8"));
      expect(results.runs).toHaveLength(3);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe("verify command", () => {
  it("verify reports agreeing paths", async () => {
    const { code, stdout } = await cli("verify", "heat", "--hidden", "8,8", "--points", "8");
    expect(code).toBe(0);
    expect(stdout).toMatch(/all paths agree/);
    expect(stdout).toMatch(/fused/);
    expect(stdout).toMatch(/generic/);
  });

  it("verify prints JSON", async () => {
    const { code, stdout } = await cli("verify", "harmonic", "--hidden", "8", "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).pass).toBe(true);
  });

  it("verify rejects training options", async () => {
    const { code, stderr } = await cli("verify", "harmonic", "--steps", "3");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toMatch(/option --steps does not apply/);
  });
});

describe("train --threads", () => {
  it("rejects two threads on the generic path", async () => {
    const { code, stderr } = await cli("train", "harmonic", "--threads", "2", "--path", "generic");
    expect(code).toBe(EXIT_USAGE);
    expect(stderr).toContain("--threads 2 needs the fused path");
  });

  // The fused path splits N >= 256 points into two parts whatever the thread count, so two
  // threads must print the same figures as one.
  it("gives the same results on two threads as on one", async () => {
    const budget = ["--steps", "3", "--lbfgs", "2", "--points", "300", "--hidden", "8,8"];
    const oneThread = await cli("train", "harmonic", ...budget, "--json", "--quiet");
    const twoThreads = await cli(
      "train",
      "harmonic",
      ...budget,
      "--threads",
      "2",
      "--json",
      "--quiet",
    );
    expect(oneThread.code).toBe(0);
    expect(twoThreads.code).toBe(0);
    const figures = (stdout: string) => {
      const { run } = JSON.parse(stdout) as { run: Record<string, unknown> };
      return [run.relativeL2, run.maxError, run.finalLoss];
    };
    expect(figures(twoThreads.stdout)).toEqual(figures(oneThread.stdout));
  }, 60_000);
});
