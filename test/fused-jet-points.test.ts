// Input checks of Mlp.jet on both paths: empty point sets and non-finite coordinates.

import { describe, expect, it } from "vitest";
import type { JetSpec } from "../src/dual/batch-spec.js";
import { createMlp, type JetPath } from "../src/siren/index.js";
import { Tape } from "../src/tape/tape.js";

const PATHS: JetPath[] = ["generic", "fused"];

const SPEC_2D: JetSpec = { dim: 2, first: [0, 1], second: [[0, 0]], laplacian: true };

function model() {
  return createMlp({ inputs: 2, hidden: [4], outputs: 1, activation: "tanh", seed: 3 });
}

describe("Mlp.jet rejects bad points", () => {
  it("NaN and ±Infinity name the point and coordinate", () => {
    const cases: [number, RegExp][] = [
      [Number.NaN, /^Mlp\.jet: point 1 has coordinate 1 = NaN, expected a finite number/],
      [Number.POSITIVE_INFINITY, /^Mlp\.jet: point 1 has coordinate 1 = Infinity/],
      [Number.NEGATIVE_INFINITY, /^Mlp\.jet: point 1 has coordinate 1 = -Infinity/],
    ];
    for (const path of PATHS) {
      for (const [bad, message] of cases) {
        const points = Float64Array.of(0.1, 0.2, 0.3, bad);
        expect(() => model().jet(new Tape(), points, SPEC_2D, path), path).toThrow(RangeError);
        expect(() => model().jet(new Tape(), points, SPEC_2D, path), path).toThrow(message);
      }
    }
  });

  it("empty points raise the same error on both paths", () => {
    // Regression: the generic path returned empty tensors, whose mean is NaN.
    const messages = PATHS.map((path) => {
      try {
        model().jet(new Tape(), new Float64Array(0), SPEC_2D, path);
      } catch (error) {
        expect(error, path).toBeInstanceOf(RangeError);
        return (error as RangeError).message;
      }
      throw new Error(`Mlp.jet on the ${path} path accepted an empty point set`);
    });
    expect(messages[0]).toMatch(
      /^Mlp\.jet: points is empty; pass at least one point of 2 coordinates/,
    );
    expect(messages[1]).toBe(messages[0]);
  });

  it("a length that is not N·inputs raises on both paths", () => {
    for (const path of PATHS) {
      expect(() => model().jet(new Tape(), new Float64Array(3), SPEC_2D, path), path).toThrow(
        /^Mlp\.jet: points has length 3, not a multiple of the input dimension 2/,
      );
    }
  });

  it("finite points still give finite jets", () => {
    for (const path of PATHS) {
      const jet = model().jet(new Tape(), Float64Array.of(0.1, -0.4, 2, 3), SPEC_2D, path);
      expect(Array.from(jet.value.data).every(Number.isFinite), path).toBe(true);
      expect(Array.from(jet.laplacian!.data).every(Number.isFinite), path).toBe(true);
    }
  });
});
