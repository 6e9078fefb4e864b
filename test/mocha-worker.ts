/**
 * Loaded by mocha into each worker of the parallel mode (hardhat.config.ts `test.mocha.require`).
 *
 * A worker sends its results to the parent over Node's IPC, whose JSON encoding throws on a
 * bigint. Our errors carry bigints in their details (fees, gas, block numbers), so one failing
 * test used to lose the whole file's results to "Do not know how to serialize a BigInt", naming
 * neither the test nor its failure. The worker's messages are sent with bigints as decimal
 * strings instead; nothing else in the worker changes (the code under test still sees
 * JSON.stringify throw on a bigint, as in production).
 */
const patched = Symbol.for("ultrasound.mocha-worker.bigints");
const workerProcess = process as NodeJS.Process & { [patched]?: true };

if (workerProcess.send !== undefined && workerProcess[patched] === undefined) {
  const send = workerProcess.send.bind(workerProcess) as (...args: unknown[]) => boolean;
  workerProcess.send = ((message: unknown, ...rest: unknown[]) =>
    send(JSON.parse(JSON.stringify(message, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value))), ...rest)) as NodeJS.Process["send"];
  workerProcess[patched] = true;
}

export {};
