// `npm run bench`: the harmonic training-step benchmark against its peers, and the network-only benchmark.

import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import { CompileError, compileWorkers, removeCompiled } from "./compile.js";
import {
  closePool,
  FLOAT32_TOLERANCE,
  FLOAT64_TOLERANCE,
  type PeerResult,
  type RunSettings,
  runWorkload,
  type WorkerPool,
} from "./harness.js";
import {
  MEMORY_PEERS,
  MEMORY_SAMPLE_EVERY,
  MEMORY_STEPS,
  type MemoryReport,
  runMemoryCheck,
} from "./memory.js";
import { FUSED, NETWORK_PEERS, type PeerSpec, TRAIN_PEERS } from "./peers/registry.js";
import {
  formatMemory,
  formatNetwork,
  formatTargets,
  formatWorkload,
  type NetworkReport,
  type WorkloadReport,
} from "./report.js";
import { killWorkers } from "./runner.js";
import { evaluateTargets, type TargetsReport } from "./targets.js";
import {
  HARMONIC_64,
  makeWorkload,
  networkFlops,
  stepFlops,
  VARIANTS,
  type Workload,
} from "./workload.js";

const USAGE = `Usage: npm run bench -- [options]

  --quick              harmonic-64 only, the faster peers, fewer rounds (about 100 s here at a
                       load average of 1 to 3; the two memory checks take about 50 s of that)
  --json               print the results as JSON on stdout (progress stays on stderr)
  --save PATH          also write the JSON results to PATH
  --peers a,b,...      run only these training-step peers (always adds the loops reference)
  --workloads a,b,...  run only these workload ids (e.g. sine-w64-n256,tanh-w64-n256)
  --no-network         skip the network-only benchmark
  --no-train           skip the training-step benchmark
  --no-memory          skip the memory check (peak RSS and heap growth of siren-pinn-fused and
                       siren-pinn-fused-2t, one worker process each)
  --memory-steps N     training steps of the memory check (default 10000, at least 2000)
  --check-steps N      Adam steps before the loss check (default 200)
  --rounds N           timing rounds (default 10, quick 5)
  --round-ms MS        target time of one peer's batch in a round (default 1000, quick 300)
  --time-failed        also time peers that fail the loss check (marked in the table)
  --numpy-threads N    OpenBLAS threads of the numpy peer (default 1, like the JavaScript peers
                       other than siren-pinn-fused-2t); numpy-2t always gets 2
  --python PATH        Python interpreter of the numpy peer (default python3)
  --help               print this text`;

interface Options {
  quick: boolean;
  json: boolean;
  save: string | null;
  peers: string[] | null;
  workloads: string[] | null;
  network: boolean;
  train: boolean;
  memory: boolean;
  memorySteps: number;
  settings: RunSettings;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      save: { type: "string" },
      peers: { type: "string" },
      workloads: { type: "string" },
      "no-network": { type: "boolean", default: false },
      "no-train": { type: "boolean", default: false },
      "no-memory": { type: "boolean", default: false },
      "memory-steps": { type: "string" },
      "check-steps": { type: "string" },
      rounds: { type: "string" },
      "round-ms": { type: "string" },
      "time-failed": { type: "boolean", default: false },
      "numpy-threads": { type: "string" },
      python: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }

  const quick = values.quick;
  const memorySteps = positiveInteger("--memory-steps", values["memory-steps"], MEMORY_STEPS);
  if (memorySteps < 2 * MEMORY_SAMPLE_EVERY) {
    usageError(
      `--memory-steps must be at least ${2 * MEMORY_SAMPLE_EVERY} (two samples ${MEMORY_SAMPLE_EVERY} steps apart), received ${memorySteps}`,
    );
  }
  return {
    quick,
    json: values.json,
    save: values.save ?? null,
    peers: values.peers?.split(",") ?? null,
    workloads: values.workloads?.split(",") ?? null,
    network: !values["no-network"],
    train: !values["no-train"],
    memory: !values["no-memory"],
    memorySteps,
    settings: {
      checkSteps: positiveInteger("--check-steps", values["check-steps"], 200),
      rounds: positiveInteger("--rounds", values.rounds, quick ? 5 : 10),
      roundMs: positiveInteger("--round-ms", values["round-ms"], quick ? 300 : 1000),
      warmupSteps: 3,
      timeFailed: values["time-failed"],
      python: values.python ?? "python3",
      numpyThreads: positiveInteger("--numpy-threads", values["numpy-threads"], 1),
      log: (message) =>
        process.stderr.write(
          `${(performance.now() / 1000).toFixed(0).padStart(4)} s  ${message}\n`,
        ),
    },
  };
}

function positiveInteger(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    usageError(`${flag} expects a positive integer, received "${text}"`);
  }
  return value;
}

