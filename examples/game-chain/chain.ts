/**
 * A game chain with a chain per session (issue 21, docs/nested.md): a game L2 settled on L1 hosts
 * the lobby (examples/game-session's GameLobby and a RollupFactory, deployed on the L2), and every
 * game session is an L3 the lobby spawns on the L2, plays there, settles to the L2 and retires.
 * N sessions run at once: each round puts one L2 transaction per session (its L3 block, verified
 * by the L2's EXECUTE) into ONE L2 block, which ONE L1 advance verifies. So L1 pays per round, not
 * per session: its gas per session and per move falls with N.
 */
import { createTxFromRLP } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { BrowserProvider, Contract, ContractFactory, Interface, type Eip1193Provider, type Signer, type Wallet } from "ethers";
import { hashL2Message } from "../../src/bridge/messages.js";
import { createL2Common } from "../../src/engine/chain.js";
import { appendBlock, createL2Chain, findTransaction, type L2Chain } from "../../src/engine/state.js";
import { loadRollupFixture, type FixtureConnection, type RollupFixture } from "../../src/fixtures/index.js";
import { advanceGasLimit, buildFittingBlock, type FittedBlock } from "../../src/proposer/propose.js";
import { chainViewOf, createRpcHandler } from "../../src/rpc/index.js";
import { parseSentMessages, proofFor, type SentMessage } from "../../src/sdk/bridge.js";
import { blockClaim, nativeRollupAt } from "../../src/sdk/contracts.js";
import { deployFactory } from "../../src/sdk/factory.js";
import { signL2Transaction } from "../../src/sdk/transactions.js";
import { UltrasoundError } from "../../src/shared/errors.js";
import { CHAIN_ID_BASE, GAME_ADDRESS, gameArtifact, lobbyArtifact, sessionGenesis, sessionGenesisCommitments } from "../game-session/genesis.js";
import { GAME_MOVES } from "../game-session/session.js";

/** Something in the run did not go as the game says it must. */
export class GameChainError extends UltrasoundError {
  override name = "GameChainError";
}

/** Options of {@link runGameChain}. */
export interface GameChainOptions {
  /** Concurrent sessions (default 4; at most 9: players are dev accounts 1–18). */
  sessions?: number;
  /** Each player's stake, on the game chain (default 1 ETH). */
  stake?: bigint;
  log?: (line: string) => void;
}

/** One round: what L1 paid for the L2 block that carried it. */
export interface GameChainRound {
  name: string;
  phase: "spawn" | "fund" | "start" | "move" | "settle";
  /** L2 transactions in the L2 block (one per session, two for deposits). */
  l2Transactions: number;
  l2GasUsed: bigint;
  /** L1 gas of the one `advance` of that L2 block (blob gas apart). */
  l1Gas: bigint;
  blobs: number;
  wallMs: number;
  /** The L2 block's number. */
  l2Block: bigint;
  /** Rounds of L3 blocks: each L3 advance's L2 gas and its L2 transaction's size in bytes. */
  l3Advances?: { l2Gas: bigint; bytes: number }[];
}

/** What {@link runGameChain} measured. */
export interface GameChainResult {
  sessions: number;
  rounds: GameChainRound[];
  /** Σ L1 gas of every round (spawn to settle), and per session and per move. */
  l1Gas: { total: bigint; perSession: bigint; perMove: bigint };
  /** The winners (X every time: GAME_MOVES) and what each L3 rollup says after the settle. */
  settled: { sessionId: bigint; rollup: string; winner: string; paid: bigint; retired: boolean; l3Blocks: number }[];
  wallMs: number;
  /** The game L2 (its fixture: chain, JSON-RPC) and the RollupFactory on it that made the sessions' L3s. */
  l2: RollupFixture;
  factoryAddress: string;
}

