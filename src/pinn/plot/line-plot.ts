// Line plots of named series (loss curves, solution profiles) as an SVG string.

import { type Axis, buildAxis, drawAxes, type PlotArea } from "./axes.js";
import { element, formatCoordinate, svgOpen, textElement } from "./svg.js";

/** One named curve. Without `x` the points are at x = 0, 1, 2, .... */
export interface LineSeries {
  name: string;
  y: ArrayLike<number>;
  x?: ArrayLike<number>;
  /** CSS colour; defaults to the palette entry of the series' position. */
  color?: string;
  /** SVG stroke-dasharray such as "6 4" for a dashed line; solid when omitted. */
  dash?: string;
}

export interface LinePlotOptions {
  series: readonly LineSeries[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Log-scale y axis (for loss curves): values <= 0 are skipped like non-finite ones. */
  logY?: boolean;
  /** SVG width in pixels (default 640). */
  width?: number;
  /** SVG height in pixels (default 400). */
  height?: number;
}

/** Default series colours, distinguishable in print and for common colour-vision deficiencies. */
export const SERIES_COLORS: readonly string[] = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#ff7f0e",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
];

const MARGIN = { left: 80, right: 20, top: 40, bottom: 55 };

/**
 * Returns an SVG line plot of `options.series` with axes, ticks, a legend and a title.
 * A point whose x or y is not finite (or y <= 0 on a log axis) is left out and breaks its line,
 * so the SVG never contains "NaN". The same options give the same string.
 */
export function linePlot(options: LinePlotOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  checkOptions(options, width, height);

  const logY = options.logY ?? false;
  const area: PlotArea = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: height - MARGIN.top - MARGIN.bottom,
  };
  const [xMin, xMax, yMin, yMax] = dataRange(options.series, logY);
  // x spans exactly the data (a profile over [0, 2π] ends at 2π, not at the next tick 8).
  const xAxis = buildAxis(xMin, xMax, false, area.left, area.left + area.width, true);
  const yAxis = buildAxis(yMin, yMax, logY, area.top + area.height, area.top);

  const curves = options.series.map((series, i) =>
    drawSeries(series, xAxis, yAxis, logY, strokeOf(series, i)),
  );
  return [
    svgOpen(width, height),
    drawAxes(area, xAxis, yAxis, options),
    element("g", { class: "series", fill: "none", "stroke-width": "1.5" }, curves.join("")),
    drawLegend(
      options.series,
      options.series.length === 0
        ? { left: 0, top: 0 }
        : legendCorner(options.series, area, xAxis, yAxis, logY),
    ),
    "</svg>",
  ].join("");
}

function colorOf(series: LineSeries, index: number): string {
  return series.color ?? SERIES_COLORS[index % SERIES_COLORS.length];
}

/** Returns the stroke attributes of a series: its colour and, for a dashed series, its dash pattern. */
function strokeOf(series: LineSeries, index: number): Record<string, string> {
  const stroke = { stroke: colorOf(series, index) };
  return series.dash === undefined ? stroke : { ...stroke, "stroke-dasharray": series.dash };
}

function isShown(x: number, y: number, logY: boolean): boolean {
  return Number.isFinite(x) && Number.isFinite(y) && (!logY || y > 0);
}

/** Returns [xMin, xMax, yMin, yMax] over the shown points, with defaults when none is shown. */
function dataRange(series: readonly LineSeries[], logY: boolean): [number, number, number, number] {
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = Number.NEGATIVE_INFINITY;
  let yMin = Number.POSITIVE_INFINITY;
  let yMax = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    for (let i = 0; i < s.y.length; i++) {
      const x = s.x === undefined ? i : s.x[i];
      const y = s.y[i];
      if (isShown(x, y, logY)) {
        xMin = Math.min(xMin, x);
        xMax = Math.max(xMax, x);
        yMin = Math.min(yMin, y);
        yMax = Math.max(yMax, y);
      }
    }
  }

  if (xMin > xMax) {
    // Nothing to show: empty axes over a unit range.
    return logY ? [0, 1, 1, 10] : [0, 1, 0, 1];
  }
  return [xMin, xMax, yMin, yMax];
}

/**
 * Returns the path of one series: a new subpath ("M") after every skipped point. A run of one
 * point has no length, so it is drawn as a dot.
 */
