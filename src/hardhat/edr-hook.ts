import edr from "@nomicfoundation/edr";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { UltrasoundError } from "../shared/errors.js";
import { EXECUTE_ORACLE_ADDRESS } from "../precompile/shim.js";
import { answerMarketCall, decodeMarketOracleCall, encodeMarketOracleAnswer, EXECUTE_MARKET_ORACLE_ADDRESS } from "../precompile/market-oracle.js";
import { runExecute } from "../precompile/run.js";
import type { ExecuteOptions } from "../engine/execute.js";
import { createBlobDataResolver } from "../blobs/da.js";
import { currentBlobArchive } from "./blob-capture.js";

/**
 * The EDR internal this emulation stands on: `Provider.setCallOverrideCallback`, an undocumented
 * hook that lets JavaScript answer calls to an address. Pinned with the EDR version in
 * package.json; if it disappears, every Hardhat network fails to start with this error.
 */
export class EdrHookUnavailableError extends UltrasoundError {
  override name = "EdrHookUnavailableError";
}

const ORACLE = Buffer.from(EXECUTE_ORACLE_ADDRESS.slice(2), "hex");
const MARKET_ORACLE = Buffer.from(EXECUTE_MARKET_ORACLE_ADDRESS.slice(2), "hex");
const PATCHED = Symbol.for("ultrasound.edr.patched");

/** What EXECUTE uses on Hardhat networks by default: the blobs this process's networks captured, then the archive. */
export function defaultHardhatExecuteOptions(): ExecuteOptions {
  return { resolveBlobData: createBlobDataResolver({ archive: currentBlobArchive }) };
}

let executeOptions: ExecuteOptions = defaultHardhatExecuteOptions();

/** Sets what EXECUTE uses on Hardhat networks beyond its input (for example the blob source). */
export function configureHardhatExecute(options: ExecuteOptions): void {
  executeOptions = options;
}

/** The installed EDR version, for error messages. */
function edrVersion(): string {
  try {
    // EDR's `exports` hides package.json: find it next to the resolved entry point.
    const entry = createRequire(import.meta.url).resolve("@nomicfoundation/edr");
    return JSON.parse(readFileSync(join(dirname(entry), "package.json"), "utf8")).version as string;
  } catch {
    return "unknown";
  }
}

/**
 * Checks that the EDR hook exists, throwing `EdrHookUnavailableError` naming what is missing.
 * Called at install time and by the test that guards the emulation.
 */
export function assertEdrHookAvailable(): void {
  const context = (edr as unknown as { EdrContext?: { prototype: Record<string, unknown> } }).EdrContext;
  const provider = (edr as unknown as { Provider?: { prototype: Record<string, unknown> } }).Provider;
  const missing: string[] = [];
  if (typeof context?.prototype.createProvider !== "function") missing.push("EdrContext.prototype.createProvider");
  if (typeof provider?.prototype.setCallOverrideCallback !== "function") missing.push("Provider.prototype.setCallOverrideCallback");
  if (missing.length > 0) {
    throw new EdrHookUnavailableError(
      "The EDR hook that emulates EXECUTE is gone: EXECUTE cannot run on Hardhat networks. " +
        "Pin @nomicfoundation/edr to the version in package.json or port src/hardhat/edr-hook.ts.",
      { missing, edrVersion: edrVersion() },
    );
  }
}

/**
 * Makes every EDR provider created from now on answer calls to the EXECUTE oracle address with
 * the TypeScript engine. Idempotent. The callback runs for every call frame of every
 * transaction, so anything but the oracle address returns at once.
 */
export function installEdrHook(): void {
  assertEdrHookAvailable();
  const proto = (edr as unknown as { EdrContext: { prototype: Record<string | symbol, unknown> } }).EdrContext.prototype;
  if (proto[PATCHED] === true) return;
  const createProvider = proto.createProvider as (...args: unknown[]) => Promise<edr.Provider>;
  proto.createProvider = async function (this: unknown, ...args: unknown[]) {
    const provider = await createProvider.apply(this, args);
    await provider.setCallOverrideCallback(answerOracleCall);
    return provider;
  };
  proto[PATCHED] = true;
}

async function answerOracleCall(address: ArrayBuffer, data: ArrayBuffer): Promise<edr.CallOverrideResult | undefined> {
  if (address.byteLength !== 20) return undefined;
  const to = Buffer.from(address);
  if (MARKET_ORACLE.equals(to)) return answerMarketOracleCall(new Uint8Array(data));
  if (!ORACLE.equals(to)) return undefined;
  const outcome = await runExecute(new Uint8Array(data), executeOptions);
  return outcome.ok
    ? { result: Buffer.from(outcome.output), shouldRevert: false }
    : { result: Buffer.alloc(0), shouldRevert: true };
}

/**
 * The market's oracle (src/precompile/market-oracle.ts): the shim brings the state, the value and
 * the L1 block; a refusal reverts (the shim then fails, nothing charged), anything else answers
 * the new state and the output, which the shim stores and returns.
 */
async function answerMarketOracleCall(data: Uint8Array): Promise<edr.CallOverrideResult> {
  try {
    const answer = await answerMarketCall(decodeMarketOracleCall(data), (input) => runExecute(input, executeOptions));
    if ("refused" in answer) return { result: Buffer.alloc(0), shouldRevert: true };
    return { result: Buffer.from(encodeMarketOracleAnswer(answer.state, answer.output)), shouldRevert: false };
  } catch {
    return { result: Buffer.alloc(0), shouldRevert: true };
  }
}
