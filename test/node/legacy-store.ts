import { bytesToHex } from "@ethereumjs/util";
import { createL2Common } from "../../src/engine/chain.js";
import { writeGenesis, type GenesisConfig } from "../../src/engine/genesis.js";
import { findDeploymentBlock, initialize, readRollupGenesis } from "../../src/node/identity.js";
import { connectL1, l1BlockHash, type Eip1193Provider } from "../../src/node/l1.js";
import { runNode } from "../../src/node/run.js";
import { BlockWriteDB, openNodeStore, STORE_SCHEMA_VERSION } from "../../src/node/store.js";
import type { NodeIdentity, RollupNode } from "../../src/node/types.js";

/**
 * A node that writes the single-rollup layout as `startNode` did before issue 20 (one rollup,
 * its tables unprefixed, its own L1 follower stage): the old code's start-up, kept here only to
 * make the data dirs a migration must read. Follows nothing in the background (`sync()` only).
 */
export async function startLegacyLayoutNode(options: { l1Provider: Eip1193Provider; rollup: string; genesis: GenesisConfig; dataDir: string }): Promise<RollupNode> {
  const rollup = options.rollup.toLowerCase();
  const l1 = await connectL1(options.l1Provider);
  const l1ChainId = BigInt(await l1.send<string>("eth_chainId", []));
  const deploymentBlock = await findDeploymentBlock(l1, rollup);
  const onL1 = await readRollupGenesis(l1, rollup, deploymentBlock);
  const genesisDb = new BlockWriteDB();
  const { header } = await writeGenesis(options.genesis, genesisDb);
  if (bytesToHex(header.hash()) !== onL1.genesisHash) throw new Error("the genesis given is not the rollup's");
  const identity: NodeIdentity = {
    schema: STORE_SCHEMA_VERSION,
    l1ChainId: l1ChainId.toString(),
    l1GenesisHash: (await l1BlockHash(l1, 0n))!,
    rollup,
    deploymentBlock: deploymentBlock.toString(),
    deploymentBlockHash: (await l1BlockHash(l1, deploymentBlock))!,
    l2ChainId: options.genesis.chainId.toString(),
    l2GenesisHash: onL1.genesisHash,
  };
  const store = openNodeStore(options.dataDir);
  const ctx = { store, l1, rollup, genesis: options.genesis, common: createL2Common(options.genesis.chainId), blobs: undefined, log: () => {}, stopping: () => false };
  initialize(ctx, identity, header, genesisDb, deploymentBlock);
  return runNode(ctx, { rollup, dataDir: options.dataDir, follow: false }, identity, 64n, l1ChainId);
}
