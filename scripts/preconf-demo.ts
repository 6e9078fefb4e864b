/**
 * `npm run preconf:demo`: the slashing demo in one command. An in-process L1 (Hardhat, EXECUTE
 * installed) with a PreconfRegistry and a PreconfGatedRollup; a node serving the preconfirming
 * view; a slasher watching it. Operator #1 equivocates (signs two blocks at one height) and is
 * slashed; operator #4 signs one block and advances another, and is slashed for divergence. A
 * wallet's transfer gets its receipt from the preconfirmation in between. Exits 0 when both
 * slashes landed, with the reward paid to the prover.
 */
import { JsonRpcProvider, Wallet, formatEther, type Signer } from "ethers";
import { network } from "hardhat";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { devAccounts } from "../src/engine/chain.js";
import { commitmentJson, createSlasher, startLocalPreconf, startPreconfLoops } from "../src/preconf/index.js";
import { signL2Transaction } from "../src/sdk/transactions.js";

const { ethers, provider } = await network.create();
const signers = (await ethers.getSigners()) as unknown as Signer[];
const say = (line: string) => console.log(line);
const local = await startLocalPreconf({ l1: provider, provider: ethers.provider as never, signers, dataDir: mkdtempSync(path.join(tmpdir(), "preconf-demo-")), misbehave: "equivocate", follow: true, log: (line) => (process.env.PRECONF_DEMO_VERBOSE ? say(line) : /preconf|slasher/.test(line) && say(line)) });
say(`L1 in process; registry ${local.registryAddress}; gated rollup ${local.deployed.address}; node ${local.rpc.url}; operator #1 ${local.operator} (bond 1 ETH, equivocates)`);
const prover = signers[6]!;
const slasher = createSlasher({ l2Url: local.rpc.url, registry: local.registry.connect(prover) as typeof local.registry, l1ChainId: local.l1ChainId, log: say });
const before = await ethers.provider.getBalance(prover);

// 1. Equivocation: a user's transfer is preconfirmed (receipt in ≈ the timer), the operator also signs another block at that height.
const loops = startPreconfLoops({ preconfer: local.preconfer, node: local.node, pending: () => local.mempool.counts().pending, log: say });
const l2 = new JsonRpcProvider(local.rpc.url, undefined, { staticNetwork: true, pollingInterval: 20 });
if (process.env.PRECONF_DEMO_VERBOSE) l2.on("debug", (e: { action: string; payload?: unknown; result?: unknown }) => say(`ethers ${e.action} ${JSON.stringify(e.payload ?? e.result)?.slice(0, 200)}`));
const user = new Wallet(devAccounts()[2]!.privateKey, l2);
const sentAt = Date.now();
const tx = await user.sendTransaction({ to: devAccounts()[19]!.address, value: 1n });
say(`user: sent ${tx.hash}`);
const receipt = await tx.wait();
say(`user: transfer ${tx.hash} has its receipt in L2 block ${receipt!.blockNumber} after ${Date.now() - sentAt} ms (preconfirmed; L1 has not seen it yet)`);
let slashes = await slasher.poll();
await loops.stop();

// 2. Divergence: operator #4 signs a block and advances another one.
const second = await local.addOperator(signers[4]!, "diverge");
say(`operator #4 ${second.address} bonded (signs one block, advances another)`);
const other = new Wallet(devAccounts()[3]!.privateKey);
const nonce = Number(await second.mempool.nextNonce(other.address));
await second.mempool.add(await signL2Transaction(second.chain, other, { nonce, to: devAccounts()[19]!.address, value: 1n, maxFeePerGas: 10n ** 10n }));
await local.node.sync();
await second.preconfer.reconcile();
const promised = await second.preconfer.preconfirmNext();
say(`operator #4 preconfirmed L2 block ${promised?.number} ${promised?.hash}`);
const divergenceSlasher = createSlasher({ l2Url: local.rpc.url, registry: local.registry.connect(prover) as typeof local.registry, l1ChainId: local.l1ChainId, log: say });
// The node serves operator #1's view; operator #4's commitments reach the slasher as a user who got them would pass them on.
for (let tries = 0; (await second.preconfer.advancePending()).length === 0; tries++) {
  // Not its slot (or open) yet: the next L1 block.
  if (tries > 16) throw new Error("operator #4 could not advance in 16 L1 blocks");
  await ethers.provider.send("evm_mine", []);
}
slashes = [...slashes, ...(await divergenceSlasher.check([commitmentJson(promised!.signed)]))];
const after = await ethers.provider.getBalance(prover);
await local.stop();
const kinds = slashes.map((s) => s.kind).sort();
say(`prover ${await prover.getAddress()}: ${slashes.length} slash(es) (${kinds.join(", ")}), balance +${formatEther(after - before)} ETH (gas paid)`);
if (kinds.join() !== "divergence,equivocation") {
  console.error("preconf demo: FAILED (expected one equivocation and one divergence slash)");
  process.exit(1);
}
say("preconf demo: ok");
process.exit(0);
