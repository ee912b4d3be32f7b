// Tolerances of the checks: each is a number together with the formula that produced it.

/** Unit roundoff of float64 arithmetic, 2^-53 (half of Number.EPSILON). */
export const UNIT_ROUNDOFF = Number.EPSILON / 2;

/**
 * A tolerance with its derivation. `formula` is the symbolic rule and `terms` the
 * values that went into it, so a report can show why a comparison passed or failed.
 */
export interface Tolerance {
  readonly value: number;
  readonly formula: string;
  readonly terms: Readonly<Record<string, number>>;
}

/** A caller's override: a fixed number, or a function of the derived tolerance. */
export type ToleranceOverride = number | ((derived: Tolerance) => number);

/**
 * Default budget for forward-mode rounding, in units of the unit roundoff times the
 * magnitude of the compared numbers. A jet coefficient of order k passes through a few
 * recurrences per operation, each adding a few roundings; 256 roundings cover a function
 * of some tens of operations. A longer function, or one with cancellation, needs a larger
 * budget (`adRoundings`).
 */
export const DEFAULT_AD_ROUNDINGS = 256;

/**
 * Returns `derived` unless the caller overrides it, in which case the formula records the
 * override so that a report never shows a derivation that was not used.
 */
export function applyOverride(
  derived: Tolerance,
  override: ToleranceOverride | undefined,
): Tolerance {
  if (override === undefined) return derived;

  const value = typeof override === "number" ? override : override(derived);
  if (!(value >= 0)) {
    throw new RangeError(
      `tolerance override must be a number >= 0 (or a function returning one), received ${String(value)}`,
    );
  }
  return {
    value,
    formula: `override (derived: ${derived.formula} = ${formatNumber(derived.value)})`,
    terms: { ...derived.terms, derived: derived.value },
  };
}

/**
 * Returns the tolerance for comparing a forward-mode value with a closed form:
 * nAD·(u·scale + η), where `scale` is the largest magnitude among the compared values and
 * η = Number.MIN_VALUE is the absolute rounding of gradual underflow.
 */
export function closedFormTolerance(scale: number, adRoundings: number): Tolerance {
  return {
    value: adRoundings * (UNIT_ROUNDOFF * scale + Number.MIN_VALUE),
    formula: "nAD·(u·scale + η)",
    terms: { nAD: adRoundings, u: UNIT_ROUNDOFF, scale },
  };
}

/**
 * Returns whether `value` and `reference` agree within `tolerance`. NaN or an infinity in
 * any of the three never passes, even when both values are the same infinity.
 */
export function agrees(value: number, reference: number, tolerance: number): boolean {
  if (!Number.isFinite(value) || !Number.isFinite(reference) || !Number.isFinite(tolerance)) {
    return false;
  }
  return Math.abs(value - reference) <= tolerance;
}

/**
 * Returns |value − reference| / |reference|, 0 when both are 0 and Infinity when only the
 * reference is 0. NaN when either input is not finite.
 */
export function relativeError(value: number, reference: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(reference)) return Number.NaN;

  const absolute = Math.abs(value - reference);
  if (absolute === 0) return 0;
  return reference === 0 ? Number.POSITIVE_INFINITY : absolute / Math.abs(reference);
}

/** Formats a number for report tables: 4 significant digits, exponent form when needed. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value === 0) return "0";

  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e5) return Number(value.toPrecision(4)).toString();
  return value.toExponential(3);
}
