import type { BlockHeader } from "@ethereumjs/block";
import { bytesToHex } from "@ethereumjs/util";
import { getAddress, TypedDataEncoder, verifyTypedData, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";
import { UltrasoundError } from "../shared/errors.js";

/**
 * An operator's promise about one L2 block: `PreconfRegistry`'s `Commitment` struct, field for
 * field (contracts/interfaces/IPreconfRegistry.sol), signed as EIP-712 typed data.
 */
export interface Commitment {
  /** The rollup's L1 contract. */
  rollup: string;
  /** The L2 chain id. */
  chainId: bigint;
  /** The L2 block number. */
  number: bigint;
  blockHash: string;
  stateRoot: string;
  /** The L2 block's anchor (its header's parentBeaconBlockRoot). */
  anchor: string;
  parentHash: string;
}

/** A commitment and the operator's 65-byte signature over its EIP-712 digest. */
export interface SignedCommitment {
  commitment: Commitment;
  signature: string;
}

/** The EIP-712 types of a commitment: the same string as `PreconfRegistry.COMMITMENT_TYPEHASH`. */
export const COMMITMENT_TYPES: Record<string, TypedDataField[]> = {
  Commitment: [
    { name: "rollup", type: "address" },
    { name: "chainId", type: "uint64" },
    { name: "number", type: "uint64" },
    { name: "blockHash", type: "bytes32" },
    { name: "stateRoot", type: "bytes32" },
    { name: "anchor", type: "bytes32" },
    { name: "parentHash", type: "bytes32" },
  ],
};

/** The EIP-712 domain name and version the registry uses. */
export const PRECONF_DOMAIN_NAME = "UltrasoundPreconf";
export const PRECONF_DOMAIN_VERSION = "1";

/** The EIP-712 domain of the registry at `registry` on the L1 of chain id `l1ChainId`. */
export function preconfDomain(registry: string, l1ChainId: bigint): TypedDataDomain {
  return { name: PRECONF_DOMAIN_NAME, version: PRECONF_DOMAIN_VERSION, chainId: l1ChainId, verifyingContract: getAddress(registry) };
}

/** A commitment to a built L2 block of `rollup` (chain id `chainId`), from its header. */
export function commitmentOf(header: BlockHeader, rollup: string, chainId: bigint): Commitment {
  const anchor = header.parentBeaconBlockRoot;
  if (anchor === undefined) throw new CommitmentError("The L2 header has no anchor (parentBeaconBlockRoot)", { number: header.number });
  return {
    rollup: getAddress(rollup),
    chainId,
    number: header.number,
    blockHash: bytesToHex(header.hash()),
    stateRoot: bytesToHex(header.stateRoot),
    anchor: bytesToHex(anchor),
    parentHash: bytesToHex(header.parentHash),
  };
}

/** The struct hash of `commitment` (EIP-712 `hashStruct`). */
export function commitmentStructHash(commitment: Commitment): string {
  return TypedDataEncoder.hashStruct("Commitment", COMMITMENT_TYPES, commitment);
}

/** The digest an operator signs: what `PreconfRegistry.commitmentDigest` returns. */
export function commitmentDigest(domain: TypedDataDomain, commitment: Commitment): string {
  return TypedDataEncoder.hash(domain, COMMITMENT_TYPES, commitment);
}

/** Signs `commitment` with the operator's key (`signer.signTypedData`). */
export async function signCommitment(signer: Signer, domain: TypedDataDomain, commitment: Commitment): Promise<SignedCommitment> {
  const signature = await signer.signTypedData(domain, COMMITMENT_TYPES, commitment);
  return { commitment, signature };
}

/** The address that signed `signed`; throws `CommitmentError` on a malformed signature. */
export function recoverCommitmentSigner(domain: TypedDataDomain, signed: SignedCommitment): string {
  try {
    return verifyTypedData(domain, COMMITMENT_TYPES, signed.commitment, signed.signature);
  } catch (cause) {
    throw new CommitmentError("The commitment's signature is malformed", { signature: signed.signature }, { cause });
  }
}

/**
 * Checks that `signed` was signed by `operator`; throws `CommitmentError` with both addresses
 * otherwise (a receipt from anyone but the slot's operator is no preconfirmation).
 */
export function verifyCommitment(domain: TypedDataDomain, signed: SignedCommitment, operator: string): void {
  const signer = recoverCommitmentSigner(domain, signed);
  if (signer !== getAddress(operator)) {
    throw new CommitmentError("The commitment was not signed by the operator", { operator: getAddress(operator), signer, number: signed.commitment.number });
  }
}

/** A commitment that does not check out: bad signature, wrong signer, no anchor. */
export class CommitmentError extends UltrasoundError {
  override name = "CommitmentError";
}
