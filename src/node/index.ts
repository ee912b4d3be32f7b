// Node-only additions: worker threads for the fused path. The rest of the library runs in
// browsers too and imports nothing from here.

export { type FusedThreads, type FusedThreadsOptions, startFusedThreads } from "./fused-threads.js";
