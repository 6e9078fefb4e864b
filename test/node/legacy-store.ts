import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createL2Common } from "../../src/engine/chain.js";
import type { GenesisConfig } from "../../src/engine/genesis.js";
import { connectL1, type Eip1193Provider } from "../../src/node/l1.js";
import { OWN_TABLES } from "../../src/node/migrate.js";
import { startMultiNode } from "../../src/node/multi.js";
import { FINALITY_VIOLATIONS_KEY, runNode } from "../../src/node/run.js";
import { checkpointKey } from "../../src/node/stage.js";
import { l1Checkpoint, writeL1Checkpoint } from "../../src/node/stages/follow-l1.js";
import { openMultiStore, openNodeStore, readMeta } from "../../src/node/store.js";
import type { NodeIdentity, RollupNode } from "../../src/node/types.js";

/**
 * A data dir in the single-rollup layout as `startNode` wrote it before issue 20 (one rollup,
 * its tables unprefixed, its own L1 checkpoint and L1 blocks in its meta and tables), holding the
 * chain up to L1's head now: derived by today's node in a scratch dir, then written key by key
 * into the old layout with the store API (the inverse of src/node/migrate.ts). Returns a reader
 * of that dir (a `RollupNode` whose `sync` moves nothing), kept only to make the data dirs a
 * migration must read.
 */
export async function startLegacyLayoutNode(options: { l1Provider: Eip1193Provider; rollup: string; genesis: GenesisConfig; dataDir: string }): Promise<RollupNode> {
  const rollup = options.rollup.toLowerCase();
  const chainId = options.genesis.chainId;
  const scratch = mkdtempSync(path.join(tmpdir(), "ultrasound-legacy-"));
  try {
    const multi = await startMultiNode({ l1Provider: options.l1Provider, rollups: [{ address: rollup, genesis: options.genesis }], dataDir: scratch, follow: false });
    await multi.sync();
    await multi.stop();
    const from = openMultiStore(scratch);
    const part = from.rollup(chainId);
    const to = openNodeStore(options.dataDir);
    to.transaction(() => {
      for (const field of [...OWN_TABLES, "trie"] as const) for (const { key, value } of part[field].getRange({})) to[field].putSync(key, value);
      // The meta is read by key (a prefixed view has no range): the keys a rollup's part writes.
      for (const key of ["identity", checkpointKey("derive"), checkpointKey("execute"), FINALITY_VIOLATIONS_KEY]) {
        const value = part.meta.getBinary(key);
        if (value !== undefined) to.meta.putSync(key, value);
      }
      // The single node followed L1 itself: the many-rollup node's checkpoint and L1 blocks are its own.
      for (const { key, value } of from.node.l1Blocks.getRange({})) to.l1Blocks.putSync(key, value);
      const followed = l1Checkpoint({ store: from.node });
      writeL1Checkpoint({ store: to }, followed.number, followed.hash);
    });
    await from.close();
    const identity = readMeta<NodeIdentity>(to, "identity")!;
    const l1 = await connectL1(options.l1Provider);
    const ctx = { store: to, l1, rollup, genesis: options.genesis, common: createL2Common(chainId), blobs: undefined, log: () => {}, stopping: () => false };
    // Reads only: the chain was written above, and nothing follows L1 any more.
    const followed = l1Checkpoint(ctx).number;
    return runNode(ctx, { rollup, dataDir: options.dataDir, follow: false }, identity, 64n, BigInt(identity.l1ChainId), { pipeline: async () => ({ l1Head: followed, reorgs: [] }) });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
