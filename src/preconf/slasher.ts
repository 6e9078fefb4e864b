/**
 * A slasher anyone can run: it reads the commitments a preconfirming node gives out
 * (`preconf_getCommitments`), and proves on L1, with the registry's own checks, the two faults
 * docs/preconf.md names — two different signed blocks at one height (`slashEquivocation`), and
 * a signed block that is not the one L1 verified at that height (`slashDivergence`). Each proof
 * is tried with `eth_call` first: the registry is the judge, the slasher sends only what it accepts.
 */
import type { Contract } from "ethers";
import { commitmentDigest, preconfDomain, recoverCommitmentSigner, type SignedCommitment } from "./commitment.js";
import { toQuantity } from "../rpc/index.js";
import { commitmentFromJson, commitmentJson, MAX_COMMITMENTS } from "./rpc.js";

/** One slash sent and mined. */
export interface Slash {
  kind: "equivocation" | "divergence";
  operator: string;
  number: bigint;
  l1Transaction: string;
  /** What the prover received (the registry's SLASH_REWARD_BPS of the bond). */
  reward: bigint;
}

/** Options of {@link createSlasher}. */
export interface SlasherOptions {
  /** The node's L2 JSON-RPC URL (serves `preconf_getCommitments`). */
  l2Url: string;
  /** The PreconfRegistry, connected to the prover's L1 signer (it gets the reward). */
  registry: Contract;
  /** The L1's chain id (the commitments' EIP-712 domain). */
  l1ChainId: bigint;
  log?: (line: string) => void;
}

/** A slasher's one step: {@link Slasher.poll}. */
export interface Slasher {
  /** Reads the commitments the node gives out, proves every fault L1 accepts; returns the slashes sent. */
  poll(): Promise<Slash[]>;
  /** The same for commitments received another way (a user passes on the one it was given). */
  check(given: ReturnType<typeof commitmentJson>[]): Promise<Slash[]>;
}

/** Creates a slasher (see the file comment). */
export function createSlasher(options: SlasherOptions): Slasher {
  const log = options.log ?? (() => {});
  const seen = new Map<string, { digest: string; signed: SignedCommitment }>();
  const done = new Set<string>();
  // Commitments L1 verified as signed (by signature): not asked about again.
  const cleared = new Set<string>();
  let domain: ReturnType<typeof preconfDomain> | undefined;

  const call = async (method: string, params: unknown[]): Promise<unknown> => {
    const response = await fetch(options.l2Url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
    return body.result;
  };

  /** Sends `method(args)` if the registry accepts it (eth_call first); the slash, or undefined. */
  const prove = async (kind: Slash["kind"], operator: string, number: bigint, args: unknown[]): Promise<Slash | undefined> => {
    const method = kind === "equivocation" ? "slashEquivocation" : "slashDivergence";
    const fn = options.registry.getFunction(method);
    try {
      await fn.staticCall(...args);
    } catch (error) {
      // Not a fault L1 can prove (yet): kept to try again only while L1 may still change its mind (above its head).
      if (kind === "divergence" && (error as { revert?: { name?: string } }).revert?.name === "PreconfRegistry_NoDivergence") cleared.add(String(args[1]));
      return undefined;
    }
    const receipt = await (await fn(...args)).wait();
    const event = receipt.logs.map((l: { topics: string[]; data: string }) => options.registry.interface.parseLog(l)).find((e: { name?: string } | null) => e?.name === "OperatorSlashed");
    const reward = (event?.args?.reward as bigint | undefined) ?? 0n;
    log(`slasher: ${kind} of operator ${operator} at L2 block ${number} proven in L1 transaction ${receipt.hash}: reward ${reward} wei`);
    return { kind, operator, number, l1Transaction: receipt.hash, reward };
  };

  const check = async (json: ReturnType<typeof commitmentJson>[]): Promise<Slash[]> => {
      domain ??= preconfDomain(await options.registry.getAddress(), options.l1ChainId);
      const given = json.map(commitmentFromJson);
      const out: Slash[] = [];
      for (const signed of given) {
        let operator: string;
        try {
          operator = recoverCommitmentSigner(domain, signed);
        } catch {
          continue; // malformed: proves nothing
        }
        const c = signed.commitment;
        const digest = commitmentDigest(domain, c);
        const height = `${operator}:${c.rollup}:${c.chainId}:${c.number}`;
        const first = seen.get(height);
        if (first === undefined) seen.set(height, { digest, signed });
        else if (first.digest !== digest && !done.has(operator)) {
          const slash = await prove("equivocation", operator, c.number, [first.signed.commitment, first.signed.signature, c, signed.signature]);
          if (slash !== undefined) {
            done.add(operator);
            out.push(slash);
          }
        }
        if (!done.has(operator) && !cleared.has(signed.signature)) {
          const slash = await prove("divergence", operator, c.number, [c, signed.signature]);
          if (slash !== undefined) {
            done.add(operator);
            out.push(slash);
          }
        }
      }
      return out;
  };
  // The next height to read: the node answers at most MAX_COMMITMENTS heights a call, so the
  // slasher pages forward from here; commitments read before stay in `seen` and are checked
  // again for divergence (L1 may advance them later) without being read again.
  let cursor = 0n;
  return {
    async poll() {
      const out: Slash[] = [];
      for (;;) {
        const page = (await call("preconf_getCommitments", [toQuantity(cursor), toQuantity(MAX_COMMITMENTS)])) as ReturnType<typeof commitmentJson>[];
        out.push(...(await check(page)));
        const highest = page.reduce((max, c) => (BigInt(c.commitment.number) > max ? BigInt(c.commitment.number) : max), cursor - 1n);
        const next = cursor + MAX_COMMITMENTS;
        cursor = highest + 1n;
        if (page.length === 0) {
          // Nothing kept at these heights (a node keeps the last 1,024): skip them if the tip is past.
          const tip = BigInt((await call("eth_blockNumber", [])) as string);
          if (tip < next) break;
          cursor = next;
          continue;
        }
        if (highest + 1n < next) break;
      }
      const undecided = [...seen.values()].filter((s) => !cleared.has(s.signed.signature)).map((s) => commitmentJson(s.signed));
      out.push(...(await check(undecided)));
      return out;
    },
    check,
  };
}
