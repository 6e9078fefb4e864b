/**
 * Ethereum conformance: runs execution-spec-tests (EEST) state tests through the L2 engine's
 * public path — `buildBlock`, then `execute` on what it built — and compares the post state with
 * the fixture: state root, logs hash, and every account of the fixture's post `state`.
 *
 * How a state test becomes an L2 block (the mapping, in one place):
 * - Genesis = the fixture's `pre`, exactly: no dev accounts, no `L2Anchor` predeploy. The engine
 *   still makes its anchor system call before the transactions; against an account with no code
 *   it changes nothing (the touched empty account is swept, the system account restored). So the
 *   post root *is* comparable with the fixture's `hash`, with nothing excluded or recomputed; the
 *   refused cases check the no-op every time (their post root must equal the pre root).
 * - Block 1 = the fixture's transaction alone (its `txbytes`, as signed), with env's coinbase,
 *   timestamp and prevRandao; the L1 anchor (parentBeaconBlockRoot) is zero, as state tests
 *   make no beacon-root call. The engine takes gas limit and base fee from the parent, so the
 *   genesis header carries env's gas limit and a base fee whose successor is env's base fee.
 * - Chain id = the fixture's (`config.chainid`): the transactions are signed for it.
 *
 * Outcomes: `passed` (the engine agrees with Ethereum); `mapped` (a documented L2 difference,
 * whose L2 behaviour is verified: a blob transaction must be refused by the builder and by
 * `execute`); `skipped` (the case cannot be expressed as an L2 block, counted by reason);
 * `failed` (a disagreement, with expected and got values; known engine defects are named).
 */
import { TransactionType } from "@ethereumjs/tx";
import { MapDB } from "@ethereumjs/util";
import type { Log } from "@ethereumjs/evm";
import { RLP } from "@ethereumjs/rlp";
import { keccak_256 as keccak256 } from "@noble/hashes/sha3.js";
import {
  BlobTransactionNotAllowedError,
  buildBlock,
  chainHead,
  createL2Chain,
  encodeTransactions,
  encodeWitness,
  execute,
  InvalidTransactionError,
  PREDEPLOYS,
  SYSTEM_ADDRESS,
  TransactionDecodeError,
  type BuiltBlock,
  type L2Chain,
  type Witness,
} from "../engine/index.js";
import { bytesToHex, bytesEqual } from "../shared/bytes.js";
import { loadFixtures, type ConformanceCase } from "./fixtures.js";
import { KNOWN_DEFECTS, MAPPED, type CaseResult, type ConformanceReport } from "./results.js";
import { allocFromPre, diffPostState, parentBaseFeeFor, wholeStateWitness, type Mismatch } from "./state.js";

export { loadFixtures, CONFORMANCE_FORK, FixtureFormatError, type ConformanceCase, type FixtureSet, type FixtureAccount } from "./fixtures.js";
export type { Mismatch } from "./state.js";
export { summarize, formatReport, type ConformanceSummary } from "./report.js";
export { KNOWN_DEFECTS, MAPPED, type CaseResult, type ConformanceReport } from "./results.js";

/** Options of {@link runConformance}. */
export interface RunOptions {
  /** Runs (and counts) only the entries it accepts, by id and group (default: all). */
  select?: (entry: { id: string; group: string }) => boolean;
  /** Called after each case (progress). */
  onResult?: (result: CaseResult, done: number, total: number) => void;
}

/**
 * Loads the state tests under `dir` and runs them one by one (a case is a fresh chain: nothing
 * carries over). Entries for forks other than Osaka are reported as skipped, by fork.
 */
export async function runConformance(dir: string, options: RunOptions = {}): Promise<ConformanceReport> {
  const set = loadFixtures(dir);
  const select = options.select ?? (() => true);
  const cases = set.cases.filter(select);
  const results: CaseResult[] = set.otherForks.filter(select).map((entry) => ({
    id: entry.id,
    group: entry.group,
    outcome: "skipped",
    reason: `post for ${entry.fork}, not Osaka: the L2 runs Osaka only`,
  }));
  for (const [index, testCase] of cases.entries()) {
    const result = await runCase(testCase);
    results.push(result);
    options.onResult?.(result, index + 1, cases.length);
  }
  return { dir, files: set.files, results };
}

/**
 * Runs one case through `buildBlock` and `execute` and compares with the fixture. Never throws:
 * an exception anywhere is a failed case that says where it came from.
 */
export async function runCase(testCase: ConformanceCase): Promise<CaseResult> {
  const unsupported = unsupportedReason(testCase);
  if (unsupported !== undefined) return { id: testCase.id, group: testCase.group, outcome: "skipped", reason: unsupported };
  let checked: Checked;
  try {
    checked = await checkCase(testCase);
  } catch (error) {
    return failed(testCase, "the runner or the engine threw", [{ what: "run", expected: "no exception", got: firstLine(error) }]);
  }
  const { mismatches, refusal } = checked;
  if (mismatches.length > 0) return failed(testCase, "differs from the fixture", mismatches);
  if (isBlobTransaction(testCase)) {
    const reason = testCase.expected.exception === undefined ? MAPPED.blobValidOnL1 : MAPPED.blobInvalidOnL1;
    return { id: testCase.id, group: testCase.group, outcome: "mapped", reason, refusal };
  }
  return { id: testCase.id, group: testCase.group, outcome: "passed", refusal };
}

