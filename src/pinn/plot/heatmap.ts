// Heatmaps of a scalar field on a 2-d grid, with a colour bar, as an SVG string.

import { buildAxis, drawAxes, type PlotArea } from "./axes.js";
import { viridis } from "./colormap.js";
import { element, svgOpen, textElement } from "./svg.js";
import { formatTick, niceTicks } from "./ticks.js";

export interface HeatmapOptions {
  /**
   * Field values in gridPoints order: value (i, j) at index i · ny + j is the cell at the i-th
   * x position and the j-th y position, so y varies fastest.
   */
  values: ArrayLike<number>;
  /** Cells along x. */
  nx: number;
  /** Cells along y. */
  ny: number;
  /** The x extent [lo, hi] of the box the cells tile. */
  xRange: readonly [number, number];
  /** The y extent [lo, hi] of the box the cells tile. */
  yRange: readonly [number, number];
  /** Values mapped to the ends of the colour bar (default: finite min and max). */
  valueRange?: readonly [number, number];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Label beside the colour bar. */
  valueLabel?: string;
  /** SVG width in pixels (default 640). */
  width?: number;
  /** SVG height in pixels (default 480). */
  height?: number;
}

const MARGIN = { left: 80, right: 120, top: 40, bottom: 55 };
const COLOR_BAR_STEPS = 64;
const MISSING_COLOR = "#d9d9d9";
/** Pixels by which a cell overlaps its later neighbours, enough to cover a rounding seam. */
const CELL_OVERLAP = 0.5;

/**
 * Returns an SVG heatmap: the box is tiled by nx × ny equal cells coloured by value (viridis),
 * with axes, a colour bar and a title. Non-finite values are drawn as grey cells, so the SVG
 * never contains "NaN". The same options give the same string.
 */
export function heatmap(options: HeatmapOptions): string {
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  checkOptions(options, width, height);

  const area: PlotArea = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: width - MARGIN.left - MARGIN.right,
    height: height - MARGIN.top - MARGIN.bottom,
  };
  const [vMin, vMax] = options.valueRange ?? finiteRange(options.values);
  const xAxis = buildAxis(
    options.xRange[0],
    options.xRange[1],
    false,
    area.left,
    area.left + area.width,
    true,
  );
  const yAxis = buildAxis(
    options.yRange[0],
    options.yRange[1],
    false,
    area.top + area.height,
    area.top,
    true,
  );

  // The axes keep the box extent exactly, so the cells fill the plot area.
  const cells: string[] = [];
  const cellWidth = (options.xRange[1] - options.xRange[0]) / options.nx;
  const cellHeight = (options.yRange[1] - options.yRange[0]) / options.ny;
  for (let i = 0; i < options.nx; i++) {
    const x0 = xAxis.toPixel(options.xRange[0] + i * cellWidth);
    const x1 = xAxis.toPixel(options.xRange[0] + (i + 1) * cellWidth);
    // Each cell reaches CELL_OVERLAP into the next column and row, which are drawn after it
    // and cover the overlap, so rounded edges leave no background seam between cells.
    const right = i + 1 < options.nx ? CELL_OVERLAP : 0;
    for (let j = 0; j < options.ny; j++) {
      const y0 = yAxis.toPixel(options.yRange[0] + (j + 1) * cellHeight);
      const y1 = yAxis.toPixel(options.yRange[0] + j * cellHeight);
      const up = j + 1 < options.ny ? CELL_OVERLAP : 0;
      const value = options.values[i * options.ny + j];
      const fill = Number.isFinite(value) ? viridis(normalise(value, vMin, vMax)) : MISSING_COLOR;
      cells.push(
        element("rect", {
          x: x0,
          y: y0 - up,
          width: x1 - x0 + right,
          height: y1 - y0 + up,
          fill,
        }),
      );
    }
  }

  return [
    svgOpen(width, height),
    element("g", { class: "cells", "shape-rendering": "crispEdges" }, cells.join("")),
    drawAxes(area, xAxis, yAxis, options, false),
    drawColorBar(area, vMin, vMax, options.valueLabel),
    "</svg>",
  ].join("");
}

