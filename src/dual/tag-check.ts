// The invariant that every component of an AD value is a Scalar with a lower tag than the value.

import { describeValue } from "./errors.js";
import { isScalar, type Scalar, tagOf } from "./scalar.js";

/** Throws when a component is not a Scalar or its tag is not below `tag`. */
export function checkComponentTags(kind: string, tag: number, components: readonly Scalar[]): void {
  for (let i = 0; i < components.length; i++) {
    const component = components[i];
    if (!isScalar(component)) {
      throw new TypeError(
        `${kind}: component ${i} must be a number or an AD value, received ${describeValue(component)}`,
      );
    }
    if (tagOf(component) >= tag) {
      throw new RangeError(
        `${kind}: component ${i} has tag ${tagOf(component)}, expected a tag below ${tag}; ` +
          "an inner perturbation must have a higher tag than the values it contains",
      );
    }
  }
}
