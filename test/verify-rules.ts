// Test helper: unary functions on Scalars built from a list of derivative formulas, right or wrong.

import { div } from "../src/dual/arith.js";
import { liftRule, type UnaryRule } from "../src/dual/rule.js";
import type { Scalar } from "../src/dual/scalar.js";
import { compose } from "../src/dual/series.js";

/** Derivative formulas [f, f', f'', ...] of a unary function, each a function of x. */
export type DerivativeList = readonly ((x: Scalar) => Scalar)[];

/**
 * Returns f as a Scalar function whose Dual, HyperDual and Taylor rules all come from
 * `derivatives`: f' and f'' directly, and the Taylor coefficients by composing
 * c_k = f^(k)(u_0)/k! with the input series. Coefficients past the list are 0, so a jet is
 * only meaningful up to the list's highest order. A wrong entry makes a wrong rule.
 */
export function functionFromDerivatives(
  name: string,
  derivatives: DerivativeList,
): (x: Scalar) => Scalar {
  const rule: UnaryRule = {
    name,
    apply: (x) => f(x),
    first: (x) => derivatives[1](x),
    second: (x) => derivatives[2](x),
    taylor: (u) => {
      let factorial = 1;
      const c = u.map((_, k) => {
        if (k > 0) factorial *= k;
        return k < derivatives.length ? div(derivatives[k](u[0]), factorial) : 0;
      });
      return compose(c, u);
    },
  };
  const f = (x: Scalar): Scalar =>
    typeof x === "number" ? (derivatives[0](x) as number) : liftRule(rule, x);
  return f;
}
