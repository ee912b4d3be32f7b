// A perceptually ordered colour map for heatmaps, as hex colours.

// The colours of matplotlib's viridis map at t = 0, 0.25, 0.5, 0.75 and 1. Between them the
// colour is interpolated linearly in RGB, which is close to, not equal to, the full map.
const VIRIDIS_STOPS: readonly [number, number, number][] = [
  [0x44, 0x01, 0x54],
  [0x3b, 0x52, 0x8b],
  [0x21, 0x91, 0x8c],
  [0x5e, 0xc9, 0x62],
  [0xfd, 0xe7, 0x25],
];

/** Returns the colour for t in [0, 1] as "#rrggbb". Values of t outside [0, 1] are clamped, and NaN gives the t = 0 colour. */
export function viridis(t: number): string {
  const clamped = Number.isNaN(t) ? 0 : Math.min(1, Math.max(0, t));
  const position = clamped * (VIRIDIS_STOPS.length - 1);
  const index = Math.min(Math.floor(position), VIRIDIS_STOPS.length - 2);
  const fraction = position - index;
  const low = VIRIDIS_STOPS[index];
  const high = VIRIDIS_STOPS[index + 1];
  return `#${low.map((c, k) => hexByte(c + (high[k] - c) * fraction)).join("")}`;
}

function hexByte(value: number): string {
  return Math.round(value).toString(16).padStart(2, "0");
}
