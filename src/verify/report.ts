// Reports of the checks: one row per comparison, a text table, and the assertion that throws it.

import { agrees, formatNumber, relativeError, type Tolerance } from "./tolerance.js";

/** One comparison of a computed value with a reference. */
export interface Comparison {
  /** Name of the compared quantity, e.g. "order 2" or "u_xx fused". */
  readonly label: string;
  /** The value under test. */
  readonly value: number;
  readonly reference: number;
  /** Source of the reference, e.g. "central difference", "closed form", "HyperDual". */
  readonly referenceKind: string;
  readonly absoluteError: number;
  /** |value − reference| / |reference|; NaN when either is not finite. */
  readonly relativeError: number;
  readonly tolerance: Tolerance;
  /** False whenever the value, the reference or the tolerance is NaN or infinite. */
  readonly pass: boolean;
}

/** The result of one check: its comparisons and whether all of them passed. */
export interface Report {
  readonly kind: "derivatives" | "gradient" | "residual";
  /** One line naming the check and where it ran, e.g. "checkDerivatives at x = 0.3". */
  readonly title: string;
  readonly comparisons: readonly Comparison[];
  /** True when every comparison passed (and there is at least one). */
  readonly pass: boolean;
}

/** Thrown by the assertion helpers; the message is the report's table. */
export class VerificationError extends Error {
  override name = "VerificationError";
  readonly report: Report;

  constructor(report: Report) {
    super(formatReport(report));
    this.report = report;
  }
}

/** Builds a comparison; `pass` follows `agrees`, so NaN or an infinity never passes. */
export function compare(
  label: string,
  value: number,
  reference: number,
  referenceKind: string,
  tolerance: Tolerance,
): Comparison {
  return {
    label,
    value,
    reference,
    referenceKind,
    absoluteError: Math.abs(value - reference),
    relativeError: relativeError(value, reference),
    tolerance,
    pass: agrees(value, reference, tolerance.value),
  };
}

/** Returns whether a list of comparisons passes: it is not empty and every one passed. */
export function allPass(comparisons: readonly Comparison[]): boolean {
  return comparisons.length > 0 && comparisons.every((comparison) => comparison.pass);
}

/** Throws a VerificationError carrying the report's table unless the report passed. */
export function assertReport(report: Report): void {
  if (!report.pass) throw new VerificationError(report);
}

const HEADER = [
  "check",
  "value",
  "reference",
  "against",
  "abs err",
  "rel err",
  "tolerance",
  "result",
];

/**
 * Formats a report as a text table with a line per comparison. Failed rows are followed by
 * the tolerance formula and the values of its terms.
 */
export function formatReport(report: Report): string {
  const rows = report.comparisons.map((c) => [
    c.label,
    formatNumber(c.value),
    formatNumber(c.reference),
    c.referenceKind,
    formatNumber(c.absoluteError),
    formatNumber(c.relativeError),
    formatNumber(c.tolerance.value),
    c.pass ? "pass" : "FAIL",
  ]);
  const widths = HEADER.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join("  ")
      .trimEnd();

  const failed = report.comparisons.filter((c) => !c.pass).length;
  const verdict =
    report.comparisons.length === 0
      ? "FAIL: nothing was compared"
      : failed === 0
        ? `pass: ${report.comparisons.length} comparisons`
        : `FAIL: ${failed} of ${report.comparisons.length} comparisons`;

  const lines = [`${report.title}: ${verdict}`, line(HEADER), ...rows.map(line)];
  const formulas = new Set(report.comparisons.map((c) => c.tolerance.formula));
  lines.push(`tolerance = ${[...formulas].join("  |  ")}`);
  for (const c of report.comparisons) {
    if (!c.pass)
      lines.push(`  ${c.label}: ${describeTolerance(c.tolerance)}${describeNonFinite(c)}`);
  }
  return lines.join("\n");
}

function describeTolerance(tolerance: Tolerance): string {
  const terms = Object.entries(tolerance.terms)
    .map(([name, value]) => `${name} = ${formatNumber(value)}`)
    .join(", ");
  return `${tolerance.formula} with ${terms}`;
}

function describeNonFinite(c: Comparison): string {
  const bad = [
    ["value", c.value],
    ["reference", c.reference],
    ["tolerance", c.tolerance.value],
  ].filter(([, value]) => !Number.isFinite(value as number));
  if (bad.length === 0) return "";
  return ` (not finite: ${bad.map(([name]) => name).join(", ")})`;
}
