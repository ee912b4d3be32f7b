import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildAxis } from "../src/pinn/plot/axes.js";
import { heatmap } from "../src/pinn/plot/heatmap.js";
import { linePlot } from "../src/pinn/plot/line-plot.js";
import { escapeXml } from "../src/pinn/plot/svg.js";

const ENTITY = /&(amp|lt|gt|quot|#39);/g;
const TAG = /^<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>$/;

/**
 * Checks that `svg` is well-formed: tags nest and close, attribute values are quoted, and every
 * "&" starts one of the five entities escapeXml writes. Returns the count of each element.
 */
function checkXml(svg: string): Map<string, number> {
  const counts = new Map<string, number>();
  const stack: string[] = [];
  const tokens = svg.match(/<[^>]*>|[^<]+/g) ?? [];
  expect(tokens.join("")).toBe(svg);

  for (const token of tokens) {
    expect(token.replace(ENTITY, "")).not.toContain("&");
    if (!token.startsWith("<")) {
      expect(token).not.toContain(">");
      expect(stack.length).toBeGreaterThan(0);
      continue;
    }

    const match = TAG.exec(token);
    expect(match, `malformed tag ${token}`).not.toBeNull();
    const [, closing, name, , selfClosing] = match as RegExpExecArray;
    if (closing === "/") {
      expect(stack.pop()).toBe(name);
      continue;
    }
    if (stack.length === 0) {
      expect(counts.size, "one root element").toBe(0);
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (selfClosing !== "/") {
      stack.push(name);
    }
  }
  expect(stack).toEqual([]);
  return counts;
}

/** Returns the text content of every <text> element. */
function texts(svg: string): string[] {
  return Array.from(svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g), (m) => m[1]);
}

describe("plots with non-finite values", () => {
  it("line plot skips NaN and Infinity with a gap", () => {
    const y = [1, 2, Number.NaN, 4, 5, Number.POSITIVE_INFINITY, 7, Number.NEGATIVE_INFINITY];
    const svg = linePlot({ series: [{ name: "u", y }] });

    expect(svg).not.toMatch(/NaN|Infinity|undefined/);
    checkXml(svg);
    // Runs [1, 2], [4, 5] and [7]: two subpaths and one dot.
    const d = /<path d="([^"]*)"/.exec(svg)?.[1] ?? "";
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.match(/L/g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(1);
  });

  it("log plot skips values <= 0", () => {
    const svg = linePlot({
      series: [{ name: "loss", y: [1, 0.1, 0, -1, 0.001, 1e-4] }],
      logY: true,
    });

    expect(svg).not.toMatch(/NaN|Infinity/);
    const d = /<path d="([^"]*)"/.exec(svg)?.[1] ?? "";
    expect(d.match(/M/g)).toHaveLength(2);
  });

  it("line plot with no finite value draws empty axes", () => {
    const svg = linePlot({ series: [{ name: "u", y: [Number.NaN, Number.NaN] }] });
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(checkXml(svg).get("path")).toBeUndefined();
  });

  it("heatmap draws non-finite cells grey", () => {
    const values = [0, 1, Number.NaN, 3, Number.POSITIVE_INFINITY, 5];
    const svg = heatmap({ values, nx: 3, ny: 2, xRange: [0, 1], yRange: [0, 1] });

    expect(svg).not.toMatch(/NaN|Infinity/);
    checkXml(svg);
    expect(svg.match(/fill="#d9d9d9"/g)).toHaveLength(2);
  });
});

describe("plot input checks", () => {
  it("rejects mismatched series and sizes", () => {
    expect(() => linePlot({ series: [{ name: "u", x: [1, 2], y: [1] }] })).toThrow(
      /series\[0\] \("u"\) has 2 x values and 1 y values/,
    );
    expect(() => linePlot({ series: [], width: 50 })).toThrow(/width and height/);
  });

  it("rejects bad heatmap shapes and ranges", () => {
    const base = { values: [1, 2, 3, 4], nx: 2, ny: 2, xRange: [0, 1], yRange: [0, 1] } as const;
    expect(() => heatmap({ ...base, nx: 3 })).toThrow(/nx · ny = 6 entries, received 4/);
    expect(() => heatmap({ ...base, nx: 0 })).toThrow(/nx must be an integer >= 1/);
    expect(() => heatmap({ ...base, xRange: [1, 1] })).toThrow(
      /xRange must be finite with lo < hi/,
    );
    expect(() => heatmap({ ...base, yRange: [0, Number.NaN] })).toThrow(/yRange/);
    expect(() => heatmap({ ...base, valueRange: [2, 1] })).toThrow(/valueRange/);
  });
});

