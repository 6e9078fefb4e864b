import type { L2Chain } from "../engine/state.js";

/**
 * The chain as it was at block `number`: the same state database (every version of the state is
 * kept: trie nodes are content-addressed and never deleted) with the canonical headers and blocks
 * cut at `number`, so that the engine's head queries (`getL2Account`, `getL2Storage`, …) read that
 * block's state and BLOCKHASH sees only its ancestors. A read-only view: never append to it.
 */
export function chainAt(chain: L2Chain, number: bigint): L2Chain {
  const head = BigInt(chain.headers.length - 1);
  if (number >= head) return chain;
  const length = Number(number) + 1;
  return {
    genesis: chain.genesis,
    db: chain.db,
    headers: chain.headers.slice(0, length),
    blocks: chain.blocks.slice(0, length),
    transactionIndex: chain.transactionIndex,
  };
}
