// createMlp's size and domain limits and the model file's parameter-entry keys.

import { describe, expect, it } from "vitest";
import { createMlp } from "../src/siren/index.js";
import { parseModel, serializeModel } from "../src/siren/model-file.js";
import { MAX_PARAMETERS } from "../src/siren/options.js";

const BASE = { inputs: 1, hidden: [4], outputs: 1, activation: "sine" } as const;

describe("createMlp domain overflow", () => {
  it("rejects a width whose scale overflows", () => {
    expect(() => createMlp({ ...BASE, domain: [[0, 5e-324]] })).toThrow(RangeError);
    expect(() => createMlp({ ...BASE, domain: [[0, 5e-324]] })).toThrow(
      /domain\[0\] = \[0, 5e-324\] is too narrow: .* 2\/\(hi − lo\) infinite; rescale input 0/,
    );
  });

  it("rejects a width that overflows", () => {
    expect(() => createMlp({ ...BASE, domain: [[-1.7e308, 1.7e308]] })).toThrow(
      /domain\[0\] = \[-1\.7e\+308, 1\.7e\+308\] overflows: hi − lo or hi \+ lo exceeds/,
    );
    expect(() => createMlp({ ...BASE, domain: [[1e308, 1.7e308]] })).toThrow(/overflows/);
  });

  it("keeps every output finite on a narrow domain", () => {
    const model = createMlp({ ...BASE, domain: [[0, 1e-300]] });
    expect(Number.isFinite(model.evaluate([5e-301])[0])).toBe(true);
  });
});

describe("createMlp size limit", () => {
  it("rejects too many parameters before allocating", () => {
    const options = { ...BASE, hidden: [20000, 20000] };
    expect(() => createMlp(options)).toThrow(RangeError);
    expect(() => createMlp(options)).toThrow(
      new RegExp(`give 400080001 parameters, above the limit of ${MAX_PARAMETERS}`),
    );
  });

  it("accepts a wide network", () => {
    // 1 → 9999 → 1 has 9999·2 + 10000 = 29998 parameters, far inside the limit.
    expect(createMlp({ ...BASE, hidden: [9999] }).params).toHaveLength(29998);
  });
});

describe("model file parameter keys", () => {
  it("rejects an extra key in a parameter entry", () => {
    const text = serializeModel(createMlp(BASE));
    const root = JSON.parse(text);
    root.parameters[1].vales = [];
    expect(() => parseModel(JSON.stringify(root))).toThrow(
      /parameters\[1\] \(layer0\.b\) has unknown field "vales"; valid fields: name, shape, values/,
    );
  });
});
