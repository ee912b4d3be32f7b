// Descriptions of received values for the messages of TypeError and RangeError.

/** Returns a short description of a value: its type, and its length or value where that helps. */
export function describeValue(x: unknown): string {
  if (x === null) {
    return "null";
  }
  if (Array.isArray(x)) {
    return `an array of length ${x.length}`;
  }
  if (typeof x === "number") {
    return `the number ${String(x)}`;
  }
  if (typeof x === "object") {
    const name = (x as object).constructor?.name ?? "Object";
    return `an object of class ${name}`;
  }
  if (typeof x === "string") {
    return `the string ${JSON.stringify(x)}`;
  }
  return `a value of type ${typeof x}`;
}
