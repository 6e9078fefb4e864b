/**
 * `npm run devnet -- --preconf` (issue 19): the devnet's rollup is a PreconfGatedRollup whose
 * PreconfRegistry has the devnet's proposer key (Hardhat's account #0) bonded as its operator;
 * instead of the proposer's round, the operator's preconfer builds a block at most every
 * `--preconf-interval-ms` (250 by default), signs it and the node serves it at `latest`; the
 * advance loop sends the preconfirmed blocks to L1 every 250 ms, consecutive ones together in one
 * L1 transaction (`PreconfRegistry.executeBatch` with blobs: one EXECUTE call for all of them;
 * `bundle` with calldata; src/preconf/together.ts), and `safe` moves
 * when the node has derived them. One rollup only.
 */
import { Contract, Wallet, type JsonRpcApiProvider, type Signer } from "ethers";
import { devAccounts } from "../engine/chain.js";
import { defaultGenesis, type GenesisConfig } from "../engine/genesis.js";
import type { L2Chain } from "../engine/state.js";
import { journaledMempool, type JournaledMempool } from "../node/journaled-mempool.js";
import type { RollupNode } from "../node/index.js";
import { createMempool } from "../proposer/mempool.js";
import type { MempoolOptions } from "../proposer/mempool.js";
import type { DataAvailability } from "../proposer/propose.js";
import { createPreconfer, deployGatedRollup, deployPreconfRegistry, preconfChainView, preconfMethods, preconfRegistryAt, startPreconfLoops, type Preconfer, type PreconfLoops } from "../preconf/index.js";
import type { ChainView, Handler } from "../rpc/index.js";
import { nativeRollupAt } from "../sdk/contracts.js";
import { DevnetStartError } from "./errors.js";
import type { Resume } from "./restart.js";
import type { DevnetRollups } from "./rollups.js";

/** The operator's bond on the devnet. */
export const DEVNET_PRECONF_BOND = 10n ** 18n;

/**
 * The devnet's one rollup, gated: on a first start a PreconfRegistry (epochs of 32 slots, a
 * 64-block exit delay) and a PreconfGatedRollup, and account #0 bonded; at a restart, the rollup
 * kept and its registry read from it (a data dir of an ungated devnet is refused: `--reset`).
 */
export async function openPreconfRollup(signer: Signer, resume: Resume, genesis: GenesisConfig | undefined): Promise<DevnetRollups & { registryAddress: string }> {
  if (!resume.fresh) {
    const rollup = nativeRollupAt(resume.state.rollupAddress!, signer);
    const gated = new Contract(resume.state.rollupAddress!, ["function PRECONF_REGISTRY() view returns (address)"], signer);
    const registryAddress = (await gated.getFunction("PRECONF_REGISTRY")().catch(() => undefined)) as string | undefined;
    if (registryAddress === undefined) throw new DevnetStartError("This data dir's rollup is not gated by a PreconfRegistry (the devnet ran without --preconf): start it without --preconf, or with --reset", { rollup: resume.state.rollupAddress! });
    return { own: [{ chainId: (await rollup.getFunction("CHAIN_ID")()) as bigint, address: resume.state.rollupAddress!, rollup }], registryAddress };
  }
  const { registry, address: registryAddress } = await deployPreconfRegistry(signer, { minBond: DEVNET_PRECONF_BOND });
  await (await registry.getFunction("register")({ value: DEVNET_PRECONF_BOND })).wait();
  const created = await deployGatedRollup(signer, registryAddress, genesis ?? defaultGenesis());
  resume.saveRollup(created.address);
  return { own: [{ chainId: created.chain.genesis.chainId, address: created.address, rollup: created.rollup }], created: [created], registryAddress };
}

/** Options of {@link startDevnetPreconf}. */
export interface DevnetPreconfOptions {
  /** The rollup connected to the operator's L1 signer (account #0: it advances). */
  rollup: Contract;
  registryAddress: string;
  provider: JsonRpcApiProvider;
  l1ChainId: bigint;
  /** The operator's chain (the devnet's proposer chain of the rollup). */
  chain: L2Chain;
  /** The rollup's node part (its journal, its chain) and the whole node's sync. */
  node: RollupNode;
  sync: () => Promise<unknown>;
  mempoolOptions?: MempoolOptions;
  dataAvailability: DataAvailability;
  intervalMs?: number;
  advanceIntervalMs?: number;
  /** Most preconfirmed blocks per L1 transaction (the preconfer's default: 8). */
  together?: number;
  /** False while a devnet's `evm_revert` runs: what it takes out is gone, not pending again. */
  handBackDropped?: () => boolean;
  log: (line: string) => void;
}

