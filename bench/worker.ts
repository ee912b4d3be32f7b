// Worker process: hosts one peer and handles the harness's requests, so each peer has its own heap and RSS.

import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import type { Peer, PeerFactory, PeerMode } from "./peers/peer.js";
import { PeerUnavailableError } from "./peers/peer.js";
import { type MemorySample, REPLY_PREFIX, type Reply, type Request } from "./protocol.js";
import type { WeightsFile } from "./workload.js";

/**
 * The Node peers by name. Each loads its module on demand, so a peer whose package is
 * missing fails at setup with a reason instead of breaking the harness.
 */
const FACTORIES: Record<string, () => Promise<PeerFactory>> = {
  loops: async () => (await import("./peers/loops.js")).createLoopsPeer,
  "siren-pinn-fused": async () =>
    (await import("./peers/siren-pinn.js")).createSirenPinnPeer("fused"),
  "siren-pinn-fused-2t": async () =>
    (await import("./peers/siren-pinn.js")).createSirenPinnTwoThreadPeer(),
  "siren-pinn-generic": async () =>
    (await import("./peers/siren-pinn.js")).createSirenPinnPeer("generic"),
  "tfjs-cpu-jet": async () => (await import("./peers/tfjs.js")).createTfjsPeer("cpu", "jet"),
  "tfjs-cpu-nested": async () => (await import("./peers/tfjs.js")).createTfjsPeer("cpu", "nested"),
  "tfjs-wasm-jet": async () => (await import("./peers/tfjs.js")).createTfjsPeer("wasm", "jet"),
  "tfjs-wasm-nested": async () =>
    (await import("./peers/tfjs.js")).createTfjsPeer("wasm", "nested"),
  "jax-js-f64-jet": async () => (await import("./peers/jaxjs.js")).createJaxPeer("float64", "jet"),
  "jax-js-f32-jet": async () => (await import("./peers/jaxjs.js")).createJaxPeer("float32", "jet"),
  "jax-js-f64-nested": async () =>
    (await import("./peers/jaxjs.js")).createJaxPeer("float64", "nested"),
  "jax-js-f32-nested": async () =>
    (await import("./peers/jaxjs.js")).createJaxPeer("float32", "nested"),
};

let peer: Peer | null = null;

function reply(message: Reply): void {
  process.stdout.write(`${REPLY_PREFIX}${JSON.stringify(message)}\n`);
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

async function setup(name: string, weightsPath: string, mode: PeerMode): Promise<Reply> {
  const load = FACTORIES[name];
  if (load === undefined) {
    return {
      ok: false,
      unavailable: false,
      error: `worker: unknown peer "${name}"; expected one of ${Object.keys(FACTORIES).join(", ")}`,
    };
  }

  const weights = JSON.parse(readFileSync(weightsPath, "utf8")) as WeightsFile;
  try {
    const factory = await load();
    peer = await factory(weights, mode);
    return { ok: true, precision: peer.precision, info: peer.info };
  } catch (error) {
    const unavailable = error instanceof PeerUnavailableError || isMissingModule(error);
    return { ok: false, unavailable, error: describe(error) };
  }
}

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/** Runs `steps` + 1 steps from the initial weights: the last loss is the one after `steps` updates. */
async function check(active: Peer, steps: number): Promise<Reply> {
  await active.reset();
  const losses: number[] = [];
  for (let i = 0; i <= steps; i++) losses.push(await active.step());
  return { ok: true, initial: losses[0] as number, final: losses[steps] as number, losses };
}

async function time(active: Peer, steps: number): Promise<Reply> {
  const start = performance.now();
  for (let i = 0; i < steps; i++) await active.step();
  return { ok: true, ms: performance.now() - start };
}

/**
 * Trains for `steps` steps from the initial weights and samples memory after every
 * `sampleEvery` steps and after the last one. Each sample follows two forced full
 * collections, so heapUsed counts live objects only, not garbage that a later collection
 * would free. Needs `node --expose-gc`.
 */
async function memory(active: Peer, steps: number, sampleEvery: number): Promise<Reply> {
  const collect = globalThis.gc;
  if (collect === undefined) {
    return { ok: false, error: 'worker: "memory" needs the worker started with node --expose-gc' };
  }

  await active.reset();
  const samples: MemorySample[] = [];
  let lastLoss = Number.NaN;
  const start = performance.now();
  for (let step = 1; step <= steps; step++) {
    lastLoss = await active.step();
    if (step % sampleEvery !== 0 && step !== steps) continue;
    collect();
    collect();
    const usage = process.memoryUsage();
    samples.push({
      step,
      heapUsed: usage.heapUsed,
      arrayBuffers: usage.arrayBuffers,
      external: usage.external,
      rss: usage.rss,
    });
  }
  const ms = performance.now() - start;
  return { ok: true, samples, lastLoss, ms, maxRssKiB: process.resourceUsage().maxRSS };
}

async function handle(request: Request): Promise<Reply | null> {
  if (request.op === "setup") return setup(request.peer, request.weightsPath, request.mode);
  if (request.op === "rss") return { ok: true, maxRssKiB: process.resourceUsage().maxRSS };
  if (request.op === "exit") return null;
  if (peer === null)
    return { ok: false, error: `worker: "${request.op}" before a successful setup` };
  if (request.op === "check") return check(peer, request.steps);
  if (request.op === "memory") return memory(peer, request.steps, request.sampleEvery);
  return time(peer, request.steps);
}

async function serve(): Promise<void> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    const request = JSON.parse(line) as Request;
    let message: Reply | null;
    try {
      message = await handle(request);
    } catch (error) {
      message = { ok: false, error: describe(error) };
    }
    if (message === null) break;
    reply(message);
  }
  process.exit(0);
}

await serve();
