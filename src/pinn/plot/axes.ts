// Plot frames: the mapping from data to pixels and the axes with ticks, labels and title.

import { element, textElement } from "./svg.js";
import { formatPowerOfTen, formatTick, logTicks, niceTicks } from "./ticks.js";

/** The plot area inside the SVG, in pixels. */
export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One axis: its data domain, tick values and labels, and the map from data to pixels. */
export interface Axis {
  domain: [number, number];
  ticks: number[];
  labels: string[];
  log: boolean;
  /** Returns the pixel position of a data value (NaN for values a log axis cannot show). */
  toPixel: (value: number) => number;
}

/** A linear axis end moves out to the next tick only when that tick is this close (share of the range). */
const SNAP_MARGIN = 0.05;

/**
 * Builds a linear or log axis over [min, max] mapped onto pixels [from, to]. A linear axis end
 * moves out to the next tick only when that tick lies within SNAP_MARGIN of the range, so the
 * axis never runs far past the data. With `exact`, the axis is [min, max]. Only ticks inside
 * the axis are kept.
 */
export function buildAxis(
  min: number,
  max: number,
  log: boolean,
  from: number,
  to: number,
  exact = false,
): Axis {
  if (log) {
    const { domain, ticks } = logTicks(min, max);
    const low = Math.log10(domain[0]);
    const span = Math.log10(domain[1]) - low;
    return {
      domain,
      ticks,
      labels: ticks.map(formatPowerOfTen),
      log,
      toPixel: (value) =>
        value > 0 ? from + ((Math.log10(value) - low) / span) * (to - from) : Number.NaN,
    };
  }

  const nice = niceTicks(min, max);
  const { step } = nice;
  const domain = min < max ? linearDomain(min, max, nice.domain, exact) : nice.domain;
  const ticks = nice.ticks.filter((tick) => tick >= domain[0] && tick <= domain[1]);
  const span = domain[1] - domain[0];
  return {
    domain,
    ticks,
    labels: ticks.map((tick) => formatTick(tick, step)),
    log,
    toPixel: (value) => from + ((value - domain[0]) / span) * (to - from),
  };
}

function linearDomain(
  min: number,
  max: number,
  niceDomain: [number, number],
  exact: boolean,
): [number, number] {
  if (exact) return [min, max];
  const margin = SNAP_MARGIN * (max - min);
  return [
    min - niceDomain[0] <= margin ? niceDomain[0] : min,
    niceDomain[1] - max <= margin ? niceDomain[1] : max,
  ];
}

/** Text around a frame; every field is optional. */
export interface FrameText {
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

/**
 * Returns the markup of the frame, the ticks with labels, the titles and, when `gridlines` is
 * true, light gridlines at the ticks (heatmaps turn them off so they do not cover the cells).
 */
export function drawAxes(
  area: PlotArea,
  x: Axis,
  y: Axis,
  text: FrameText,
  gridlines = true,
): string {
  const bottom = area.top + area.height;
  const parts: string[] = [];

  for (const [i, tick] of x.ticks.entries()) {
    const px = x.toPixel(tick);
    if (gridlines) {
      parts.push(line(px, area.top, px, bottom, "#e5e5e5"));
    }
    parts.push(line(px, bottom, px, bottom + 5, "black"));
    parts.push(textElement(x.labels[i], { x: px, y: bottom + 18, "text-anchor": "middle" }));
  }
  for (const [i, tick] of y.ticks.entries()) {
    const py = y.toPixel(tick);
    if (gridlines) {
      parts.push(line(area.left, py, area.left + area.width, py, "#e5e5e5"));
    }
    parts.push(line(area.left - 5, py, area.left, py, "black"));
    parts.push(
      textElement(y.labels[i], {
        x: area.left - 8,
        y: py + 4,
        "text-anchor": "end",
      }),
    );
  }
  parts.push(
    element("rect", {
      x: area.left,
      y: area.top,
      width: area.width,
      height: area.height,
      fill: "none",
      stroke: "black",
    }),
  );

  parts.push(...axisTitles(area, text));
  return element("g", { class: "axes" }, parts.join(""));
}

function axisTitles(area: PlotArea, text: FrameText): string[] {
  const parts: string[] = [];
  const centerX = area.left + area.width / 2;
  const centerY = area.top + area.height / 2;
  if (text.title !== undefined) {
    parts.push(
      textElement(text.title, {
        x: centerX,
        y: area.top - 14,
        "text-anchor": "middle",
        "font-size": "15",
      }),
    );
  }
  if (text.xLabel !== undefined) {
    parts.push(
      textElement(text.xLabel, {
        x: centerX,
        y: area.top + area.height + 38,
        "text-anchor": "middle",
      }),
    );
  }
  if (text.yLabel !== undefined) {
    const x = area.left - 58;
    parts.push(
      textElement(text.yLabel, {
        x,
        y: centerY,
        "text-anchor": "middle",
        transform: `rotate(-90 ${x.toFixed(2)} ${centerY.toFixed(2)})`,
      }),
    );
  }
  return parts;
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return element("line", { x1, y1, x2, y2, stroke });
}
