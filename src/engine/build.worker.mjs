// The builder thread of src/engine/build-offthread.ts. Plain JavaScript like the other workers:
// the TypeScript loader of the main thread may not be in a worker thread, so this one registers
// tsx's (a dependency) itself, then serves builds with build.ts's own code (build-worker.ts).
import { parentPort } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { serveBuilds } = await import("./build-worker.ts");
serveBuilds(parentPort);
