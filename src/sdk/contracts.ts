import { Contract, ContractFactory, type ContractRunner, type Log, type Signer, Interface } from "ethers";
import { artifactInterface, loadArtifact } from "../shared/artifacts.js";
import type { GenesisConfig } from "../engine/genesis.js";
import { createL2Chain, type L2Chain } from "../engine/state.js";
import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

/** The ABI of NativeRollup. */
export function nativeRollupInterface(): Interface {
  return artifactInterface("l1/NativeRollup.sol", "NativeRollup");
}

/** An ethers handle on a deployed NativeRollup. */
export function nativeRollupAt(address: string, runner: ContractRunner): Contract {
  return new Contract(address, nativeRollupInterface(), runner);
}

/** A rollup freshly deployed on L1, with its L2 chain at genesis. */
export interface DeployedRollup {
  rollup: Contract;
  address: string;
  chain: L2Chain;
  /** The L1 block that deployed it: a follower starts reading events there. */
  deploymentBlock: number;
}

/** Options of {@link deployRollup}. */
export interface DeployRollupOptions {
  /**
   * Who may withdraw the base fees the L2 burns, from the L1 escrow (docs/bridge.md). Default
   * the zero address: the burned fees stay locked in the escrow for good.
   */
  feeRecipient?: string;
  /**
   * Who may retire the rollup (`retire()`: no block, deposit or message after it; claims of its
   * history keep working). Default the zero address: nobody, the rollup lives for good.
   */
  retirer?: string;
}

/**
 * The L2 chain of `genesis` at its genesis, and a rollup's configuration for it in the order both
 * NativeRollup's constructor and `RollupFactory.createRollup` take it.
 */
export async function rollupArgs(genesis: GenesisConfig, options: DeployRollupOptions = {}) {
  const chain = await createL2Chain(genesis);
  const g = chain.headers[0]!;
  const args = [
    genesis.chainId,
    genesis.gasLimit,
    bytesToHex(g.hash()),
    bytesToHex(g.stateRoot),
    genesis.timestamp,
    options.feeRecipient ?? ZERO_ADDRESS,
    options.retirer ?? ZERO_ADDRESS,
  ] as const;
  return { chain, args };
}

/** Deploys a NativeRollup for `genesis` and returns it with the matching L2 chain. */
export async function deployRollup(signer: Signer, genesis: GenesisConfig, options: DeployRollupOptions = {}): Promise<DeployedRollup> {
  const { chain, args } = await rollupArgs(genesis, options);
  const artifact = loadArtifact("l1/NativeRollup.sol", "NativeRollup");
  const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, signer);
  const contract = await factory.deploy(...args);
  const receipt = await contract.deploymentTransaction()!.wait();
  const address = await contract.getAddress();
  return { rollup: nativeRollupAt(address, signer), address, chain, deploymentBlock: receipt!.blockNumber };
}

/** The `BlockClaim` struct of `NativeRollup.advance` / `advanceWithBlobs`, as ethers takes it. */
export interface BlockClaim {
  parentHash: string;
  blockHash: string;
  stateRoot: string;
  receiptsRoot: string;
  gasUsed: bigint;
  coinbase: string;
  timestamp: bigint;
  anchorBlockNumber: bigint;
  /** The L1→L2 queue length delivered once this block is applied. */
  messageCount: bigint;
}


/** The claim that proposes a built block: its commitments, its coinbase, its L1 anchor block and how far it delivers the queue. */
export function blockClaim(header: BlockHeader, anchorBlockNumber: bigint, messageCount: bigint): BlockClaim {
  return {
    parentHash: bytesToHex(header.parentHash),
    blockHash: bytesToHex(header.hash()),
    stateRoot: bytesToHex(header.stateRoot),
    receiptsRoot: bytesToHex(header.receiptTrie),
    gasUsed: header.gasUsed,
    coinbase: header.coinbase.toString(),
    timestamp: header.timestamp,
    anchorBlockNumber,
    messageCount,
  };
}

/** A decoded `BlockAdvanced` event. */
export interface BlockAdvancedEvent {
  number: bigint;
  blockHash: string;
  proposer: string;
  parentHash: string;
  stateRoot: string;
  receiptsRoot: string;
  gasUsed: bigint;
  coinbase: string;
  timestamp: bigint;
  anchorBlockNumber: bigint;
  /** The L1 block hash of `anchorBlockNumber`: the L2 block's prevRandao. */
  prevRandao: string;
  /** The anchor: `keccak256(abi.encode(prevRandao, messageCount, rollingHash))` (docs/bridge.md). */
  anchor: string;
  /** The L1→L2 queue length delivered once the block is applied. */
  messageCount: bigint;
  dataHash: string;
  /** Versioned hashes of the blobs that carried the transactions (empty: calldata). */
  blobHashes: string[];
}

/** Finds and decodes the `BlockAdvanced` events among L1 logs (others are skipped). */
export function parseBlockAdvanced(logs: readonly Log[]): BlockAdvancedEvent[] {
  const iface = nativeRollupInterface();
  const events: BlockAdvancedEvent[] = [];
  for (const log of logs) {
    const parsed = iface.parseLog(log);
    if (parsed?.name !== "BlockAdvanced") continue;
    const a = parsed.args;
    events.push({
      number: a.number, blockHash: a.blockHash, proposer: a.proposer, parentHash: a.parentHash,
      stateRoot: a.stateRoot, receiptsRoot: a.receiptsRoot, gasUsed: a.gasUsed, coinbase: a.coinbase,
      timestamp: a.timestamp, anchorBlockNumber: a.anchorBlockNumber, prevRandao: a.prevRandao, anchor: a.anchor,
      messageCount: a.messageCount, dataHash: a.dataHash,
      blobHashes: [...a.blobHashes],
    });
  }
  return events;
}
