// The benchmark's peers: names, how each runs and which the quick run keeps.

/** A system under test, as the harness starts it. */
export interface PeerSpec {
  /** Name that selects the peer in the worker process. */
  readonly name: string;
  readonly runtime: "node" | "python";
  /** Whether `--quick` runs it (slow peers are left to the full run). */
  readonly quick: boolean;
  /** Whether the variant workloads run it; the slowest peers run on harmonic-64 only. */
  readonly variants: boolean;
  /** Checked but not timed: the reference of the network-only benchmark. */
  readonly checkOnly?: boolean;
  /** OpenBLAS threads of a Python peer; without it the peer gets `--numpy-threads`. */
  readonly blasThreads?: number;
}

/** Name of the peer every ratio is taken against. */
export const FUSED = "siren-pinn-fused";

/** Name of the fused peer on two threads (the worker thread of `startFusedThreads`). */
export const FUSED_TWO_THREADS = "siren-pinn-fused-2t";

/** Name of the NumPy peer on `--numpy-threads` OpenBLAS threads (default 1). */
export const NUMPY = "numpy";

/** Name of the NumPy peer on two OpenBLAS threads, the match for the two-thread fused peer. */
export const NUMPY_TWO_THREADS = "numpy-2t";

/** Name of the float64 peer every loss is checked against. */
export const REFERENCE = "loops";

/** Every training-step peer, in the order of the report and of each timing round. */
export const TRAIN_PEERS: readonly PeerSpec[] = [
  { name: FUSED, runtime: "node", quick: true, variants: true },
  { name: FUSED_TWO_THREADS, runtime: "node", quick: true, variants: true },
  { name: "siren-pinn-generic", runtime: "node", quick: true, variants: true },
  { name: REFERENCE, runtime: "node", quick: true, variants: true },
  { name: NUMPY, runtime: "python", quick: true, variants: true },
  { name: NUMPY_TWO_THREADS, runtime: "python", quick: true, variants: true, blasThreads: 2 },
  { name: "jax-js-f64-jet", runtime: "node", quick: true, variants: true },
  { name: "jax-js-f32-jet", runtime: "node", quick: true, variants: true },
  { name: "jax-js-f64-nested", runtime: "node", quick: false, variants: true },
  { name: "jax-js-f32-nested", runtime: "node", quick: false, variants: true },
  { name: "tfjs-wasm-jet", runtime: "node", quick: true, variants: true },
  { name: "tfjs-wasm-nested", runtime: "node", quick: true, variants: true },
  { name: "tfjs-cpu-jet", runtime: "node", quick: false, variants: false },
  { name: "tfjs-cpu-nested", runtime: "node", quick: false, variants: false },
];

/** Peers of the network-only benchmark (jet forward and backward, no loss, no optimiser). */
export const NETWORK_PEERS: readonly PeerSpec[] = [
  { name: FUSED, runtime: "node", quick: true, variants: true },
  { name: "siren-pinn-generic", runtime: "node", quick: true, variants: true },
  { name: REFERENCE, runtime: "node", quick: true, variants: true, checkOnly: true },
];