describe("escapeXml", () => {
  it("escapes markup characters", () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe("a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
    expect(escapeXml("&amp;")).toBe("&amp;amp;");
  });

  it("replaces control characters XML forbids", () => {
    expect(escapeXml("a\u0001b\tc\nd\u001f\uFFFE")).toBe("a\uFFFDb\tc\nd\uFFFD\uFFFD");
    expect(escapeXml("u² ∂ 😀")).toBe("u² ∂ 😀");
  });

  it("keeps titles, labels and names well-formed", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (title, name, label) => {
        const svg = linePlot({
          title,
          xLabel: label,
          yLabel: label,
          series: [{ name, y: [1, 2, 3] }],
        });
        checkXml(svg);
        expect(texts(svg)).toContain(escapeXml(title));
        expect(texts(svg)).toContain(escapeXml(name));
      }),
      { numRuns: 100 },
    );
  });

  it("escapes a hostile title and series name", () => {
    const svg = linePlot({
      title: "<script>alert('x')</script> & more",
      series: [{ name: `"><g onload="x`, y: [1, 2] }],
    });
    checkXml(svg);
    expect(svg).not.toContain("<script>");
    expect(svg).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more");
  });
});

describe("linePlot", () => {
  const options = {
    title: "Training loss",
    xLabel: "step",
    yLabel: "loss",
    logY: true,
    series: [
      { name: "total", y: [10, 1, 0.1, 0.01, 0.001] },
      { name: "boundary", x: [0, 2, 4], y: [1, 0.05, 0.002] },
    ],
  };

  it("has the expected elements", () => {
    const svg = linePlot(options);
    const counts = checkXml(svg);

    expect(counts.get("svg")).toBe(1);
    expect(counts.get("path")).toBe(2);
    expect(texts(svg)).toEqual(
      expect.arrayContaining(["Training loss", "step", "loss", "total", "boundary"]),
    );
  });

  it("labels a log axis at powers of ten", () => {
    const labels = texts(linePlot(options));
    for (const label of ["0.001", "0.01", "0.1", "1", "10"]) {
      expect(labels).toContain(label);
    }
    expect(labels).not.toContain("5");
  });

  it("labels a linear axis at nice numbers", () => {
    const svg = linePlot({ series: [{ name: "u", x: [0, 0.5, 1], y: [-0.93, 0.2, 0.87] }] });
    const labels = texts(svg);
    for (const label of ["-1.0", "-0.5", "0.0", "0.5", "1.0", "0.2", "0.8"]) {
      expect(labels).toContain(label);
    }
  });

  it("returns the same string for the same input", () => {
    expect(linePlot(options)).toBe(linePlot(structuredClone(options)));
  });
});

