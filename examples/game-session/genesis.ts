/**
 * The genesis every game session's rollup starts from (contracts/examples/game-session): the
 * L2 predeploys, and the TicTacToe game's runtime code at {@link GAME_ADDRESS} with its
 * messenger set (storage slot 0) and no players. It is the same for every session but the chain
 * id, which is in no header or state: one genesis hash and state root, held by the lobby.
 */
import { zeroPadValue } from "ethers";
import { PREDEPLOYS } from "../../src/engine/chain.js";
import { defaultGenesis, type GenesisConfig } from "../../src/engine/genesis.js";
import { createL2Chain } from "../../src/engine/state.js";
import { loadArtifact, type Artifact } from "../../src/shared/artifacts.js";
import { bytesToHex } from "@ethereumjs/util";

/** Where the game lives on every session's L2 (outside the `0x55…` predeploy range). */
export const GAME_ADDRESS = "0x6a3e000000000000000000000000000000000001";
/** Session `id` runs on chain id `CHAIN_ID_BASE + id`. */
export const CHAIN_ID_BASE = 0x6a3e_0000n;
/** The sessions' L2 block gas limit (the project's default). */
export const SESSION_GAS_LIMIT = 60_000_000n;

const SOURCE = "examples/game-session";
export const gameArtifact = (): Artifact => loadArtifact(`${SOURCE}/TicTacToe.sol`, "TicTacToe");
export const lobbyArtifact = (): Artifact => loadArtifact(`${SOURCE}/GameLobby.sol`, "GameLobby");
export const stubArtifact = (): Artifact => loadArtifact(`${SOURCE}/L1MessengerStub.sol`, "L1MessengerStub");

/** The genesis of session chain `chainId`. */
export function sessionGenesis(chainId: bigint = CHAIN_ID_BASE): GenesisConfig {
  return defaultGenesis({
    chainId,
    gasLimit: SESSION_GAS_LIMIT,
    alloc: {
      [GAME_ADDRESS]: {
        code: gameArtifact().deployedBytecode,
        // TicTacToe's slot 0 is `messenger`.
        storage: { [zeroPadValue("0x00", 32)]: zeroPadValue(PREDEPLOYS.messenger, 32) },
      },
    },
  });
}

/** The genesis commitments the lobby is deployed with (its constructor's genesis arguments). */
export async function sessionGenesisCommitments(): Promise<{ genesisHash: string; genesisStateRoot: string; genesisTimestamp: bigint; gasLimit: bigint }> {
  const genesis = sessionGenesis();
  const header = (await createL2Chain(genesis)).headers[0]!;
  return { genesisHash: bytesToHex(header.hash()), genesisStateRoot: bytesToHex(header.stateRoot), genesisTimestamp: genesis.timestamp, gasLimit: genesis.gasLimit };
}
