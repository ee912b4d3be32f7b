import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The math properties are CPU bound; two workers match the two-core CI machine.
    pool: "threads",
    maxWorkers: 2,
    testTimeout: 60_000,
  },
});
