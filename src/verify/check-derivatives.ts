// checkDerivatives: forward-mode derivatives of a scalar function against differences and closed forms.

import { derivatives, primal, type Scalar } from "../dual/index.js";
import {
  type CentralDifference,
  type CentralDifferenceOptions,
  centralDifference,
  DEFAULT_EVALUATION_ROUNDINGS,
  differenceTolerance,
  MAX_DIFFERENCE_ORDER,
} from "./central-difference.js";
import { allPass, assertReport, type Comparison, compare, type Report } from "./report.js";
import {
  applyOverride,
  closedFormTolerance,
  DEFAULT_AD_ROUNDINGS,
  type ToleranceOverride,
} from "./tolerance.js";

/** A scalar function written with the generic ops of `siren-pinn/dual`. */
export type ScalarFunction = (x: Scalar) => Scalar;

/** Options of `checkDerivatives`. */
export interface DerivativeCheckOptions extends CentralDifferenceOptions {
  /** Highest derivative order checked, 1 to 6. Default 2. */
  order?: number;
  /** Closed forms by order, e.g. `{ 1: Math.cos, 2: (x) => -Math.sin(x) }`. */
  closedForm?: Readonly<Partial<Record<number, (x: number) => number>>>;
  /** Rounding budget of the forward-mode values in units of u·scale. Default 256. */
  adRoundings?: number;
  /** Replaces every derived tolerance: a number, or a function of the derived one. */
  tolerance?: ToleranceOverride;
  /**
   * The derivatives under test, [f(x), f'(x), ..., f^(order)(x)]. Default: a Taylor jet of
   * `f` from `siren-pinn/dual`. Pass your own to check another implementation against the
   * same references.
   */
  forward?: (x: number, order: number) => readonly number[];
}

/** A derivative report: comparisons for orders 0 to k, plus what the differences used. */
export interface DerivativeReport extends Report {
  readonly kind: "derivatives";
  readonly x: number;
  readonly order: number;
  /** The forward-mode values [f(x), f'(x), ..., f^(k)(x)]. */
  readonly forward: readonly number[];
  /**
   * The central difference of each order (index = order, index 0 is null): its base step h,
   * the three differences, the Richardson values and the truncation and rounding estimates.
   */
  readonly differences: readonly (CentralDifference | null)[];
}

/**
 * Compares the forward-mode derivatives of `f` at `x`, orders 1 to `order`, with
 * Richardson-extrapolated central differences and with any closed forms given. Order 0
 * compares the jet's primal with f evaluated on a plain number. Tolerances are derived
 * (see `differenceTolerance` and `closedFormTolerance`) unless overridden.
 */
export function checkDerivatives(
  f: ScalarFunction,
  x: number,
  options: DerivativeCheckOptions = {},
): DerivativeReport {
  const order = options.order ?? 2;
  validateArguments(f, x, order);
  const adRoundings = options.adRoundings ?? DEFAULT_AD_ROUNDINGS;
  const plain = (t: number): number => primal(f(t));

  const forward = (options.forward ?? taylorDerivatives(f))(x, order);
  const comparisons: Comparison[] = [];
  const differences: (CentralDifference | null)[] = [null];

  const value = plain(x);
  const valueTolerance = closedFormTolerance(
    Math.max(Math.abs(value), Math.abs(forward[0])),
    adRoundings,
  );
  comparisons.push(
    compare(
      "order 0",
      forward[0],
      value,
      "plain evaluation",
      applyOverride(valueTolerance, options.tolerance),
    ),
  );

  for (let k = 1; k <= order; k++) {
    const ad = forward[k];
    const difference = centralDifference(plain, x, k, {
      step: options.step,
      evaluationRoundings: options.evaluationRoundings ?? DEFAULT_EVALUATION_ROUNDINGS,
      domain: options.domain,
    });
    differences.push(difference);
    const scale = Math.max(Math.abs(ad), Math.abs(difference.estimate));
    const tolerance = differenceTolerance(difference, scale, adRoundings);
    comparisons.push(
      compare(
        `order ${k}`,
        ad,
        difference.estimate,
        "central difference",
        applyOverride(tolerance, options.tolerance),
      ),
    );

    const exact = options.closedForm?.[k];
    if (exact !== undefined) {
      const reference = exact(x);
      const closed = closedFormTolerance(Math.max(Math.abs(ad), Math.abs(reference)), adRoundings);
      comparisons.push(
        compare(
          `order ${k}`,
          ad,
          reference,
          "closed form",
          applyOverride(closed, options.tolerance),
        ),
      );
    }
  }

  return {
    kind: "derivatives",
    title: `checkDerivatives at x = ${x}`,
    x,
    order,
    forward,
    differences,
    comparisons,
    pass: allPass(comparisons),
  };
}

/** Runs `checkDerivatives` and throws a VerificationError with the report's table unless it passed. */
export function assertDerivatives(
  f: ScalarFunction,
  x: number,
  options: DerivativeCheckOptions = {},
): DerivativeReport {
  const report = checkDerivatives(f, x, options);
  assertReport(report);
  return report;
}

// [f(x), f'(x), ..., f^(k)(x)] from one Taylor jet of src/dual.
function taylorDerivatives(f: ScalarFunction): (x: number, order: number) => readonly number[] {
  return (x, order) => derivatives(f, x, order).map(primal);
}

function validateArguments(f: ScalarFunction, x: number, order: number): void {
  if (typeof f !== "function") {
    throw new TypeError(
      `checkDerivatives: f must be a function of one Scalar, received ${typeof f}`,
    );
  }
  if (!Number.isFinite(x)) {
    throw new RangeError(
      `checkDerivatives: x must be a finite number, received ${String(x)}; differences need finite samples around x`,
    );
  }
  if (!Number.isInteger(order) || order < 1 || order > MAX_DIFFERENCE_ORDER) {
    throw new RangeError(
      `checkDerivatives: order must be an integer in [1, ${MAX_DIFFERENCE_ORDER}], received ${String(order)}`,
    );
  }
}
