import { describe, expect, it } from "vitest";
import {
  boundaryPoints,
  boxFaces,
  facePoints,
  slicePoints,
} from "../src/pinn/sampling/boundary.js";
import { SAMPLING_METHODS } from "../src/pinn/sampling/sample.js";
import { Random } from "../src/siren/random.js";

const BOX: [number, number][] = [
  [0, 1],
  [-1, 2],
  [0, 0.5],
];

describe("boundary sampling input checks", () => {
  it("rejects a non-finite slice value", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => slicePoints(BOX, 0, bad, 4, "uniform", 1)).toThrow(/value must lie in box\[0\]/);
    }
  });

  it("rejects out-of-box values and dimensions", () => {
    expect(() => slicePoints(BOX, 1, 2.5, 4, "uniform", 1)).toThrow(
      /box\[1\] = \[-1, 2\], received 2.5/,
    );
    expect(() => slicePoints(BOX, 3, 0, 4, "uniform", 1)).toThrow(
      /dimension must be an integer in \[0, 2\]/,
    );
    expect(() => facePoints(BOX, { dimension: -1, side: "lower" }, 4, "uniform", 1)).toThrow(
      /dimension/,
    );
    expect(() => facePoints(BOX, { dimension: 0, side: "left" as never }, 4, "uniform", 1)).toThrow(
      /face.side must be "lower" or "upper"/,
    );
  });

  it("rejects an empty count and a bad box", () => {
    expect(() => boundaryPoints(BOX, 0, "sobol", 1)).toThrow(
      /countPerFace must be an integer >= 1/,
    );
    expect(() => boundaryPoints([[0, Number.NaN]], 4, "sobol", 1)).toThrow(/box\[0\]/);
    expect(() => boxFaces([])).toThrow(/non-empty array/);
  });
});

describe("facePoints", () => {
  for (const method of SAMPLING_METHODS) {
    it(`${method} fixes the face coordinate exactly`, () => {
      for (const face of boxFaces(BOX)) {
        const points = facePoints(BOX, face, 33, method, 5);
        const fixed = face.side === "lower" ? BOX[face.dimension][0] : BOX[face.dimension][1];
        for (let p = 0; p < 33; p++) {
          for (let i = 0; i < 3; i++) {
            const x = points[p * 3 + i];
            if (i === face.dimension) {
              expect(x).toBe(fixed);
            } else {
              expect(x).toBeGreaterThanOrEqual(BOX[i][0]);
              expect(x).toBeLessThanOrEqual(BOX[i][1]);
            }
          }
        }
      }
    });
  }
});

describe("slicePoints", () => {
  it("samples the initial slice t = 0", () => {
    // Coordinates (x, t) with t in [0, 2]: the initial condition lives on t = 0.
    const box: [number, number][] = [
      [-1, 1],
      [0, 2],
    ];
    const points = slicePoints(box, 1, 0, 16, "latin-hypercube", 3);
    const xs = new Set<number>();
    for (let p = 0; p < 16; p++) {
      expect(points[2 * p + 1]).toBe(0);
      xs.add(Math.floor(((points[2 * p] + 1) / 2) * 16));
    }
    // Latin hypercube on the remaining coordinate: one point per stratum.
    expect(xs.size).toBe(16);
  });

  it("repeats the single point of a 1-d box", () => {
    const points = slicePoints([[0, 3]], 0, 1.5, 4, "sobol", 1);
    expect(Array.from(points)).toEqual([1.5, 1.5, 1.5, 1.5]);
  });
});

describe("boundaryPoints", () => {
  it("covers every face in order", () => {
    const faces = boundaryPoints(BOX, 8, "uniform", 2);
    expect(faces.map(({ face }) => `${face.dimension}${face.side}`)).toEqual([
      "0lower",
      "0upper",
      "1lower",
      "1upper",
      "2lower",
      "2upper",
    ]);
    for (const { points } of faces) {
      expect(points).toHaveLength(8 * 3);
    }
  });

  it("repeats bits for one seed and differs across faces", () => {
    const a = boundaryPoints(BOX, 8, "sobol", 21);
    const b = boundaryPoints(BOX, 8, "sobol", new Random(21));
    const c = boundaryPoints(BOX, 8, "sobol", 22);
    a.forEach(({ points }, k) => {
      expect(new Uint8Array(points.buffer)).toEqual(new Uint8Array(b[k].points.buffer));
      expect(points).not.toEqual(c[k].points);
    });
    // Faces draw from one generator in turn, so the two faces of coordinate 0 get different shifts.
    expect(a[0].points.subarray(1, 3)).not.toEqual(a[1].points.subarray(1, 3));
  });
});
