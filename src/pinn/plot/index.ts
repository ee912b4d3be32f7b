// SVG plots without dependencies: line plots (loss curves, profiles) and heatmaps.

export { type Axis, buildAxis, drawAxes, type FrameText, type PlotArea } from "./axes.js";
export { viridis } from "./colormap.js";
export { type HeatmapOptions, heatmap } from "./heatmap.js";
export { type LinePlotOptions, type LineSeries, linePlot, SERIES_COLORS } from "./line-plot.js";
export {
  type AttributeValue,
  element,
  escapeXml,
  formatCoordinate,
  svgOpen,
  textElement,
} from "./svg.js";
export {
  formatPowerOfTen,
  formatTick,
  type LinearTicks,
  type LogTicks,
  logTicks,
  niceTicks,
  powerOfTen,
} from "./ticks.js";
