/**
 * Test fixtures shared by the blob tests and the compression benchmark. No side effects on import
 * (mocha loads every file under test/).
 */
import { Interface, Transaction, Wallet, encodeRlp, getBytes, SigningKey } from "ethers";
import { devAccounts } from "../../src/engine/chain.js";

/** Deterministic PRNG (mulberry32): the fuzz cases and fixtures must be the same on every run. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` pseudo-random bytes from `rng`. */
export function randomBytes(rng: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (rng() * 256) | 0;
  return out;
}

const erc20 = new Interface(["function transfer(address to, uint256 amount)"]);

/**
 * A realistic L2 batch: `count` signed EIP-1559 ERC20 `transfer` transactions from 10 senders to
 * random recipients, RLP-encoded as a list of raw transactions (what a sequencer would post).
 * Signatures, recipients and amounts are random, so most of each transaction is incompressible —
 * the same as on a real chain.
 */
export function makeErc20TransferBatch(count: number, seed = 1): Uint8Array {
  const rng = createRng(seed);
  const hex = (b: Uint8Array) => "0x" + Buffer.from(b).toString("hex");
  const senders = Array.from({ length: 10 }, () => new SigningKey(hex(randomBytes(rng, 32))));
  const nonces = new Array(senders.length).fill(0);
  const token = "0x" + "5fbdb2315678afecb367f032d93f642f64180aa3";
  const raws: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const s = i % senders.length;
    const to = hex(randomBytes(rng, 20));
    // Amounts like real transfers: a random number of whole tokens, 18 decimals.
    const amount = BigInt(1 + Math.floor(rng() * 100_000)) * 10n ** BigInt(12 + Math.floor(rng() * 7));
    const tx = Transaction.from({
      type: 2,
      chainId: 167_000n,
      nonce: nonces[s]++,
      maxPriorityFeePerGas: 1_000_000n,
      maxFeePerGas: 1_000_000_000n + BigInt(Math.floor(rng() * 1e8)),
      gasLimit: 65_000n,
      to: token,
      value: 0n,
      data: erc20.encodeFunctionData("transfer", [to, amount]),
    });
    tx.signature = senders[s].sign(tx.unsignedHash);
    raws.push(getBytes(tx.serialized));
  }
  return getBytes(encodeRlp(raws.map(hex)));
}

/** A Hardhat default account as an ethers wallet (a signer that holds its key). */
export function defaultWallet(index = 0): Wallet {
  return new Wallet(devAccounts()[index]!.privateKey);
}

/** Runs `f` and returns what it threw; fails the test when it throws nothing. */
export function catchError(f: () => unknown): Error & Record<string, unknown> {
  try {
    f();
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error("expected an error, none was thrown");
}
