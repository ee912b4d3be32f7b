// The four arithmetic operations and negation on Scalars, lifting the lower-tag operand.

import { describeValue } from "./errors.js";
import { AdValue, type Scalar, tagOf } from "./scalar.js";

/**
 * Returns the two operands as AD values of one tag and one kind, or throws. Equal tags with
 * different kinds only arise from hand-built values, because each helper call makes one kind.
 */
function sameKind(name: string, x: AdValue, y: AdValue): AdValue {
  if (x.constructor !== y.constructor) {
    throw new TypeError(
      `${name}: operands share tag ${x.tag} but are a ${x.kindName()} and a ${y.kindName()}; ` +
        "give each perturbation its own tag with newTag()",
    );
  }
  return x;
}

/** Throws a TypeError naming the operand that is neither a number nor an AD value. */
export function checkOperands(name: string, x: unknown, y: unknown): void {
  for (const [label, value] of [
    ["x", x],
    ["y", y],
  ] as const) {
    if (typeof value !== "number" && !(value instanceof AdValue)) {
      throw new TypeError(
        `${name}: ${label} must be a number or an AD value (Dual, HyperDual, Taylor), ` +
          `received ${describeValue(value)}`,
      );
    }
  }
}

/** Returns x + y. */
export function add(x: Scalar, y: Scalar): Scalar {
  if (typeof x === "number" && typeof y === "number") {
    return x + y;
  }
  checkOperands("add", x, y);
  const tx = tagOf(x);
  const ty = tagOf(y);
  if (tx > ty) {
    const ax = x as AdValue;
    return ax.withValue(add(ax.valuePart(), y));
  }
  if (ty > tx) {
    const ay = y as AdValue;
    return ay.withValue(add(x, ay.valuePart()));
  }
  return sameKind("add", x as AdValue, y as AdValue).addSameTag(y as AdValue);
}

/** Returns x - y. */
export function sub(x: Scalar, y: Scalar): Scalar {
  if (typeof x === "number" && typeof y === "number") {
    return x - y;
  }
  checkOperands("sub", x, y);
  const tx = tagOf(x);
  const ty = tagOf(y);
  if (tx > ty) {
    const ax = x as AdValue;
    return ax.withValue(sub(ax.valuePart(), y));
  }
  if (ty > tx) {
    const negated = neg(y) as AdValue;
    return negated.withValue(sub(x, (y as AdValue).valuePart()));
  }
  return sameKind("sub", x as AdValue, y as AdValue).subSameTag(y as AdValue);
}

/** Returns x * y. A lower-tag operand scales every component of the other one. */
export function mul(x: Scalar, y: Scalar): Scalar {
  if (typeof x === "number" && typeof y === "number") {
    return x * y;
  }
  checkOperands("mul", x, y);
  const tx = tagOf(x);
  const ty = tagOf(y);
  if (tx > ty) {
    return (x as AdValue).map((component) => mul(component, y));
  }
  if (ty > tx) {
    return (y as AdValue).map((component) => mul(x, component));
  }
  return sameKind("mul", x as AdValue, y as AdValue).mulSameTag(y as AdValue);
}

/** Returns x / y. */
export function div(x: Scalar, y: Scalar): Scalar {
  if (typeof x === "number" && typeof y === "number") {
    return x / y;
  }
  checkOperands("div", x, y);
  const tx = tagOf(x);
  const ty = tagOf(y);
  if (tx > ty) {
    return (x as AdValue).map((component) => div(component, y));
  }
  const ay = y as AdValue;
  if (ty > tx) {
    return (ay.liftConstant(x) as AdValue).divSameTag(ay);
  }
  return sameKind("div", x as AdValue, ay).divSameTag(ay);
}

/** Returns -x. */
export function neg(x: Scalar): Scalar {
  if (typeof x === "number") {
    return -x;
  }
  checkOperands("neg", x, 0);
  return x.map(neg);
}