function usageError(message: string): never {
  process.stderr.write(`bench: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function describe(workload: Workload): string {
  const shape = `1 → ${Array.from({ length: workload.hiddenLayers }, () => workload.width).join(" → ")} → 1`;
  const omega = workload.activation === "sine" ? `, ω0 = ${workload.omega0} then ω = 1` : "";
  return `${workload.activation} ${shape}${omega}, N = ${workload.points}`;
}

function trainPeers(options: Options, workload: Workload): PeerSpec[] {
  if (options.peers !== null) {
    const selected = new Set([...options.peers, "loops"]);
    return TRAIN_PEERS.filter((spec) => selected.has(spec.name));
  }
  const main = workload.id === HARMONIC_64.id;
  return TRAIN_PEERS.filter((spec) => (options.quick ? spec.quick : main || spec.variants));
}

function trainWorkloads(options: Options): Workload[] {
  const all = [HARMONIC_64, ...VARIANTS];
  if (options.workloads !== null)
    return all.filter((workload) => options.workloads!.includes(workload.id));
  return options.quick ? [HARMONIC_64] : all;
}

async function runTraining(options: Options): Promise<WorkloadReport[]> {
  const reports: WorkloadReport[] = [];
  for (const workload of trainWorkloads(options)) {
    const flops = stepFlops(workload);
    const peers = await runWorkload(
      workload,
      trainPeers(options, workload),
      "train",
      flops,
      options.settings,
    );
    const report = {
      workload: workload.id,
      description: describe(workload),
      flopsPerStep: flops,
      peers,
    };
    reports.push(report);
    if (!options.json) process.stdout.write(`\n${formatWorkload(report)}\n`);
  }
  return reports;
}

async function runNetwork(options: Options): Promise<NetworkReport[]> {
  const reports: NetworkReport[] = [];
  const settings = {
    ...options.settings,
    rounds: options.quick ? 3 : options.settings.rounds,
    checkSteps: 0,
  };
  const pool: WorkerPool = new Map();
  try {
    for (const points of [256, 1024]) {
      for (const width of [32, 64, 128]) {
        const workload = makeWorkload("sine", width, points);
        const flops = networkFlops(workload);
        const peers = await runWorkload(workload, NETWORK_PEERS, "network", flops, settings, pool);
        reports.push({
          workload: workload.id,
          width,
          points,
          flopsPerStep: flops,
          peers,
          genericOverFused: ratio(peers),
        });
      }
    }
  } finally {
    await closePool(pool);
  }
  if (!options.json) process.stdout.write(`\n${formatNetwork(reports)}\n`);
  return reports;
}

function ratio(peers: PeerResult[]): number | null {
  const fused = peers.find((result) => result.peer === FUSED)?.medianMs;
  const generic = peers.find((result) => result.peer === "siren-pinn-generic")?.medianMs;
  return fused === undefined || generic === undefined ? null : generic / fused;
}

function machine(): Record<string, string | number> {
  let python = "not found";
  try {
    python = execFileSync("python3", ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // Reported as "not found"; the numpy peer then shows why it is unavailable.
  }
  return {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    python,
    loadAverageAtStart: loadavg()
      .map((value) => value.toFixed(2))
      .join(" "),
  };
}

/** Builds the worker processes' JavaScript, or exits with tsc's errors. */
function compileOrExit(options: Options): void {
  try {
    compileWorkers(options.settings.log);
  } catch (error) {
    if (!(error instanceof CompileError)) throw error;
    removeCompiled();
    process.stderr.write(
      `bench: compiling the worker processes failed, so no benchmark ran.\n${error.message}\n` +
        "bench: fix the errors above (or wait for a src/ change in progress to finish) and run again.\n",
    );
    process.exit(1);
  }
}

/** Runs the memory check of each fused peer in turn, so that the two-thread one has both cores. */
async function runMemory(options: Options): Promise<MemoryReport[]> {
  const reports: MemoryReport[] = [];
  for (const peer of MEMORY_PEERS) {
    const report = await runMemoryCheck(peer, options.memorySteps, options.settings.log);
    if (!options.json) process.stdout.write(`\n${formatMemory(report)}\n`);
    reports.push(report);
  }
  return reports;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const started = new Date();
  const host = machine();
  if (!options.json) {
    process.stdout.write(
      `siren-pinn benchmark, ${started.toISOString()}\n` +
        `machine: ${host.cpu}, ${host.cores} cores, ${host.memoryGiB} GiB, Node ${host.node}, ${host.python}, load ${host.loadAverageAtStart}\n` +
        `loss check after ${options.settings.checkSteps} Adam steps against the loops reference: ` +
        `relative ${FLOAT64_TOLERANCE} (float64), ${FLOAT32_TOLERANCE} (float32)\n` +
        `timing: median of ${options.settings.rounds} interleaved rounds; × fused = ms/step over siren-pinn fused's\n`,
    );
  }

  if (options.train || options.network || options.memory) compileOrExit(options);
  // An interrupted run kills its workers, which may be inside a long request, and deletes its build.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      killWorkers();
      removeCompiled();
      process.exit(signal === "SIGINT" ? 130 : 143);
    });
  }

  let training: WorkloadReport[];
  let network: NetworkReport[];
  let memory: MemoryReport[] | null;
  try {
    training = options.train ? await runTraining(options) : [];
    network = options.network ? await runNetwork(options) : [];
    memory = options.memory ? await runMemory(options) : null;
  } finally {
    removeCompiled();
  }
  let targets: TargetsReport | null = null;
  if (options.train || options.memory) {
    targets = evaluateTargets(training, memory);
    if (!options.json) process.stdout.write(`\n${formatTargets(targets)}\n`);
  }
  const seconds = (Date.now() - started.getTime()) / 1000;

  const command = `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim();
  const settings = { ...options.settings, log: undefined };
  const results = {
    started: started.toISOString(),
    seconds,
    command,
    machine: host,
    settings,
    training,
    network,
    memory,
    targets,
  };
  const json = `${JSON.stringify(results, null, 2)}\n`;
  if (options.save !== null) writeFileSync(options.save, json);
  if (options.json) {
    process.stdout.write(json);
  } else {
    process.stdout.write(`\nfinished in ${seconds.toFixed(0)} s\n`);
  }
}

await main();