/** Returns t in [0, 1] for value in [min, max]. A flat range maps every value to 0.5. */
function normalise(value: number, min: number, max: number): number {
  return max > min ? (value - min) / (max - min) : 0.5;
}

function finiteRange(values: ArrayLike<number>): [number, number] {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < values.length; k++) {
    const value = values[k];
    if (Number.isFinite(value)) {
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }
  return min <= max ? [min, max] : [0, 1];
}

/** Returns a vertical colour bar to the right of `area` with ticks inside [min, max]. */
function drawColorBar(area: PlotArea, min: number, max: number, label: string | undefined): string {
  const left = area.left + area.width + 20;
  const barWidth = 16;
  const bottom = area.top + area.height;
  const stepHeight = area.height / COLOR_BAR_STEPS;
  const parts: string[] = [];
  for (let s = 0; s < COLOR_BAR_STEPS; s++) {
    const t = (s + 0.5) / COLOR_BAR_STEPS;
    parts.push(
      element("rect", {
        x: left,
        y: bottom - (s + 1) * stepHeight,
        width: barWidth,
        height: stepHeight,
        fill: viridis(t),
      }),
    );
  }
  parts.push(
    element("rect", {
      x: left,
      y: area.top,
      width: barWidth,
      height: area.height,
      fill: "none",
      stroke: "black",
    }),
  );

  const { ticks, step } = niceTicks(min, max);
  const span = max > min ? max - min : 1;
  for (const tick of ticks) {
    if (tick < min || tick > max) {
      continue;
    }
    const y = max > min ? bottom - ((tick - min) / span) * area.height : bottom - area.height / 2;
    parts.push(
      element("line", {
        x1: left + barWidth,
        y1: y,
        x2: left + barWidth + 4,
        y2: y,
        stroke: "black",
      }),
    );
    parts.push(textElement(formatTick(tick, step), { x: left + barWidth + 7, y: y + 4 }));
  }
  if (label !== undefined) {
    const x = left + barWidth + 70;
    const y = area.top + area.height / 2;
    parts.push(
      textElement(label, {
        x,
        y,
        "text-anchor": "middle",
        transform: `rotate(-90 ${x.toFixed(2)} ${y.toFixed(2)})`,
      }),
    );
  }
  return element("g", { class: "color-bar", "shape-rendering": "crispEdges" }, parts.join(""));
}

function checkOptions(options: HeatmapOptions, width: number, height: number): void {
  const fail = (message: string): never => {
    throw new RangeError(`heatmap: ${message}`);
  };
  for (const [name, n] of [
    ["nx", options.nx],
    ["ny", options.ny],
  ] as const) {
    if (!(Number.isSafeInteger(n) && n >= 1)) {
      fail(`${name} must be an integer >= 1, received ${String(n)}. Pass the number of cells`);
    }
  }
  if (options.values.length !== options.nx * options.ny) {
    fail(
      `values must have nx · ny = ${options.nx * options.ny} entries, received ${options.values.length}. Pass one value per cell`,
    );
  }
  for (const [name, range] of [
    ["xRange", options.xRange],
    ["yRange", options.yRange],
  ] as const) {
    if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] < range[1])) {
      fail(
        `${name} must be finite with lo < hi, received [${range[0]}, ${range[1]}]. Pass the box extent`,
      );
    }
  }
  const valueRange = options.valueRange;
  if (
    valueRange !== undefined &&
    !(
      Number.isFinite(valueRange[0]) &&
      Number.isFinite(valueRange[1]) &&
      valueRange[0] <= valueRange[1]
    )
  ) {
    fail(
      `valueRange must be finite with lo <= hi, received [${valueRange[0]}, ${valueRange[1]}]. Omit it to use the data range`,
    );
  }
  const minWidth = MARGIN.left + MARGIN.right + 40;
  const minHeight = MARGIN.top + MARGIN.bottom + 40;
  if (
    !(Number.isFinite(width) && width >= minWidth && Number.isFinite(height) && height >= minHeight)
  ) {
    fail(
      `width and height must be finite and at least ${minWidth} × ${minHeight} pixels, received ${width} × ${height}. Pass a larger size`,
    );
  }
}
