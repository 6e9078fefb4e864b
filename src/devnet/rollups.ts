/**
 * The devnet's own rollups: made by its first start, read back from `<dataDir>/devnet.json` at a
 * restart. One rollup (the default) is deployed directly, from the given genesis; more are made by
 * a RollupFactory (chain ids 167001, 167002, …, each with the default genesis of its chain id),
 * which the node then follows through its events.
 */
import type { Contract, Signer } from "ethers";
import { defaultGenesis, type GenesisConfig } from "../engine/genesis.js";
import type { L2Chain } from "../engine/state.js";
import { deployRollup, nativeRollupAt, type DeployedRollup } from "../sdk/contracts.js";
import { createRollup, deployFactory } from "../sdk/factory.js";
import type { Resume } from "./restart.js";

/** The chain id of the first rollup of a devnet of many; the others follow it. */
export const FIRST_CHAIN_ID = 167_001n;

/** One of the devnet's own rollups. */
export interface OwnRollup {
  chainId: bigint;
  address: string;
  rollup: Contract;
}

/** The devnet's rollups, made or read back. */
export interface DevnetRollups {
  /** The RollupFactory that made them (a devnet of many rollups only). */
  factoryAddress?: string;
  /** Every one, in chain id order. */
  own: OwnRollup[];
  /** What a first start deployed (their proposer chains at genesis); undefined at a restart. */
  created?: DeployedRollup[];
}

/**
 * Makes the devnet's `count` rollups on a first start (`resume.fresh`), recording them in the
 * state; at a restart, the ones recorded. `genesis` is the one rollup's (a devnet of many has the
 * default genesis of each chain id: `startDevnet` refuses a custom one).
 */
export async function openDevnetRollups(signer: Signer, resume: Resume, count: number, genesis: GenesisConfig | undefined): Promise<DevnetRollups> {
  if (!resume.fresh) {
    if (resume.state.rollups === undefined) {
      // A devnet of one keeps its rollup's address only: its chain id is the contract's.
      const rollup = nativeRollupAt(resume.state.rollupAddress!, signer);
      return { own: [{ chainId: (await rollup.getFunction("CHAIN_ID")()) as bigint, address: resume.state.rollupAddress!, rollup }] };
    }
    const own = resume.state.rollups.map((r) => ({ chainId: BigInt(r.chainId), address: r.address, rollup: nativeRollupAt(r.address, signer) }));
    return { factoryAddress: resume.state.factoryAddress, own };
  }
  if (count === 1) {
    const created = await deployRollup(signer, genesis ?? defaultGenesis());
    resume.saveRollup(created.address);
    return { own: [ownOf(created)], created: [created] };
  }
  // The factory, then its rollups, one after the other (every fourth creation costs more gas: an
  // estimate made beside the others would fall short).
  const factory = await deployFactory(signer);
  const factoryAddress = await factory.getAddress();
  const created: DeployedRollup[] = [];
  for (let i = 0; i < count; i++) created.push(await createRollup(factory, defaultGenesis({ chainId: FIRST_CHAIN_ID + BigInt(i) })));
  const own = created.map(ownOf);
  resume.saveRollups(factoryAddress, own.map((r) => ({ chainId: r.chainId.toString(), address: r.address })));
  return { factoryAddress, own, created };
}

function ownOf(created: DeployedRollup & { chain: L2Chain }): OwnRollup {
  return { chainId: created.chain.genesis.chainId, address: created.address, rollup: created.rollup };
}
