/**
 * Helpers shared by the end-to-end bridge tests: blocks built by hand with a chosen delivery of
 * the L1→L2 queue, raw L1 reads, L2 ethers providers over a fixture. No side effects on import
 * (mocha loads every file under test/).
 */
import { BrowserProvider, Contract, ContractFactory, type Signer } from "ethers";
import { nextDelivery, type NextDelivery } from "../../src/bridge/queue.js";
import { sentMessageSlot } from "../../src/bridge/messages.js";
import type { MessageProof, SentMessage } from "../../src/sdk/bridge.js";
import type { RollupFixture } from "../../src/fixtures/index.js";
import { loadArtifact } from "../../src/shared/artifacts.js";
import { l1Block, type L1Block, type RawProvider } from "../contracts/helpers.js";

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
export const MESSENGER = "0x5500000000000000000000000000000000000002";

/** The L1 block number, read raw (ethers caches it: PITFALLS). */
export async function l1Number(ethers: RawProvider): Promise<bigint> {
  return BigInt((await ethers.provider.send("eth_blockNumber", [])) as string);
}

/** An L1 balance, read raw at the latest block. */
export async function l1Balance(ethers: RawProvider, address: string): Promise<bigint> {
  return BigInt((await ethers.provider.send("eth_getBalance", [address, "latest"])) as string);
}

/**
 * The delivery of the next block on `l2`'s chain, anchored to `anchor`: at most `maxMessages`
 * new messages (0: none, a block that skips the queue).
 */
export async function deliveryOf(ethers: RawProvider, l2: Pick<RollupFixture, "rollup" | "chain">, anchor: L1Block, maxMessages: bigint): Promise<NextDelivery> {
  return nextDelivery({ rollup: l2.rollup, provider: ethers.provider as never, chain: l2.chain, l1BlockHash: anchor.hash, maxMessages });
}

/** The latest L1 block (raw), the anchor of a hand-built block. */
export const latestAnchor = (ethers: RawProvider): Promise<L1Block> => l1Block(ethers);

/** The L1 block whose transaction made `rollup` verify L2 block `l2Number` (its BlockAdvanced event). */
export async function advancedIn(ethers: RawProvider, rollup: Contract, l2Number: bigint): Promise<bigint> {
  const logs = (await ethers.provider.send("eth_getLogs", [{ address: await rollup.getAddress(), fromBlock: "0x0", toBlock: "latest" }])) as { topics: string[]; data: string; blockNumber: string }[];
  for (const log of logs) {
    const parsed = rollup.interface.parseLog(log);
    if (parsed?.name === "BlockAdvanced" && parsed.args.number === l2Number) return BigInt(log.blockNumber);
  }
  throw new Error(`L2 block ${l2Number} was never verified on L1`);
}

/** An ethers provider on the fixture's L2 JSON-RPC (no cache, fast polling). */
export function l2Provider(l2: RollupFixture): BrowserProvider {
  return new BrowserProvider(l2.provider, undefined, { cacheTimeout: -1, pollingInterval: 20 });
}

/** Deploys a test contract (contracts/test/<name>.sol) with `signer` (L1 or L2). */
export async function deployTest(signer: Signer, name: string, args: unknown[] = []): Promise<Contract> {
  const artifact = loadArtifact(`test/${name}.sol`, name);
  const contract = await new ContractFactory(artifact.abi as never, artifact.bytecode, signer).deploy(...args);
  await contract.waitForDeployment();
  return new Contract(await contract.getAddress(), artifact.abi as never, signer);
}

/** eth_getProof of `sent` on an L2 provider at L2 block `at` (verified on L1 or not): the proof `claim` / `forward` take, and the slot's value. */
export async function proofAt(provider: BrowserProvider, sent: SentMessage, at: bigint): Promise<MessageProof & { value: bigint }> {
  const proof = (await provider.send("eth_getProof", [MESSENGER, [sentMessageSlot(sent.hash)], "0x" + at.toString(16)])) as {
    accountProof: string[];
    storageProof: { value: string; proof: string[] }[];
  };
  return { l2BlockNumber: at, accountProof: proof.accountProof, storageProof: proof.storageProof[0]!.proof, value: BigInt(proof.storageProof[0]!.value) };
}