/** The disagreements found, and for a refused transaction how the engine refused it. */
interface Checked {
  mismatches: Mismatch[];
  refusal?: string;
}

/** Why a case cannot be expressed as block 1 of an L2 chain with the fixture's pre as genesis. */
function unsupportedReason(testCase: ConformanceCase): string | undefined {
  if (testCase.env.number !== 1n) return "env.currentNumber is not 1: the engine builds block 1 on the genesis";
  if (testCase.env.excessBlobGas !== 0n) return "env.currentExcessBlobGas is not 0: L2 headers carry no blob gas";
  if (testCase.env.gasLimit < 2n) return "env.currentGasLimit below 2: no EIP-1559 parent gives its base fee";
  const pre = new Set(Object.keys(testCase.pre).map((a) => a.toLowerCase()));
  if (pre.has(PREDEPLOYS.anchor)) return "pre holds an account at the L2Anchor predeploy address";
  if (pre.has(SYSTEM_ADDRESS)) return "pre holds an account at the system address";
  return undefined;
}

function isBlobTransaction(testCase: ConformanceCase): boolean {
  return testCase.txbytes[0] === TransactionType.BlobEIP4844;
}

/** Builds block 1 from the case and returns every disagreement with the fixture (none: it passes). */
async function checkCase(testCase: ConformanceCase): Promise<Checked> {
  const db = new MapDB<string, Uint8Array>();
  const chain = await createL2Chain(
    {
      chainId: testCase.chainId,
      gasLimit: testCase.env.gasLimit,
      timestamp: 0n,
      baseFeePerGas: parentBaseFeeFor(testCase.env.baseFee),
      alloc: allocFromPre(testCase.pre),
    },
    db,
  );
  const genesis = chainHead(chain);
  if (genesis.calcNextBaseFee() !== testCase.env.baseFee) {
    // parentBaseFeeFor is wrong, not the engine: say so rather than report a base-fee mismatch.
    throw new Error(`runner: genesis base fee ${genesis.baseFeePerGas} gives ${genesis.calcNextBaseFee()}, not ${testCase.env.baseFee}`);
  }
  // Taken before building: buildBlock writes the post-state nodes into the same database.
  const preState = wholeStateWitness(db, genesis);
  let built: BuiltBlock;
  try {
    built = await buildBlock(chain, {
      transactions: [testCase.txbytes],
      timestamp: testCase.env.timestamp,
      coinbase: testCase.env.coinbase,
      prevRandao: testCase.env.prevRandao,
      anchor: new Uint8Array(32),
    });
  } catch (error) {
    return { mismatches: [{ what: "buildBlock", expected: "a block", got: `threw: ${firstLine(error)}` }] };
  }
  const refusalExpected = isBlobTransaction(testCase) || testCase.expected.exception !== undefined;
  const checked = refusalExpected ? await checkRefused(testCase, chain, built, preState) : { mismatches: await checkApplied(testCase, chain, built) };
  return { ...checked, mismatches: [...envMismatches(testCase, built), ...checked.mismatches] };
}

/** The block must have run in the fixture's environment (the mapping above, checked each time). */
function envMismatches(testCase: ConformanceCase, built: BuiltBlock): Mismatch[] {
  const { header } = built;
  const mismatches: Mismatch[] = [];
  const pairs: [string, bigint | string, bigint | string][] = [
    ["header.number", testCase.env.number, header.number],
    ["header.timestamp", testCase.env.timestamp, header.timestamp],
    ["header.gasLimit", testCase.env.gasLimit, header.gasLimit],
    ["header.baseFeePerGas", testCase.env.baseFee, header.baseFeePerGas ?? -1n],
    ["header.coinbase", bytesToHex(testCase.env.coinbase), header.coinbase.toString()],
    ["header.prevRandao", bytesToHex(testCase.env.prevRandao), bytesToHex(header.mixHash)],
  ];
  for (const [what, expected, got] of pairs) {
    if (expected !== got) mismatches.push({ what, expected: String(expected), got: String(got) });
  }
  return mismatches;
}

/**
 * The transaction must stay out of the block: the builder skips it, the block without it is
 * valid (`execute` accepts it, post root = pre root), and the same block with it forced in is
 * refused by `execute` because of that transaction.
 */
