// Runs every example with a small budget and fails when one of them fails. Needs `npm run build`.

import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const folder = path.dirname(fileURLToPath(import.meta.url));
const examples = readdirSync(folder)
  .filter((name) => name.endsWith(".mjs") && name !== "run-all.mjs")
  .sort();

let failed = 0;
for (const name of examples) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [path.join(folder, name), "--small"], {
    encoding: "utf8",
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (run.status === 0) {
    console.log(`ok   ${name} (${seconds}s)`);
  } else {
    failed++;
    console.log(`FAIL ${name} (${seconds}s, exit code ${run.status})\n${run.stdout}${run.stderr}`);
  }
}
console.log(`${examples.length - failed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