/** The preconfirming side of a running devnet. */
export interface DevnetPreconf {
  preconfer: Preconfer;
  operator: string;
  registryAddress: string;
  intervalMs: number;
  /** The pool the RPC takes transactions into: over the operator's chain, journaled in the node's store. */
  mempool: JournaledMempool;
  /** The chain served: the node's, with the preconfirmed blocks above it. */
  view(nodeView: ChainView): ChainView;
  /** `methods` (the devnet's for the rollup) with `preconf_*`, the held receipt, and the preconfirmed status over the devnet's status. */
  methods(methods: Map<string, Handler>, nodeView: () => ChainView | undefined): Map<string, Handler>;
  /** A block now (evm_mine): its number. */
  mine(): Promise<bigint>;
  /** Starts the loops (after the start's own L1 transactions: account #0 deposits too). */
  release(): void;
  stop(): Promise<void>;
}

/** The preconfer and its loops for the devnet (see the file comment). */
export async function startDevnetPreconf(options: DevnetPreconfOptions): Promise<DevnetPreconf> {
  const signer = options.rollup.runner as Signer;
  const operator = await signer.getAddress();
  // The commitments are signed here, with the same key (a JSON-RPC round trip per signature saved).
  const key = devAccounts().find((a) => a.address.toLowerCase() === operator.toLowerCase())?.privateKey;
  const signing: Signer = key === undefined ? signer : new Wallet(key);
  let loops: PreconfLoops | undefined;
  const journaled = journaledMempool(createMempool(options.chain, options.mempoolOptions), options.node.pendingJournal, { included: (hash) => options.node.getTransaction(hash) !== undefined });
  // A transaction taken in wakes the idle build loop: its block is built now, not at the next 10 ms tick.
  const mempool: JournaledMempool = {
    ...journaled,
    add: async (raw) => {
      const hash = await journaled.add(raw);
      loops?.wake();
      return hash;
    },
  };
  const preconfer = createPreconfer({
    chain: options.chain,
    rollup: options.rollup,
    provider: options.provider,
    mempool,
    operator: signing,
    registry: options.registryAddress,
    l1ChainId: options.l1ChainId,
    coinbase: operator,
    node: () => options.node,
    dataAvailability: options.dataAvailability,
    handBackDropped: options.handBackDropped,
    together: options.together,
    log: options.log,
  });
  const intervalMs = options.intervalMs ?? 250;
  let served: ChainView | undefined;
  return {
    preconfer,
    operator,
    registryAddress: options.registryAddress,
    intervalMs,
    mempool,
    view: (nodeView) => (served = preconfChainView(nodeView, options.chain)),
    methods(methods, nodeView) {
      const view = served ?? preconfChainView(nodeView()!, options.chain);
      const preconf = preconfMethods({ preconfer, view, operator, registry: preconfRegistryAt(options.registryAddress, options.provider), mempool });
      const out = new Map(methods);
      for (const [name, handler] of preconf) {
        const devnets = methods.get(name);
        // The devnet's own status (messages, the relayer) is the base the preconfirmed one builds on.
        out.set(name, devnets === undefined ? handler : (params, context) => handler(params, { ...context, base: (p) => devnets(p, context) }));
      }
      return out;
    },
    async mine() {
      const block = await preconfer.preconfirmNext({ evenEmpty: true });
      if (block === undefined) throw new DevnetStartError("evm_mine: the preconfer made no block");
      return block.number;
    },
    release() {
      loops ??= startPreconfLoops({ preconfer, node: { sync: options.sync }, intervalMs, pending: () => mempool.counts().pending, advanceIntervalMs: options.advanceIntervalMs, log: options.log });
    },
    async stop() {
      await loops?.stop();
    },
  };
}