describe("heatmap", () => {
  const nx = 12;
  const ny = 8;
  const values = Float64Array.from({ length: nx * ny }, (_, k) => {
    const i = Math.floor(k / ny);
    const j = k % ny;
    return Math.sin(i / 3) * Math.cos(j / 2);
  });
  const options = {
    values,
    nx,
    ny,
    xRange: [0, 2] as const,
    yRange: [-1, 1] as const,
    title: "u(x, y)",
    xLabel: "x",
    yLabel: "y",
    valueLabel: "u",
  };

  it("draws one cell per value and a colour bar", () => {
    const svg = heatmap(options);
    checkXml(svg);
    const cells = /<g class="cells"[^>]*>(.*?)<\/g>/.exec(svg)?.[1] ?? "";
    expect(cells.match(/<rect /g)).toHaveLength(nx * ny);
    expect(svg).toContain('class="color-bar"');
    expect(texts(svg)).toEqual(expect.arrayContaining(["u(x, y)", "x", "y", "u"]));
  });

  it("maps min and max to the colour ends", () => {
    const svg = heatmap({ values: [0, 1], nx: 2, ny: 1, xRange: [0, 1], yRange: [0, 1] });
    const cells = /<g class="cells"[^>]*>(.*?)<\/g>/.exec(svg)?.[1] ?? "";
    expect(cells).toContain('fill="#440154"');
    expect(cells).toContain('fill="#fde725"');
  });

  it("returns the same string for the same input", () => {
    expect(heatmap(options)).toBe(heatmap({ ...options, values: Float64Array.from(values) }));
  });

  it("overlaps cells so no seam shows", () => {
    // Rasterised at 640 px, 81 × 81 cells that only touched left white lines between them.
    const svg = heatmap({ ...options, values: new Float64Array(81 * 81), nx: 81, ny: 81 });
    const cells = /<g class="cells"[^>]*>(.*?)<\/g>/.exec(svg)?.[1] ?? "";
    const rects = Array.from(
      cells.matchAll(/<rect x="([^"]+)" y="([^"]+)" width="([^"]+)" height="([^"]+)"/g),
      (m) => m.slice(1, 5).map(Number),
    );
    expect(rects).toHaveLength(81 * 81);
    for (let i = 0; i + 1 < 81; i++) {
      const [x, , width] = rects[i * 81];
      const [nextX] = rects[(i + 1) * 81];
      expect(x + width).toBeGreaterThan(nextX + 0.25);
    }
    for (let j = 0; j + 1 < 81; j++) {
      const [, y] = rects[j];
      const [, nextY, , nextHeight] = rects[j + 1];
      // Row j + 1 lies above row j, so row j must reach above the lower edge of row j + 1.
      expect(y).toBeLessThan(nextY + nextHeight - 0.25);
    }
  });
});

describe("axis range", () => {
  it("ends a linear x axis at the data", () => {
    const axis = buildAxis(0, 2 * Math.PI, false, 0, 100, true);
    expect(axis.domain).toEqual([0, 2 * Math.PI]);
    expect(axis.labels).toEqual(["0", "2", "4", "6"]);
  });

  it("snaps only to a nearby tick", () => {
    // [0, 2π] would widen to 8, 27% past the data, so the ends stay at the data.
    expect(buildAxis(0, 2 * Math.PI, false, 0, 100).domain).toEqual([0, 2 * Math.PI]);
    // -1 and 1 lie within 5% of [-0.98, 0.99], so the axis ends there.
    expect(buildAxis(-0.98, 0.99, false, 0, 100).domain).toEqual([-1, 1]);
  });

  it("draws a 2π profile without an 8 tick", () => {
    const x = Array.from({ length: 101 }, (_, n) => (2 * Math.PI * n) / 100);
    const svg = linePlot({ series: [{ name: "u", x, y: x.map(Math.sin) }] });
    const labels = texts(svg);
    expect(labels).toContain("6");
    expect(labels).not.toContain("8");
  });

  it("moves the legend off the curves", () => {
    // y = x runs through the top-right and bottom-left corners, so the top left is free.
    const x = Array.from({ length: 201 }, (_, n) => n / 2);
    const svg = linePlot({ series: [{ name: "rising", x, y: x }] });
    const frame = /<g class="legend"><rect x="([^"]+)" y="([^"]+)"/.exec(svg);
    expect(frame).not.toBeNull();
    const [left, top] = [Number(frame?.[1]), Number(frame?.[2])];
    expect(left).toBeLessThan(320);
    expect(top).toBeLessThan(200);
  });

  it("keeps the legend top right when free", () => {
    const x = Array.from({ length: 201 }, (_, n) => n / 2);
    const svg = linePlot({ series: [{ name: "falling", x, y: x.map((v) => -v) }] });
    const frame = /<g class="legend"><rect x="([^"]+)" y="([^"]+)"/.exec(svg);
    expect(Number(frame?.[1])).toBeGreaterThan(320);
    expect(Number(frame?.[2])).toBeLessThan(200);
  });

  it("draws a dashed series with its dash in the legend", () => {
    const svg = linePlot({
      series: [{ name: "exact", y: [0, 1, 0], color: "#000000", dash: "6 4" }],
    });
    expect(svg.match(/stroke="#000000" stroke-dasharray="6 4"/g)).toHaveLength(2);
  });
});
