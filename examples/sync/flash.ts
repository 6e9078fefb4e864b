/**
 * The flash-loan example (docs/sync.md, examples/sync/flash-loan.ts), as functions the runner and
 * the test (test/examples/flash.test.ts) share. ONE L1 transaction:
 *
 *   borrow ETH on L1 (FlashLender) → buy TOK with it on L2 (L2TokenAmm, a sync L1 → L2 call; its
 *   answer mints the TOK on L1, SyncBridgedToken) → sell the TOK on L1 (L1TokenAmm) → repay the
 *   loan and its fee → keep the profit.
 *
 * The L2 block that makes the purchase is verified by EXECUTE in that same transaction.
 */
import { ContractFactory, Interface, getCreateAddress, parseEther, formatEther, type Contract, type Signer } from "ethers";
import type { RollupFixture } from "../../src/fixtures/index.js";
import type { SentSync } from "../../src/sdk/sync.js";
import { loadArtifact } from "../../src/shared/artifacts.js";

const artifact = (name: string) => loadArtifact(`examples/sync/flash/${name}.sol`, name);
/** The example's ABIs. */
export const flashInterfaces = () => ({
  l2Amm: new Interface(artifact("L2TokenAmm").abi as never),
  token: new Interface(artifact("SyncBridgedToken").abi as never),
  l1Amm: new Interface(artifact("L1TokenAmm").abi as never),
  lender: new Interface(artifact("FlashLender").abi as never),
  arbitrageur: new Interface(artifact("FlashArbitrageur").abi as never),
});

/** The example's contracts. */
export interface FlashDeployment {
  l2Amm: string;
  proxy: string;
  token: Contract;
  l1Amm: Contract;
  lender: Contract;
  arbitrageur: Contract;
}

/** The pools' sizes: L2 100 ETH : 100,000 TOK; L1 20 ETH : what 12 ETH buys on L2 (≈ 10,700 TOK): TOK dearer on L1. */
export const POOLS = { l2Eth: parseEther("100"), l2Tok: parseEther("100000"), l1Eth: parseEther("20"), l1Seed: parseEther("12"), lent: parseEther("50") };

async function deploy(name: string, signer: Signer, args: unknown[], value = 0n): Promise<Contract> {
  const a = artifact(name);
  const contract = (await new ContractFactory(a.abi as never, a.bytecode, signer).deploy(...args, { value })) as unknown as Contract;
  await contract.waitForDeployment();
  return contract;
}

/**
 * Deploys the pool on L2 (one L2 block), its L2Proxy, TOK, the L1 pool (seeded with TOK bought on
 * L2 by a sync call), the lender (funded) and the arbitrageur (its profit to `signer`).
 */
export async function deployFlash(l2: RollupFixture, signer: Signer): Promise<FlashDeployment> {
  const nonce = Number((await l2.account(l2.wallets[0]!.address)).nonce);
  const l2AmmArtifact = artifact("L2TokenAmm");
  await l2.send({ data: l2AmmArtifact.bytecode + flashInterfaces().l2Amm.encodeDeploy([POOLS.l2Tok]).slice(2), value: POOLS.l2Eth, gasLimit: 2_000_000n });
  await l2.advance();
  const l2Amm = getCreateAddress({ from: l2.wallets[0]!.address, nonce });
  const proxy = await l2.l2Proxy(l2Amm);
  const token = await deploy("SyncBridgedToken", signer, [proxy]);
  const l1Amm = await deploy("L1TokenAmm", signer, [await token.getAddress()], POOLS.l1Eth);
  // The L1 pool's TOK: bought on L2 by a sync call, minted to the pool.
  await l2.sync({ target: await token.getAddress(), data: flashInterfaces().token.encodeFunctionData("buyOnL2", [await l1Amm.getAddress(), 0n]), value: POOLS.l1Seed });
  const lender = await deploy("FlashLender", signer, []);
  await (await signer.sendTransaction({ to: await lender.getAddress(), value: POOLS.lent })).wait();
  const arbitrageur = await deploy("FlashArbitrageur", signer, [await lender.getAddress(), await token.getAddress(), await l1Amm.getAddress(), await signer.getAddress()]);
  return { l2Amm, proxy, token, l1Amm, lender, arbitrageur };
}

/** What the flash loan did, for the table. */
export interface FlashRun {
  sent: SentSync;
  borrowed: bigint;
  fee: bigint;
  tokens: bigint;
  ethBack: bigint;
  profit: bigint;
  /** TOK held for SyncBridgedToken on L2 and TOK supply on L1 after the run (equal: fully backed). */
  escrowOnL2: bigint;
  supplyOnL1: bigint;
  ms: number;
}

/** Runs the arbitrage with `amount` borrowed: one sync L1 transaction. */
export async function runFlash(l2: RollupFixture, d: FlashDeployment, amount: bigint): Promise<FlashRun> {
  const i = flashInterfaces();
  const started = performance.now();
  const sent = await l2.sync({ target: await d.arbitrageur.getAddress(), data: i.arbitrageur.encodeFunctionData("run", [amount]), interfaces: [i.arbitrageur, i.lender, i.l1Amm, i.token, i.l2Amm] });
  const ms = Math.round(performance.now() - started);
  const read = async (name: string) => (await d.arbitrageur.getFunction(name)()) as bigint;
  const escrow = await l2.call({ to: d.l2Amm, data: i.l2Amm.encodeFunctionData("escrowOf", [await d.token.getAddress()]) });
  return {
    sent,
    borrowed: await read("lastBorrowed"),
    fee: (amount * 1n) / 1000n,
    tokens: await read("lastTokens"),
    ethBack: await read("lastEthBack"),
    profit: await read("lastProfit"),
    escrowOnL2: BigInt(escrow),
    supplyOnL1: (await d.token.getFunction("totalSupply")()) as bigint,
    ms,
  };
}

/** The run as a table: each step, where it ran, and the one L1 transaction that holds them all. */
export function formatFlash(run: FlashRun): string {
  const eth = (wei: bigint) => `${Number(formatEther(wei)).toFixed(4)} ETH`;
  const tok = (wei: bigint) => `${Number(formatEther(wei)).toFixed(2)} TOK`;
  const { receipt, event, prepared } = run.sent;
  const rows = [
    ["where", "step", "amount"],
    ["L1", "FlashLender lends", eth(run.borrowed)],
    ["L2", `L2TokenAmm sells TOK for it (sync call, L2 block ${event.number}, verified by EXECUTE in this transaction)`, tok(run.tokens)],
    ["L1", "SyncBridgedToken mints the L2 answer (escrowed on L2 for it)", tok(run.tokens)],
    ["L1", "L1TokenAmm buys the TOK", eth(run.ethBack)],
    ["L1", "FlashLender is repaid (0.1% fee)", eth(run.borrowed + run.fee)],
    ["L1", "profit, to the owner", eth(run.profit)],
    ["", `TOK backing: escrowed on L2 / supply on L1`, `${tok(run.escrowOnL2)} / ${tok(run.supplyOnL1)}`],
    ["", `all of it: 1 L1 transaction, L1 block ${receipt.blockNumber}, ${prepared.calls.length} L2 call, ${prepared.rounds} build rounds, ${run.ms} ms`, `${receipt.gasUsed.toLocaleString("en-US")} L1 gas`],
  ];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ")).join("\n");
}
