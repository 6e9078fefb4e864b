import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Interface } from "ethers";
import { UltrasoundError } from "./errors.js";

/** Thrown when a contract artifact is not there: the contracts were not compiled. */
export class ArtifactNotFoundError extends UltrasoundError {
  override name = "ArtifactNotFoundError";
}

/** What ultrasound needs of a Hardhat artifact. */
export interface Artifact {
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}

const cache = new Map<string, Artifact>();

/**
 * Reads one of ultrasound's own contract artifacts (`contracts/<sourcePath>`), as Hardhat's
 * build wrote it. `npx hardhat build` (run by `hardhat test` and `hardhat run`) makes them.
 */
export function loadArtifact(sourcePath: string, contractName: string): Artifact {
  const key = `${sourcePath}:${contractName}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const file = fileURLToPath(new URL(`../../artifacts/contracts/${sourcePath}/${contractName}.json`, import.meta.url));
  let artifact: Artifact;
  try {
    artifact = JSON.parse(readFileSync(file, "utf8")) as Artifact;
  } catch (error) {
    throw new ArtifactNotFoundError("Contract artifact not found: run `npx hardhat build` first", { file }, { cause: error });
  }
  cache.set(key, artifact);
  return artifact;
}

const interfaces = new Map<string, Interface>();

/**
 * The ethers `Interface` of one of ultrasound's contracts, made once per process: an Interface is
 * immutable, and a NativeRollup's (hundreds of fragments) costs ≈ 2 ms and ≈ 6 KB of heap — a
 * many-rollup node that made one per rollup paid that per rollup it follows.
 */
export function artifactInterface(sourcePath: string, contractName: string): Interface {
  const key = `${sourcePath}:${contractName}`;
  let iface = interfaces.get(key);
  if (iface === undefined) {
    iface = new Interface(loadArtifact(sourcePath, contractName).abi as never);
    interfaces.set(key, iface);
  }
  return iface;
}
