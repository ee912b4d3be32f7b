import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatPowerOfTen,
  formatTick,
  logTicks,
  niceTicks,
  powerOfTen,
} from "../src/pinn/plot/ticks.js";

/** True when step is 1, 2 or 5 times a power of ten (to a few ulps). */
function isNiceStep(step: number): boolean {
  const exponent = Math.floor(Math.log10(step));
  const mantissa = step / powerOfTen(exponent);
  return [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) <= 1e-12 * m);
}

describe("tick input checks", () => {
  it("rejects non-finite ranges", () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => niceTicks(0, bad)).toThrow(/expected finite min <= max/);
      expect(() => logTicks(bad, 10)).toThrow(RangeError);
    }
  });

  it("rejects reversed and non-positive log ranges", () => {
    expect(() => niceTicks(2, 1)).toThrow(/received \[2, 1\]/);
    expect(() => logTicks(0, 1)).toThrow(/min must be > 0/);
    expect(() => logTicks(-1, 1)).toThrow(/min must be > 0/);
  });
});

describe("niceTicks", () => {
  it("picks 1-2-5 steps for hand cases", () => {
    expect(niceTicks(0, 1)).toEqual({
      domain: [0, 1],
      step: 0.2,
      ticks: [0, 0.2, 0.4, 0.6, 0.8, 1],
    });
    expect(niceTicks(0, 10).ticks).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(-0.3, 0.7).ticks).toEqual([-0.4, -0.2, 0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(0.1, 0.35).ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    // A flat range is widened by 10% to [2.7, 3.3], then to whole steps of 0.2.
    expect(niceTicks(3, 3).ticks).toEqual([2.6, 2.8, 3, 3.2, 3.4]);
  });

  it("covers random ranges with nice multiples", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        (min, width) => {
          const max = min + width;
          fc.pre(min < max);
          const { domain, step, ticks } = niceTicks(min, max);

          expect(isNiceStep(step)).toBe(true);
          expect(domain[0]).toBeLessThanOrEqual(min);
          expect(domain[1]).toBeGreaterThanOrEqual(max);
          expect(ticks.length).toBeGreaterThanOrEqual(2);
          expect(ticks.length).toBeLessThanOrEqual(12);
          for (const tick of ticks) {
            // Each tick is k·step rounded to the step's decimals, so it is off by about an ulp
            // of the tick, that is eps·|k| in units of the step; 8 eps·max(1, |k|) covers it.
            const k = tick / step;
            const tolerance = 8 * Number.EPSILON * Math.max(1, Math.abs(k));
            expect(Math.abs(k - Math.round(k))).toBeLessThanOrEqual(tolerance);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("stays finite for the widest float64 range", () => {
    const { ticks } = niceTicks(-Number.MAX_VALUE, Number.MAX_VALUE);
    expect(ticks.every(Number.isFinite)).toBe(true);
    expect(niceTicks(0, 0).ticks).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(5e-324, 5e-324).ticks.every(Number.isFinite)).toBe(true);
  });
});

describe("logTicks", () => {
  it("puts ticks at powers of ten", () => {
    expect(logTicks(0.003, 250)).toEqual({
      domain: [0.001, 1000],
      ticks: [0.001, 0.01, 0.1, 1, 10, 100, 1000],
    });
    expect(logTicks(1, 100).ticks).toEqual([1, 10, 100]);
    expect(logTicks(5, 5).ticks).toEqual([1, 10]);
  });

  it("thins long ranges to at most ten labels", () => {
    const { ticks } = logTicks(1e-30, 1e3);
    expect(ticks.length).toBeLessThanOrEqual(11);
    for (const tick of ticks) {
      expect(tick).toBe(powerOfTen(Math.round(Math.log10(tick))));
    }
    expect(ticks[0]).toBeLessThanOrEqual(1e-30);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(1e3);
  });

  it("returns exact powers of ten", () => {
    for (let k = -300; k <= 300; k += 7) {
      expect(powerOfTen(k)).toBe(Number(`1e${k}`));
    }
    expect(powerOfTen(-5)).toBe(0.00001);
  });
});

describe("tick labels", () => {
  it("formats with the decimals of the step", () => {
    expect(formatTick(0.30000000000000004, 0.1)).toBe("0.3");
    expect(formatTick(2, 0.5)).toBe("2.0");
    expect(formatTick(1500, 500)).toBe("1500");
    expect(formatTick(0, 0.1)).toBe("0.0");
    expect(formatTick(-0, 1)).toBe("0");
    expect(formatTick(0, 1e-6)).toBe("0");
    expect(formatTick(2.5e-6, 5e-7)).toBe("2.5e-6");
    expect(formatTick(3e7, 1e7)).toBe("3e7");
  });

  it("formats powers of ten", () => {
    expect(formatPowerOfTen(0.001)).toBe("0.001");
    expect(formatPowerOfTen(1e-4)).toBe("1e-4");
    expect(formatPowerOfTen(1000)).toBe("1000");
    expect(formatPowerOfTen(1e-8)).toBe("1e-8");
    expect(formatPowerOfTen(1e12)).toBe("1e12");
  });
});
