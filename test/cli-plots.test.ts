// The figures the CLI writes: one colour per run in every comparison figure, a dashed exact curve.

import { describe, expect, it } from "vitest";
import { comparisonFigures, runFigures } from "../src/cli/plots.js";
import { getProblem } from "../src/pinn/problems/index.js";
import { train } from "../src/pinn/train.js";

/** A budget that trains in a fraction of a second. */
const TINY = { steps: 3, lbfgs: 0, points: 16, hidden: [8], path: "generic" } as const;

/** Returns the legend of `svg` as a map from series name to its stroke attributes. */
function legend(svg: string): Map<string, string> {
  const group = /<g class="legend">(.*?)<\/g>/.exec(svg)?.[1] ?? "";
  const rows = group.matchAll(/<line [^>]*?(stroke="[^"]*"[^>]*?)\/><text[^>]*>([^<]*)<\/text>/g);
  return new Map(Array.from(rows, (row) => [row[2], row[1].replace(/ stroke-width="[^"]*"/, "")]));
}

describe("comparison figures", () => {
  const problem = getProblem("harmonic", {});
  const runs = (["sine", "tanh", "relu"] as const).map((activation) => ({
    label: activation,
    result: train(problem, { ...TINY, activation }),
  }));
  const figures = new Map(comparisonFigures(problem, runs));

  it("gives each run one colour", () => {
    const solution = legend(figures.get("comparison") ?? "");
    const error = legend(figures.get("comparison-error") ?? "");
    const loss = legend(figures.get("comparison-loss") ?? "");
    for (const { label } of runs) {
      expect(solution.get(label)).toBeDefined();
      expect(error.get(label)).toBe(solution.get(label));
      expect(loss.get(label)).toBe(solution.get(label));
    }
    const colours = runs.map(({ label }) => solution.get(label));
    expect(new Set(colours).size).toBe(runs.length);
  });

  it("draws the exact solution black and dashed", () => {
    const solution = legend(figures.get("comparison") ?? "");
    expect(solution.get("exact")).toMatch(/stroke="#000000" stroke-dasharray="/);
  });

  it("ends the x axis at 2π", () => {
    const svg = figures.get("comparison") ?? "";
    const labels = Array.from(svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g), (m) => m[1]);
    expect(labels).toContain("6");
    expect(labels).not.toContain("8");
  });

  it("dashes the exact curve of one run", () => {
    const [, svg] = runFigures(problem, "sine", runs[0].result)[0];
    expect(legend(svg).get("exact")).toMatch(/stroke="#000000" stroke-dasharray="/);
  });
});
