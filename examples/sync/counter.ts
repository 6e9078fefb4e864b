/**
 * A synchronous L1 → L2 call (docs/sync.md), on an in-process L1 with one rollup:
 *
 *   npx hardhat run examples/sync/counter.ts
 *
 * An L2 counter holds 42. One L1 transaction reads it (42), sets it to 66 and reads it again (66)
 * through the counter's L2Proxy, and the L2 block that makes those calls is verified by EXECUTE in
 * that same transaction. Then the same effect by the async bridge, and a plain advance, for the
 * L1 gas and time of each. Prints one table.
 */
import { network } from "hardhat";
import { loadRollupFixture } from "../../src/fixtures/index.js";
import { asyncReadSetRead, deployCounter, formatRows, plainAdvance, syncReadSetRead } from "./sync.js";

const { ethers } = await network.create();
const [signer] = await ethers.getSigners();
const l2 = await loadRollupFixture({ ethers }, { dataAvailability: "calldata" });
const sync = await deployCounter(l2, signer!);
console.log(`rollup ${l2.address} (chain ${l2.chain.genesis.chainId}); SyncCounter(42) on L2 at ${sync.counter}, its L2Proxy on L1 at ${sync.proxy}; SyncCounterUser on L1 at ${sync.userAddress}\n`);
const rows = [...(await syncReadSetRead(l2, sync)), ...(await plainAdvance(l2))];
// The async path on a fresh counter at 42, for the same effect.
const async = await deployCounter(l2, signer!);
rows.push(...(await asyncReadSetRead(l2, async, signer!)));
console.log(formatRows(rows));
