/**
 * A follower's side of preconfirmations (docs/preconf.md, "Followers"): a node that is not the
 * operator's, fed signed commitments (read from the operator's node with `preconf_getCommitments`,
 * or handed over by a user), accepts one only if
 *
 *   - it is for this rollup and chain id, and its EIP-712 signature is over this registry's domain;
 *   - its signer is the lookahead's operator of the current L1 slot or of the next one (the slots
 *     in which the promised block can be advanced); when both slots are open, a bonded operator
 *     (an unbonded signer's promise costs nothing to break);
 *   - it does not contradict one accepted before at the same height (that is an equivocation).
 *
 * and refuses any other with a {@link CommitmentRefusedError} naming the values. Once its own node
 * has derived an accepted height from L1, `check` says whether the promise was kept.
 */
import { getAddress, ZeroAddress, type Contract } from "ethers";
import { UltrasoundError } from "../shared/errors.js";
import { commitmentDigest, preconfDomain, recoverCommitmentSigner, type SignedCommitment } from "./commitment.js";
import { commitmentFromJson, commitmentJson, MAX_COMMITMENTS } from "./rpc.js";
import { toQuantity } from "../rpc/index.js";

/** A commitment a follower refuses (see the file comment); `values` says which check and with what. */
export class CommitmentRefusedError extends UltrasoundError {
  override name = "CommitmentRefusedError";
}

/** Options of {@link createCommitmentFollower}. */
export interface CommitmentFollowerOptions {
  /** The PreconfRegistry (read-only): its address is the EIP-712 domain's, its lookahead the signers'. */
  registry: Contract;
  l1ChainId: bigint;
  /** The gated rollup and its L2 chain id: commitments for anything else are refused. */
  rollup: string;
  chainId: bigint;
  /** The operator's node (serves `preconf_getCommitments`), for `poll`. */
  l2Url?: string;
  log?: (line: string) => void;
}

/** What a follower holds of one height. */
export interface AcceptedCommitment {
  signed: SignedCommitment;
  signer: string;
  /** The L1 slot in which it was accepted. */
  slot: bigint;
}

/** A follower of an operator's commitments (see the file comment). */
export interface CommitmentFollower {
  /** Checks `signed` and keeps it; throws {@link CommitmentRefusedError} when it is refused. */
  accept(signed: SignedCommitment): Promise<AcceptedCommitment>;
  /** Reads the operator's node from the last height read on, accepting what passes; returns the accepted and the refused (with why). */
  poll(): Promise<{ accepted: AcceptedCommitment[]; refused: { signed: SignedCommitment; error: CommitmentRefusedError }[] }>;
  /** The accepted commitment at `number`, if any. */
  at(number: bigint): AcceptedCommitment | undefined;
  /**
   * Compares an accepted promise with the block the follower's node derived at its height:
   * "kept", "broken" (another block: provable with `slashDivergence` once L1 has it), or
   * "unknown" (nothing accepted there, or no block derived yet).
   */
  check(number: bigint, derived: { hash: string } | undefined): "kept" | "broken" | "unknown";
}

/** Creates a follower (see the file comment). */
export function createCommitmentFollower(options: CommitmentFollowerOptions): CommitmentFollower {
  const log = options.log ?? (() => {});
  const accepted = new Map<bigint, AcceptedCommitment>();
  const rollup = getAddress(options.rollup);
  let cursor = 0n;
  let domain: ReturnType<typeof preconfDomain> | undefined;

  async function accept(signed: SignedCommitment): Promise<AcceptedCommitment> {
    domain ??= preconfDomain(await options.registry.getAddress(), options.l1ChainId);
    const c = signed.commitment;
    if (getAddress(c.rollup) !== rollup || c.chainId !== options.chainId) {
      throw new CommitmentRefusedError("The commitment is for another rollup or chain id", { rollup: c.rollup, chainId: c.chainId, expectedRollup: rollup, expectedChainId: options.chainId });
    }
    let signer: string;
    try {
      signer = recoverCommitmentSigner(domain, signed);
    } catch (cause) {
      throw new CommitmentRefusedError("The commitment's signature is malformed", { number: c.number, signature: signed.signature }, { cause });
    }
    const slot = (await options.registry.getFunction("currentSlot")()) as bigint;
    const [current, next] = (await Promise.all([slot, slot + 1n].map((s) => options.registry.getFunction("operatorAt")(s)))) as string[];
    if (current === ZeroAddress && next === ZeroAddress) {
      // Open slots: anyone may advance, so only a bond stands behind the promise.
      const record = (await options.registry.getFunction("operatorOf")(signer)) as { bond: bigint; slashed: boolean };
      if (record.bond === 0n || record.slashed) {
        throw new CommitmentRefusedError("The commitment's signer is not a bonded operator (the L1 slots are open)", { number: c.number, signer, slot, bond: record.bond, slashed: record.slashed });
      }
    } else if (signer !== current && signer !== next) {
      // A wrong key, a tampered commitment (it recovers to another address), or another domain's signature.
      throw new CommitmentRefusedError("The commitment is not signed by the lookahead's operator of the current or next L1 slot", { number: c.number, signer, slot, operator: current, nextOperator: next });
    }
    const before = accepted.get(c.number);
    if (before !== undefined && commitmentDigest(domain, before.signed.commitment) !== commitmentDigest(domain, c)) {
      throw new CommitmentRefusedError("The commitment contradicts one accepted before at the same height (an equivocation: slashEquivocation proves it)", { number: c.number, accepted: before.signed.commitment.blockHash, given: c.blockHash, signer });
    }
    const kept = before ?? { signed, signer, slot };
    accepted.set(c.number, kept);
    return kept;
  }

  return {
    accept,
    async poll() {
      if (options.l2Url === undefined) throw new CommitmentRefusedError("poll needs the operator's node (l2Url)");
      const response = await fetch(options.l2Url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "preconf_getCommitments", params: [toQuantity(cursor), toQuantity(MAX_COMMITMENTS)] }) });
      const body = (await response.json()) as { result?: ReturnType<typeof commitmentJson>[]; error?: { message: string } };
      if (body.error !== undefined) throw new CommitmentRefusedError(`preconf_getCommitments: ${body.error.message}`, { from: cursor });
      const out: Awaited<ReturnType<CommitmentFollower["poll"]>> = { accepted: [], refused: [] };
      for (const json of body.result ?? []) {
        const signed = commitmentFromJson(json);
        if (signed.commitment.number >= cursor) cursor = signed.commitment.number + 1n;
        try {
          out.accepted.push(await accept(signed));
        } catch (error) {
          if (!(error instanceof CommitmentRefusedError)) throw error;
          log(`follower: commitment at L2 block ${signed.commitment.number} refused: ${error.message}`);
          out.refused.push({ signed, error });
        }
      }
      return out;
    },
    at: (number) => accepted.get(number),
    check(number, derived) {
      const promise = accepted.get(number);
      if (promise === undefined || derived === undefined) return "unknown";
      return derived.hash.toLowerCase() === promise.signed.commitment.blockHash.toLowerCase() ? "kept" : "broken";
    },
  };
}
