import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
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