function drawSeries(
  series: LineSeries,
  xAxis: Axis,
  yAxis: Axis,
  logY: boolean,
  stroke: Record<string, string>,
): string {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  for (let i = 0; i < series.y.length; i++) {
    const x = series.x === undefined ? i : series.x[i];
    const y = series.y[i];
    if (!isShown(x, y, logY)) {
      if (run.length > 0) {
        runs.push(run);
      }
      run = [];
      continue;
    }
    run.push([xAxis.toPixel(x), yAxis.toPixel(y)]);
  }
  if (run.length > 0) {
    runs.push(run);
  }

  const subpaths = runs
    .filter((r) => r.length > 1)
    .map(
      (r) =>
        `M${r.map(([px, py]) => `${formatCoordinate(px)} ${formatCoordinate(py)}`).join(" L")}`,
    );
  const path = subpaths.length === 0 ? "" : element("path", { d: subpaths.join(" "), ...stroke });
  const dots = runs
    .filter((r) => r.length === 1)
    .map(([[cx, cy]]) =>
      element("circle", { cx, cy, r: "2", fill: stroke.stroke, stroke: "none" }),
    );
  return element("g", { class: "line" }, path + dots.join(""));
}

/** Legend row height and the frame's inset from the plot area, in pixels. */
const LEGEND_ROW = 18;
const LEGEND_INSET = 8;

/** Returns the legend's width and height in pixels. */
function legendSize(series: readonly LineSeries[]): { width: number; height: number } {
  const longest = Math.max(...series.map((s) => s.name.length));
  // Text width is estimated at 7 px per character of the 12 px sans-serif font.
  return { width: 36 + 7 * longest, height: series.length * LEGEND_ROW + 6 };
}

/**
 * Returns the top-left pixel of the legend: the corner of `area` (top right first) whose box
 * covers the fewest drawn points, so the legend hides as little of the curves as it can.
 */
function legendCorner(
  series: readonly LineSeries[],
  area: PlotArea,
  xAxis: Axis,
  yAxis: Axis,
  logY: boolean,
): { left: number; top: number } {
  const { width, height } = legendSize(series);
  const lefts = [area.left + area.width - width - LEGEND_INSET, area.left + LEGEND_INSET];
  const tops = [area.top + LEGEND_INSET, area.top + area.height - height - LEGEND_INSET];
  const corners = [
    { left: lefts[0], top: tops[0] },
    { left: lefts[1], top: tops[0] },
    { left: lefts[0], top: tops[1] },
    { left: lefts[1], top: tops[1] },
  ];

  const covered = corners.map(() => 0);
  for (const s of series) {
    for (let i = 0; i < s.y.length; i++) {
      const x = s.x === undefined ? i : s.x[i];
      const y = s.y[i];
      if (!isShown(x, y, logY)) continue;
      const px = xAxis.toPixel(x);
      const py = yAxis.toPixel(y);
      corners.forEach((corner, c) => {
        const inside =
          px >= corner.left &&
          px <= corner.left + width &&
          py >= corner.top &&
          py <= corner.top + height;
        if (inside) covered[c]++;
      });
    }
  }

  // indexOf returns the first corner with the minimum, so ties keep the top right.
  return corners[covered.indexOf(Math.min(...covered))];
}

function drawLegend(series: readonly LineSeries[], corner: { left: number; top: number }): string {
  if (series.length === 0) {
    return "";
  }
  const { width, height } = legendSize(series);
  const { left, top } = corner;
  const rows = series.map((s, i) => {
    const y = top + 14 + i * LEGEND_ROW;
    return (
      element("line", {
        x1: left + 8,
        y1: y - 4,
        x2: left + 28,
        y2: y - 4,
        ...strokeOf(s, i),
        "stroke-width": "2",
      }) + textElement(s.name, { x: left + 34, y })
    );
  });
  const frame = element("rect", {
    x: left,
    y: top,
    width,
    height,
    fill: "white",
    "fill-opacity": "0.85",
    stroke: "#999999",
  });
  return element("g", { class: "legend" }, frame + rows.join(""));
}

function checkOptions(options: LinePlotOptions, width: number, height: number): void {
  const minWidth = MARGIN.left + MARGIN.right + 40;
  const minHeight = MARGIN.top + MARGIN.bottom + 40;
  if (
    !(Number.isFinite(width) && width >= minWidth && Number.isFinite(height) && height >= minHeight)
  ) {
    throw new RangeError(
      `linePlot: width and height must be finite and at least ${minWidth} × ${minHeight} pixels, received ${width} × ${height}. Pass a larger size`,
    );
  }
  options.series.forEach((s, i) => {
    if (s.x !== undefined && s.x.length !== s.y.length) {
      throw new RangeError(
        `linePlot: series[${i}] ("${s.name}") has ${s.x.length} x values and ${s.y.length} y values. Pass x and y of equal length`,
      );
    }
  });
}
