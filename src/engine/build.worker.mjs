// The builder thread of src/engine/build-offthread.ts. Plain JavaScript like the other workers:
// the TypeScript loader of the main thread may not be in a worker thread, so this one registers
// tsx's (a dependency) itself, then loads the builder, which runs build.ts's own code.
import { register } from "tsx/esm/api";

register();
await import("./build-worker.ts");
