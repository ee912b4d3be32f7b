// Plain-text tables for the CLI: right-aligned numbers, left-aligned text.

/** Formats rows under `header` with columns padded to their widest cell. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const numeric = header.map(
    (_, column) => rows.length > 0 && rows.every((row) => isNumeric(row[column] ?? "")),
  );

  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join("  ")
      .trimEnd();

  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

function isNumeric(cell: string): boolean {
  return cell === "-" || /^[-+]?[0-9.]+(e[-+]?[0-9]+)?s?$/i.test(cell);
}

/** Formats an error figure with two significant digits, or "-" when absent. */
export function formatError(value: number | null | undefined): string {
  if (value === null || value === undefined) return "-";
  return Number.isFinite(value) ? value.toExponential(1) : String(value);
}
