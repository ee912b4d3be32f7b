// Tests of the JSON model file: bit-exact round trips and rejection of corrupt files.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createMlp,
  type Mlp,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  ModelFileError,
  parseModel,
  parseModelFile,
  serializeModel,
} from "../src/siren/index.js";

function sampleModel(): Mlp {
  return createMlp({
    inputs: 2,
    hidden: [4, 3],
    outputs: 1,
    activation: "sine",
    omega0: 12.5,
    hiddenOmega: "omega0",
    seed: 8,
    domain: [
      [0, Math.PI],
      [-1, 2.5],
    ],
    biasInit: "uniform",
  });
}

function bits(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Returns the model-file text of `sampleModel()` after `edit` changed its parsed JSON. */
// biome-ignore lint/suspicious/noExplicitAny: the tests edit arbitrary paths of the parsed file.
function corrupt(edit: (file: Record<string, any>) => void): string {
  const file = JSON.parse(serializeModel(sampleModel()));
  edit(file);
  return JSON.stringify(file);
}

function expectRejected(text: string, field: string, message: RegExp): void {
  let caught: unknown;
  try {
    parseModel(text);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(ModelFileError);
  expect((caught as ModelFileError).field).toBe(field);
  expect((caught as ModelFileError).message).toMatch(message);
}

describe("model file non-finite values", () => {
  it("refuses to serialise NaN or infinite weights", () => {
    const model = sampleModel();
    model.layers[1]!.W[2] = Number.NaN;
    expect(() => serializeModel(model)).toThrow(
      /layer1.W\[2\] is NaN; only finite weights can be saved/,
    );
    model.layers[1]!.W[2] = Number.NEGATIVE_INFINITY;
    expect(() => serializeModel(model)).toThrow(/layer1.W\[2\] is -Infinity/);
  });

  it("rejects non-finite metadata numbers", () => {
    expect(() => serializeModel(sampleModel(), { loss: Number.NaN })).toThrow(
      /metadata.loss must be a finite number/,
    );
  });

  it("rejects a weight stored as a string or null", () => {
    const asString = corrupt((file) => {
      file.parameters[2].values[5] = "NaN";
    });
    expectRejected(asString, "layer1.W", /layer1.W\[5\] must be a finite number, received "NaN"/);
    const asNull = corrupt((file) => {
      file.parameters[0].values[0] = null;
    });
    expectRejected(asNull, "layer0.W", /layer0.W\[0\] must be a finite number, received null/);
  });
});

describe("model file round trip", () => {
  it("restores every bit of the parameters and options", () => {
    const model = sampleModel();
    const restored = parseModel(serializeModel(model));
    expect(bits(restored.params)).toEqual(bits(model.params));
    expect(restored.options).toEqual(model.options);
    expect(restored.layers.map((l) => l.omega)).toEqual(model.layers.map((l) => l.omega));
  });

  it("restores arbitrary finite doubles, -0 and subnormals", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 17,
          maxLength: 17,
        }),
        (values) => {
          const model = createMlp({ inputs: 1, hidden: [2, 3], outputs: 1, activation: "tanh" });
          model.setParams(values);
          model.params[0] = -0;
          model.params[1] = 5e-324;
          const restored = parseModel(serializeModel(model));
          expect(bits(restored.params)).toEqual(bits(model.params));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("keeps the metadata", () => {
    const metadata = {
      problem: "harmonic",
      steps: 3000,
      relativeL2: 3.3e-5,
      history: [1, 0.5],
      notes: null,
    };
    const file = parseModelFile(serializeModel(sampleModel(), metadata));
    expect(file.metadata).toEqual(metadata);
    expect(parseModelFile(serializeModel(sampleModel())).metadata).toBeNull();
  });

  it("writes the format name and version", () => {
    const file = JSON.parse(serializeModel(sampleModel()));
    expect(file.format).toBe(MODEL_FORMAT);
    expect(file.version).toBe(MODEL_FORMAT_VERSION);
    expect(file.architecture.activation).toBe("sine");
    expect(file.parameters[0].name).toBe("layer0.W");
  });

  it("evaluates the same after the round trip", () => {
    const model = sampleModel();
    const restored = parseModel(serializeModel(model));
    expect(restored.evaluate([1.2, 0.4])).toEqual(model.evaluate([1.2, 0.4]));
  });
});

describe("model file corruption", () => {
  it("rejects text that is not JSON", () => {
    expectRejected('{"format": "siren-pinn-model",', "(file)", /not valid JSON/);
    expectRejected("[1, 2]", "(file)", /must contain a JSON object, received an array of 2/);
  });

  it("rejects a wrong format name", () => {
    const text = corrupt((file) => {
      file.format = "onnx";
    });
    expectRejected(text, "format", /format must be "siren-pinn-model", received "onnx"/);
  });

  it("rejects a newer or missing version", () => {
    const newer = corrupt((file) => {
      file.version = 2;
    });
    expectRejected(
      newer,
      "version",
      /version must be 1, received 2; the file was written by a newer siren-pinn/,
    );
    const missing = corrupt((file) => {
      delete file.version;
    });
    expectRejected(missing, "version", /version must be 1, received nothing/);
  });

  it("rejects unknown fields", () => {
    const top = corrupt((file) => {
      file.weights = [];
    });
    expectRejected(top, "weights", /unknown field "weights"/);
    const inner = corrupt((file) => {
      file.architecture.depth = 3;
    });
    expectRejected(inner, "architecture.depth", /unknown field architecture.depth/);
  });

  it("rejects a missing or unknown activation", () => {
    const missing = corrupt((file) => {
      delete file.architecture.activation;
    });
    expectRejected(missing, "architecture.activation", /architecture.activation is missing/);
    const unknown = corrupt((file) => {
      file.architecture.activation = "swish";
    });
    expectRejected(
      unknown,
      "architecture.activation",
      /activation must be "sine", "tanh" or "relu", received "swish"/,
    );
  });

  it("rejects invalid widths, omega0 and domain", () => {
    const width = corrupt((file) => {
      file.architecture.hidden = [4, 0];
    });
    expectRejected(
      width,
      "architecture.hidden",
      /architecture.hidden\[1\] must be an integer >= 1, received 0/,
    );
    const omega = corrupt((file) => {
      file.architecture.omega0 = -1;
    });
    expectRejected(omega, "architecture.omega0", /omega0 must be a finite number > 0, received -1/);
    const domain = corrupt((file) => {
      file.architecture.domain[1] = [3, 2];
    });
    expectRejected(domain, "architecture.domain", /domain\[1\] must be a finite interval/);
  });

  it("rejects a parameter with one value missing", () => {
    const text = corrupt((file) => {
      file.parameters[2].values.pop();
    });
    expectRejected(text, "layer1.W", /layer1.W has 11 values, expected 12 for shape \[3, 4\]/);
  });

  it("rejects a wrong shape, name or count", () => {
    const shape = corrupt((file) => {
      file.parameters[2].shape = [4, 3];
    });
    expectRejected(shape, "layer1.W", /layer1.W has shape \[4,3\], expected \[3,4\]/);
    const name = corrupt((file) => {
      file.parameters[1].name = "layer0.bias";
    });
    expectRejected(name, "layer0.b", /parameters\[1\] must be layer0.b, received "layer0.bias"/);
    const count = corrupt((file) => {
      file.parameters.pop();
    });
    expectRejected(
      count,
      "parameters",
      /parameters must list 6 entries \(W and b of 3 layers\), received 5 entries/,
    );
  });

  it("rejects metadata that is not an object", () => {
    const text = corrupt((file) => {
      file.metadata = [1, 2];
    });
    expectRejected(text, "metadata", /metadata must be a JSON object, received an array of 2/);
  });
});
