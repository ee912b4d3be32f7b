#!/usr/bin/env node
// Entry point of the `siren-pinn` command.

import { runCli } from "./run.js";

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
});
