// Tests of the errors raised for invalid arguments to the forward-mode helpers and types.

import { describe, expect, it } from "vitest";
import {
  add,
  Dual,
  derivative,
  derivatives,
  gradient,
  HyperDual,
  hessian,
  laplacian,
  neg,
  newTag,
  pow,
  relu,
  type Scalar,
  sin,
  Taylor,
} from "../src/dual/index.js";

const sumOf = (p: Scalar[]) => add(p[0], p[1]);

/** Runs fn and returns the error it throws (failing the test when it does not throw). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to throw");
}

describe("helper arguments", () => {
  it("non-finite points come first: NaN and Infinity are rejected", () => {
    const e = thrown(() => derivative((x) => x, Number.NaN));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toMatch(/^derivative: x must have a finite value, received NaN/);

    const g = thrown(() => laplacian(sumOf, [0, Number.POSITIVE_INFINITY]));
    expect(g).toBeInstanceOf(RangeError);
    expect(g.message).toMatch(/^laplacian: point\[1\] must have a finite value, received Infinity/);

    const d = thrown(() => derivatives((x) => x, new Dual(Number.NaN, 1), 2));
    expect(d).toBeInstanceOf(RangeError);
  });

  it("f returning a non-scalar", () => {
    const e = thrown(() => derivative((x) => [x, x] as unknown as Scalar, 1));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain("derivative: f must return a single Scalar");
    expect(e.message).toContain("received an array of length 2");

    const h = thrown(() => hessian(() => undefined as unknown as Scalar, [1]));
    expect(h).toBeInstanceOf(TypeError);
    expect(h.message).toContain("received a value of type undefined");
  });

  it("f that is not a function", () => {
    const e = thrown(() => gradient(3 as unknown as (p: Scalar[]) => Scalar, [1]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("gradient: f must be a function, received the number 3");
  });

  it("empty point", () => {
    const e = thrown(() => gradient(sumOf, []));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe("gradient: point must have at least one entry, received an empty array");
  });

  it("point that is not an array", () => {
    const e = thrown(() => hessian(sumOf, 2 as unknown as Scalar[]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain(
      "hessian: point must be an array of Scalars, received the number 2",
    );
    expect(e.message).toContain("wrap a single input as [x]");
  });

  it("point entry that is not a Scalar", () => {
    const e = thrown(() => gradient(sumOf, [1, "2" as unknown as Scalar]));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain(
      'gradient: point[1] must be a number or an AD value, received the string "2"',
    );
  });

  it("order below 0, not an integer or not a number", () => {
    for (const order of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const e = thrown(() => derivatives((x) => x, 1, order));
      expect(e).toBeInstanceOf(RangeError);
      expect(e.message).toContain("derivatives: order must be a non-negative integer");
    }
    const t = thrown(() => derivatives((x) => x, 1, "2" as unknown as number));
    expect(t).toBeInstanceOf(TypeError);
  });

  it("order 0 returns only the value", () => {
    expect(derivatives((x) => pow(x, 2), 3, 0)).toEqual([9]);
  });
});

describe("AD value construction and mixing", () => {
  it("Taylor jets of one tag with different orders", () => {
    const tag = newTag();
    const e = thrown(() => add(new Taylor([1, 1], tag), new Taylor([1, 1, 0], tag)));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain(`add: Taylor jets with tag ${tag} have orders 1 and 2`);
  });

  it("a Dual and a HyperDual sharing a tag", () => {
    const tag = newTag();
    const e = thrown(() => add(new Dual(1, 1, tag), new HyperDual(1, 1, 0, 0, tag)));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toContain("are a Dual and a HyperDual");
  });

  it("a component with a tag that is not lower", () => {
    const outer = new Dual(1, 1);
    const e = thrown(() => new Dual(outer, 0, outer.tag));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toContain(`Dual: component 0 has tag ${outer.tag}`);
  });

  it("a component that is not a Scalar", () => {
    const e = thrown(() => new HyperDual(1, 2, null as unknown as Scalar, 0));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe("HyperDual: component 2 must be a number or an AD value, received null");
  });

  it("an empty Taylor jet and an out-of-range derivative index", () => {
    expect(() => new Taylor([])).toThrow(TypeError);
    const e = thrown(() => new Taylor([1, 2]).derivative(2));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe(
      "Taylor.derivative: k must be an integer in [0, 1], received the number 2",
    );
  });

  it("a tag that is not a positive integer", () => {
    expect(() => new Dual(1, 1, 0)).toThrow(RangeError);
    expect(() => new Dual(1, 1, 1.5)).toThrow(/tag must be a positive safe integer/);
  });
});

describe("elementary function arguments", () => {
  it("non-Scalar operands are named in the message", () => {
    const e = thrown(() => add(1, "2" as unknown as Scalar));
    expect(e).toBeInstanceOf(TypeError);
    expect(e.message).toBe(
      'add: y must be a number or an AD value (Dual, HyperDual, Taylor), received the string "2"',
    );
    const s = thrown(() => sin({} as unknown as Scalar));
    expect(s).toBeInstanceOf(TypeError);
    expect(s.message).toContain("sin: x must be a number or an AD value");
    expect(() => relu(undefined as unknown as Scalar)).toThrow(/primal: x must be a number/);
    expect(() => neg([1] as unknown as Scalar)).toThrow(/neg: x must be a number/);
  });
});
