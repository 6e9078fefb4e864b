/**
 * What every component shares: the error base class (`UltrasoundError`: a message and the
 * values behind it), contract artifacts read lazily (`loadArtifact`), strict command lines
 * (`parseCommandLine`, `commandUsage`), free ports for tests (`freePort`), and byte helpers.
 */
export * from "./errors.js";
export * from "./artifacts.js";
export * from "./cli.js";
export * from "./ports.js";
export * from "./bytes.js";
