// Node-only additions: worker threads for the fused path. The rest of the library runs in
// browsers too and imports nothing from here.

export { type FusedThreads, startFusedThreads } from "./fused-threads.js";
