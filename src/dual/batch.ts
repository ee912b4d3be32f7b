// The batched fast path of src/dual: stacked-stream jets, Taylor jets and matrix kernels.

export * from "./batch-jet.js";
export * from "./batch-points.js";
export * from "./batch-spec.js";
export * from "./batch-taylor.js";
export * from "./matmul.js";
export * from "./matmul-simd.js";
