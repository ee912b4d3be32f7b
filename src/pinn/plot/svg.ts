// SVG text helpers: XML escaping, fixed-precision coordinates and element strings.

/**
 * Escapes `text` for XML character data and attribute values: & < > " ' become entities, and
 * control characters and U+FFFE, U+FFFF, which XML 1.0 forbids, become U+FFFD.
 */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;")
    .replace(/[^\t\n\r -\uFFFD]/g, "\uFFFD");
}

/** Formats a pixel coordinate with two decimals, writing −0 as 0 so equal inputs give equal text. */
export function formatCoordinate(value: number): string {
  const text = value.toFixed(2);
  return text === "-0.00" ? "0.00" : text;
}

/** An attribute value: strings are escaped, numbers formatted as coordinates. */
export type AttributeValue = string | number;

/**
 * Returns the element `<name attributes>children</name>`, or a self-closing tag without
 * children. Attributes keep their insertion order, so the output is deterministic. `children`
 * must already be markup (escape text with escapeXml).
 */
export function element(
  name: string,
  attributes: Record<string, AttributeValue>,
  children?: string,
): string {
  const parts = Object.entries(attributes).map(([key, value]) => {
    const text = typeof value === "number" ? formatCoordinate(value) : escapeXml(value);
    return ` ${key}="${text}"`;
  });
  const open = `<${name}${parts.join("")}`;
  return children === undefined ? `${open}/>` : `${open}>${children}</${name}>`;
}

/** Returns a <text> element containing the escaped `content`. */
export function textElement(content: string, attributes: Record<string, AttributeValue>): string {
  return element("text", attributes, escapeXml(content));
}

/** Returns the opening of an SVG document of the given size, with a white background. */
export function svgOpen(width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">` +
    element("rect", { x: 0, y: 0, width, height, fill: "white" })
  );
}