async function checkRefused(testCase: ConformanceCase, chain: L2Chain, built: BuiltBlock, preState: Witness): Promise<Checked> {
  const mismatches: Mismatch[] = [];
  const blob = isBlobTransaction(testCase);
  const genesis = chainHead(chain);
  if (built.transactions.length > 0) {
    mismatches.push({ what: "buildBlock", expected: "transaction refused", got: `included (status ${receiptStatus(built)})` });
  } else if (blob && !/blob transactions \(type 3\) are not allowed/i.test(built.skipped[0]?.reason ?? "")) {
    mismatches.push({ what: "buildBlock refusal", expected: "blob transactions not allowed on L2", got: built.skipped[0]?.reason ?? "no reason" });
  }
  // Nothing applied, so nothing changed. For an invalid transaction Ethereum agrees (the
  // fixture's hash is its pre root); a blob transaction valid on L1 changed L1's state, not ours.
  const expectedRoot = blob && testCase.expected.exception === undefined ? bytesToHex(genesis.stateRoot) : testCase.expected.hash;
  compareHex(mismatches, "stateRoot", expectedRoot, bytesToHex(built.header.stateRoot));
  if (testCase.expected.exception !== undefined) compareHex(mismatches, "logs", testCase.expected.logs, logsHash([]));

  mismatches.push(...(await checkExecuteAccepts(built, "execute (block without the transaction)")));

  // It claims the block's whole gas limit as gas used: the most any block can pay for, so that
  // what refuses it is the transaction check, not the verifier's gas budget.
  const forced = {
    ...built.input,
    gasUsed: built.input.gasLimit,
    transactions: encodeTransactions([testCase.txbytes]),
    witness: encodeWitness(preState),
  };
  const refusal = await execute(forced).then(
    () => undefined,
    (error: unknown) => error,
  );
  const wanted = blob ? [BlobTransactionNotAllowedError] : [InvalidTransactionError, TransactionDecodeError];
  if (!wanted.some((kind) => refusal instanceof kind)) {
    mismatches.push({
      what: "execute (block including the transaction)",
      expected: `refused with ${wanted.map((kind) => kind.name).join(" or ")}`,
      got: refusal === undefined ? "accepted" : `${(refusal as Error).name}: ${firstLine(refusal)}`,
    });
  }
  const builder = built.skipped[0] === undefined ? "included" : built.skipped[0].reason.replace(/\n\s*/g, "; ");
  const verifier = refusal === undefined ? "accepted" : `${(refusal as Error).name}: ${firstLine(refusal)}`;
  return { mismatches, refusal: `buildBlock skipped it (${builder}); execute: ${verifier}` };
}

/**
 * The transaction must be in the block with the fixture's post state (root, logs, accounts), and
 * `execute` must accept the block from the builder's witness alone.
 */
async function checkApplied(testCase: ConformanceCase, chain: L2Chain, built: BuiltBlock): Promise<Mismatch[]> {
  if (built.transactions.length !== 1) {
    return [{ what: "buildBlock", expected: "transaction included", got: `refused: ${built.skipped[0]?.reason ?? "no reason"}` }];
  }
  const mismatches: Mismatch[] = [];
  compareHex(mismatches, "stateRoot", testCase.expected.hash, bytesToHex(built.header.stateRoot));
  compareHex(mismatches, "logs", testCase.expected.logs, logsHash(built.receipts[0]!.logs));
  if (testCase.expected.state !== undefined) {
    const others = [bytesToHex(testCase.env.coinbase), built.transactions[0]!.getSenderAddress().toString()];
    mismatches.push(...(await diffPostState(chain.db, built.header.stateRoot, testCase.expected.state, testCase.pre, others)));
  }
  mismatches.push(...(await checkExecuteAccepts(built, "execute")));
  return mismatches;
}

/** `execute` on the builder's own EXECUTE input must return the built block's hash. */
async function checkExecuteAccepts(built: BuiltBlock, what: string): Promise<Mismatch[]> {
  try {
    const result = await execute(built.input);
    if (bytesEqual(result.blockHash, built.header.hash())) return [];
    return [{ what: `${what} block hash`, expected: bytesToHex(built.header.hash()), got: bytesToHex(result.blockHash) }];
  } catch (error) {
    return [{ what, expected: "accepted", got: `${(error as Error).name}: ${firstLine(error)}` }];
  }
}

/** keccak256(rlp(logs)): the `logs` field of a state-test post entry. */
function logsHash(logs: Log[]): string {
  return bytesToHex(keccak256(RLP.encode(logs)));
}

function receiptStatus(built: BuiltBlock): string {
  const receipt = built.receipts[0];
  return receipt !== undefined && "status" in receipt ? String(receipt.status) : "?";
}

function compareHex(mismatches: Mismatch[], what: string, expected: string, got: string): void {
  if (expected.toLowerCase() !== got.toLowerCase()) mismatches.push({ what, expected, got });
}

function failed(testCase: ConformanceCase, reason: string, mismatches: Mismatch[]): CaseResult {
  const text = [reason, ...mismatches.map((m) => m.got)].join("\n");
  const knownDefect = KNOWN_DEFECTS.find((defect) => defect.pattern.test(text))?.id;
  return { id: testCase.id, group: testCase.group, outcome: "failed", reason, mismatches, knownDefect };
}

/** An error's first line: engine errors put their details on the following lines. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const details = error instanceof Error && "details" in error ? (error as { details: Record<string, unknown> }).details : undefined;
  const reason = details !== undefined && typeof details.reason === "string" ? ` (${details.reason})` : "";
  return message.split("\n")[0]! + reason;
}
