// The interface every benchmark peer implements inside its own worker process.

import type { WeightsFile } from "../workload.js";

/** Numeric precision a peer computes in. */
export type Precision = "float64" | "float32";

/** A system under test, set up from the shared weights file. */
export interface Peer {
  /** Facts printed beside the timing (backend, dtype, how u'' is formed). */
  readonly info: Record<string, string>;
  readonly precision: Precision;
  /** Restores the initial weights and a fresh optimiser state. */
  reset(): void | Promise<void>;
  /** Runs one step and returns the loss at the weights before its update. */
  step(): number | Promise<number>;
}

/** Kind of step a worker runs: a full training step, or the network's jet forward and backward only. */
export type PeerMode = "train" | "network";

/** Builds a peer; throws `PeerUnavailableError` when its package cannot load here. */
export type PeerFactory = (weights: WeightsFile, mode: PeerMode) => Promise<Peer>;

/** Thrown when a peer cannot run on this machine; the harness reports it and goes on. */
export class PeerUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PeerUnavailableError";
  }
}