const MOVE_GAS = 250_000n;
const FEES = { maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
/** A session's players hold what they deposited (0.01 ETH): their moves pay near the L3's base fee. */
const L3_FEES = { maxFeePerGas: 4_000_000_000n, maxPriorityFeePerGas: 0n };

/** One session's L3: its chain as its proposer keeps it, its rollup on the L2, and its JSON-RPC. */
interface Session {
  id: bigint;
  players: [Wallet, Wallet];
  chain: L2Chain;
  rollup: Contract;
  l3: BrowserProvider;
  result?: SentMessage;
}

/**
 * Plays N tic-tac-toe sessions as L3s of a game L2 on the L1 of `connection` (an in-process
 * Hardhat network with EXECUTE) and measures the L1 gas of every round.
 */
export async function runGameChain(connection: FixtureConnection, options: GameChainOptions = {}): Promise<GameChainResult> {
  const n = options.sessions ?? 4;
  if (n < 1 || n > 9) throw new GameChainError("sessions must be 1 to 9 (two dev accounts each)", { sessions: n });
  const stake = options.stake ?? 10n ** 18n;
  const log = options.log ?? (() => {});
  const started = performance.now();

  // The game L2: a rollup on L1 whose blocks carry blobs, its dev accounts funded at genesis.
  const l2 = await loadRollupFixture(connection, { dataAvailability: "blobs" });
  const l2Eth = new BrowserProvider(l2.provider, undefined, { cacheTimeout: -1, pollingInterval: 20 });
  const operator = await l2Eth.getSigner(0);
  // Infrastructure, once for every session (not counted): the factory and the lobby, on the L2.
  const factory = await deployFactory(operator);
  const commitments = await sessionGenesisCommitments();
  const lobbyDeployment = await new ContractFactory(lobbyArtifact().abi as never, lobbyArtifact().bytecode, operator).deploy(
    await factory.getAddress(), GAME_ADDRESS, commitments.genesisHash, commitments.genesisStateRoot, commitments.genesisTimestamp, commitments.gasLimit, CHAIN_ID_BASE,
  );
  await lobbyDeployment.waitForDeployment();
  const lobby = new Contract(await lobbyDeployment.getAddress(), lobbyArtifact().abi as never, l2Eth);
  log(`game L2 ${l2.address} on L1; lobby ${await lobby.getAddress()} and factory ${await factory.getAddress()} on the L2; ${n} sessions`);

  const rounds: GameChainRound[] = [];
  /** Sends the queued L2 transactions in one L2 block, verified by one L1 advance. */
  const round = async (phase: GameChainRound["phase"], name: string, queue: () => Promise<number>): Promise<GameChainRound> => {
    const t0 = performance.now();
    const count = await queue();
    const proposed = await l2.advance();
    const r: GameChainRound = { name, phase, l2Transactions: count, l2GasUsed: proposed.block.header.gasUsed, l1Gas: proposed.l1Receipt.gasUsed, blobs: proposed.sidecar?.blobs.length ?? 0, wallMs: performance.now() - t0, l2Block: proposed.block.header.number };
    rounds.push(r);
    log(`${phase.padEnd(7)}${name.padEnd(52)}${r.l2Transactions.toString().padStart(6)}${fmt(r.l2GasUsed).padStart(13)}${fmt(r.l1Gas).padStart(11)}${r.blobs.toString().padStart(6)}${Math.round(r.wallMs).toString().padStart(8)}`);
    return r;
  };
  const sendL2 = async (wallet: Wallet | Signer, request: { to: string; data: string; value?: bigint; gasLimit: bigint }): Promise<string> => {
    const w = wallet as Wallet;
    const nonce = Number(await l2.mempool.nextNonce(w.address));
    return l2.sendRaw(await signL2Transaction(l2.chain, w, { nonce, ...request, ...FEES }));
  };
  const operatorWallet = l2.wallets[0]!;
  log(`${"phase".padEnd(7)}${"round (one L2 block, one L1 advance)".padEnd(52)}${"L2 txs".padStart(6)}${"L2 gas".padStart(13)}${"L1 gas".padStart(11)}${"blobs".padStart(6)}${"wall ms".padStart(8)}`);

  // 1. spawn: N opens, then N joins (each join creates the session's L3 through the factory on the L2).
  const pairs = Array.from({ length: n }, (_, i) => [l2.wallets[1 + 2 * i]!, l2.wallets[2 + 2 * i]!] as [Wallet, Wallet]);
  await round("spawn", `${n} × open: player 1 stakes, names player 2`, async () => {
    for (const [x, o] of pairs) await sendL2(x, { to: await lobby.getAddress(), data: lobby.interface.encodeFunctionData("open", [o.address]), value: stake, gasLimit: 200_000n });
    return n;
  });
  const firstId = (await lobby.getFunction("sessionCount")()) as bigint - BigInt(n) + 1n;
  const joins: string[] = [];
  await round("spawn", `${n} × join: createRollup on the L2 + game start queued`, async () => {
    for (const [i, [, o]] of pairs.entries()) joins.push(await sendL2(o, { to: await lobby.getAddress(), data: lobby.interface.encodeFunctionData("join", [firstId + BigInt(i)]), value: stake, gasLimit: 1_000_000n }));
    return n;
  });
  const sessions: Session[] = [];
  for (const [i, players] of pairs.entries()) {
    const id = firstId + BigInt(i);
    const found = findTransaction(l2.chain, joins[i]!);
    if (found?.status !== 1) throw new GameChainError("A join failed on the game chain", { session: id });
    const info = (await lobby.getFunction("sessions")(id)) as { rollup: string };
    const chain = await createL2Chain({ ...sessionGenesis(CHAIN_ID_BASE + id), nestingDepth: 1 });
    const rpc = createRpcHandler({ view: chainViewOf(chain) });
    const l3 = new BrowserProvider({ request: (args) => rpc.request(args) } as Eip1193Provider, undefined, { cacheTimeout: -1, pollingInterval: 20 });
    sessions.push({ id, players, chain, rollup: nativeRollupAt(info.rollup, l2Eth), l3 });
  }

  // 2. fund: both players deposit L2 ETH into their session for its gas.
  const rollupInterface = sessions[0]!.rollup.interface;
  await round("fund", `${2 * n} deposits: L2 → each session's L3`, async () => {
    for (const s of sessions) for (const p of s.players) await sendL2(p, { to: await s.rollup.getAddress(), data: rollupInterface.encodeFunctionData("deposit", [p.address]), value: 10n ** 16n, gasLimit: 200_000n });
    return 2 * n;
  });

  /** Builds each session's next L3 block of `transactions(s)` and queues its `advance` on the L2; after the round, appends the verified ones. */
  const l3Round = async (phase: GameChainRound["phase"], name: string, transactions: (s: Session) => Promise<Uint8Array[]>): Promise<void> => {
    const built: { s: Session; fitted: FittedBlock; hash: string }[] = [];
    const r = await round(phase, name, async () => {
      for (const s of sessions) {
        const common = createL2Common(s.chain.genesis.chainId);
        const txs = (await transactions(s)).map((raw) => createTxFromRLP(raw, { common }));
        const fitted = await buildFittingBlock({ chain: s.chain, rollup: s.rollup, provider: l2Eth, coinbase: operatorWallet.address, transactions: txs });
        if (fitted.block.transactions.length !== txs.length) throw new GameChainError("An L3 transaction could not apply", { session: s.id, skipped: fitted.block.skipped.map((k) => k.reason) });
        const claim = blockClaim(fitted.block.header, fitted.anchor.number, fitted.delivery.messageCount);
        const { transactions: body, witness, messages } = fitted.block.input;
        const data = rollupInterface.encodeFunctionData("advance", [claim, body, witness, messages]);
        const gasLimit = advanceGasLimit(fitted.block.input, hexToBytes(data as `0x${string}`), "l1-gas");
        built.push({ s, fitted, hash: await sendL2(operatorWallet, { to: await s.rollup.getAddress(), data, gasLimit }) });
      }
      return sessions.length;
    });
    r.l3Advances = [];
    for (const { s, fitted, hash } of built) {
      const included = findTransaction(l2.chain, hash);
      r.l3Advances.push({ l2Gas: included?.gasUsed ?? 0n, bytes: included?.tx.serialize().length ?? 0 });
      if (included?.status !== 1) throw new GameChainError("An L3 advance failed on the game chain", { session: s.id, l3Block: fitted.block.header.number });
      appendBlock(s.chain, { header: fitted.block.header, transactions: fitted.block.transactions, receipts: fitted.block.receipts });
    }
  };

  // 3. start: each L3's block 1 delivers the game's start and both deposits.
  await l3Round("start", `${n} L3 blocks #1: game start + deposits delivered`, async () => []);
  // 4. play: one move per session per round, each session's move in its own L3 block.
  const game = new Interface(gameArtifact().abi as never);
  const moveHashes = new Map<Session, string>();
  for (const [i, move] of GAME_MOVES.entries()) {
    await l3Round("move", `${n} L3 blocks: move ${i + 1} (${move.player === 0 ? "X" : "O"} → cell ${move.cell})`, async (s) => {
      const player = s.players[move.player];
      const nonce = Math.floor(i / 2);
      const raw = await signL2Transaction(s.chain, player, { nonce, to: GAME_ADDRESS, data: game.encodeFunctionData("play", [move.cell]), gasLimit: MOVE_GAS, ...L3_FEES });
      moveHashes.set(s, bytesToHex(createTxFromRLP(hexToBytes(raw as `0x${string}`), { common: createL2Common(s.chain.genesis.chainId) }).hash()));
      return [hexToBytes(raw as `0x${string}`)];
    });
  }
  // The winning move sent the result to the lobby through each L3's messenger.
  for (const s of sessions) {
    const receipt = (await s.l3.getTransactionReceipt(moveHashes.get(s)!))!;
    const [message] = parseSentMessages(receipt.logs);
    if (receipt.status !== 1 || message === undefined) throw new GameChainError("The last move sent no result", { session: s.id, status: receipt.status });
    s.result = { message, hash: hashL2Message(message), receipt, l2BlockNumber: BigInt(receipt.blockNumber) };
  }

  // 5. settle: each result claimed on the L2 with a storage proof; the lobby pays and retires the L3.
  const before = await Promise.all(sessions.map(async (s) => (await l2.account(s.players[0].address)).balance));
  await round("settle", `${n} × claim: lobby pays the pot, retires the L3`, async () => {
    for (const s of sessions) {
      const proof = await proofFor(s.rollup, s.l3, s.result!);
      const data = rollupInterface.encodeFunctionData("claim", [s.result!.message, proof.l2BlockNumber, proof.accountProof, proof.storageProof]);
      await sendL2(operatorWallet, { to: await s.rollup.getAddress(), data, gasLimit: 1_500_000n });
    }
    return n;
  });
  const settled: GameChainResult["settled"] = [];
  for (const [i, s] of sessions.entries()) {
    const info = (await lobby.getFunction("sessions")(s.id)) as { status: bigint };
    const retired = (await s.rollup.getFunction("retired")()) as boolean;
    if (Number(info.status) !== 3 || !retired) throw new GameChainError("A session did not settle", { session: s.id, status: info.status, retired });
    const paid = (await l2.account(s.players[0].address)).balance - before[i]!;
    settled.push({ sessionId: s.id, rollup: await s.rollup.getAddress(), winner: s.players[0].address, paid, retired, l3Blocks: s.chain.headers.length - 1 });
  }

  const total = rounds.reduce((a, r) => a + r.l1Gas, 0n);
  const moves = rounds.filter((r) => r.phase === "move").reduce((a, r) => a + r.l1Gas, 0n);
  return {
    sessions: n,
    rounds,
    l1Gas: { total, perSession: total / BigInt(n), perMove: moves / BigInt(n * GAME_MOVES.length) },
    settled,
    wallMs: performance.now() - started,
    l2,
    factoryAddress: await factory.getAddress(),
  };
}

/** A number with thousands separators. */
export function fmt(value: bigint | number): string {
  return BigInt(value).toLocaleString("en-US");
}

/** What {@link formatComparison} reads of examples/game-session's result. */
export interface DirectSessionFigures {
  summary: { spawn: bigint; fund: bigint; settle: bigint; total: bigint; moves: bigint[]; l1Game: { total: bigint; moves: bigint[] } };
}

/** The table: L1 gas per session and per move, as L3s of a game chain, as rollups on L1, and the game on L1. */
export function formatComparison(chain: GameChainResult, direct: DirectSessionFigures): string[] {
  const s = direct.summary;
  const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
  const directPerMove = sum(s.moves) / BigInt(s.moves.length);
  const l1PerMove = sum(s.l1Game.moves) / BigInt(s.l1Game.moves.length);
  const rows: [string, bigint, bigint][] = [
    [`session as an L3 of the game chain (${chain.sessions} at once)`, chain.l1Gas.perSession, chain.l1Gas.perMove],
    // The same steps as the L3 sessions (spawn, fund, start, moves, settle); game-session also
    // withdraws the players' leftovers (a cash-out advance and two claims), left out here.
    ["session as a rollup settled on L1 (examples/game-session)", s.spawn + s.fund + sum(s.moves) + s.settle, directPerMove],
    ["the game played on L1 (deploy + start + moves)", s.l1Game.total, l1PerMove],
  ];
  return [
    `${"L1 gas".padEnd(62)}${"per session".padStart(13)}${"per move".padStart(11)}`,
    ...rows.map(([name, session, move]) => `${name.padEnd(62)}${fmt(session).padStart(13)}${fmt(move).padStart(11)}`),
    `${chain.sessions} sessions spawned, played (${chain.rounds.filter((r) => r.phase === "move").length} moves each) and settled in ${(chain.wallMs / 1000).toFixed(1)} s: ` +
      `${chain.rounds.length} L2 blocks, ${chain.rounds.length} L1 advances; L1 gas in all ${fmt(chain.l1Gas.total)}`,
  ];
}
