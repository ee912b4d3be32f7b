// The named fields a residual reads: u, its partials u_x, u_xx, u_xt, the Laplacian, the coordinates.

import type { Tape, Tensor } from "../tape/index.js";
import type { JetSpec } from "../tape/jet.js";

/**
 * Tensors of shape [N, 1] by name: `u`, one entry per coordinate (`x`, `t`), first partials
 * `u_x`, second partials `u_xx`, `u_xt` (and `u_tx`), and `laplacian`. With multi-letter
 * coordinates the names are joined with "_" (`u_r_theta`). Reading a partial the problem did
 * not declare throws an error naming the entry to add to `partials`.
 */
export type Fields = Readonly<Record<string, Tensor>>;

/** The jet coefficients a residual needs, as produced by a network or a hard constraint. */
export interface JetFields {
  value: Tensor;
  first: Map<number, Tensor>;
  second: Map<string, Tensor>;
  laplacian: Tensor | null;
}

/** Name of the partial along the given coordinate indices, e.g. "u_x", "u_xt". */
export function partialName(coordinates: readonly string[], indices: readonly number[]): string {
  const names = indices.map((i) => coordinates[i]);
  const singleLetters = coordinates.every((name) => name.length === 1);
  return `u_${names.join(singleLetters ? "" : "_")}`;
}

/**
 * Splits row-major points (N × dim) into one column per coordinate. Nothing is cached,
 * because a caller may refill the same buffer with new points between calls, and the copy
 * costs N·dim reads, far below the network jet on the same points.
 */
export function pointColumns(points: Float64Array, dim: number): Float64Array[] {
  const count = points.length / dim;
  const columns = Array.from({ length: dim }, () => new Float64Array(count));
  for (let n = 0; n < count; n++) {
    for (let i = 0; i < dim; i++) columns[i][n] = points[n * dim + i];
  }
  return columns;
}

/**
 * Builds the fields of a jet at the given points. Coordinate tensors are created on the
 * tape only when the residual reads them.
 */
export function buildFields(
  tape: Tape,
  jet: JetFields,
  spec: JetSpec,
  coordinates: readonly string[],
  points: Float64Array,
): Fields {
  const entries = new Map<string, Tensor | (() => Tensor)>();
  entries.set("u", jet.value);

  for (const [i, tensor] of jet.first) entries.set(partialName(coordinates, [i]), tensor);
  for (const [key, tensor] of jet.second) {
    const [i, j] = key.split(",").map(Number);
    entries.set(partialName(coordinates, [i, j]), tensor);
    entries.set(partialName(coordinates, [j, i]), tensor);
  }
  if (spec.laplacian && jet.laplacian !== null) entries.set("laplacian", jet.laplacian);

  const count = jet.value.shape[0];
  // The columns are split lazily, when the residual first reads a coordinate.
  let columns: Float64Array[] | null = null;
  coordinates.forEach((name, i) => {
    entries.set(name, () => {
      columns ??= pointColumns(points, coordinates.length);
      return tape.constant(columns[i], [count, 1]);
    });
  });

  return fieldsProxy(entries);
}

function fieldsProxy(entries: Map<string, Tensor | (() => Tensor)>): Fields {
  const resolved = new Map<string, Tensor>();
  const target: Record<string, Tensor> = {};

  return new Proxy(target, {
    get(_, key) {
      if (typeof key !== "string") return undefined;
      const known = resolved.get(key);
      if (known !== undefined) return known;

      const entry = entries.get(key);
      if (entry === undefined) {
        if (key === "laplacian" || key.startsWith("u_") || key === "u") {
          throw new RangeError(
            `residual: field "${key}" is not available because the problem does not declare it in "partials"; declare it (e.g. partials: ["${key === "laplacian" ? "laplacian" : key.slice(2)}"]). Available: ${[...entries.keys()].join(", ")}`,
          );
        }
        // Other keys (e.g. probes such as "then") are not fields.
        return undefined;
      }
      const tensor = typeof entry === "function" ? entry() : entry;
      resolved.set(key, tensor);
      return tensor;
    },
    has(_, key) {
      return typeof key === "string" && entries.has(key);
    },
    ownKeys() {
      return [...entries.keys()];
    },
    getOwnPropertyDescriptor(_, key) {
      if (typeof key !== "string" || !entries.has(key)) return undefined;
      return { enumerable: true, configurable: true };
    },
  }) as Fields;
}
