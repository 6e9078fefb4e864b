/**
 * One valid input per precompile (and a few sizes where the price depends on it), and the
 * contract that calls one in a loop until its transaction runs out of gas: the workload of the
 * per-precompile rows of the `hostile` bench and of test/precompile/bounds.test.ts.
 * Valid inputs matter: a precompile that fails consumes all the gas it was given and ends the loop.
 */
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { bn254 } from "@noble/curves/bn254.js";
import { p256 } from "@noble/curves/nist.js";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * Loops `STATICCALL(gas, address, 0, len, 0, 0)` until out of gas; calldata is the precompile's
 * address (one word) then its input (copied to memory once).
 *
 *     CALLDATASIZE PUSH1 32 SWAP1 SUB DUP1 PUSH1 32 PUSH0 CALLDATACOPY PUSH0 CALLDATALOAD
 *     loop: JUMPDEST PUSH0 PUSH0 DUP4 PUSH0 DUP5 GAS STATICCALL POP PUSH1 loop JUMP
 */
export const PRECOMPILE_LOOP_CODE = "0x36602090038060205f375f355b5f5f835f845afa50600c56";

/** Calldata of {@link PRECOMPILE_LOOP_CODE}: the address word, then the input. */
export function loopCalldata(address: string, input: Uint8Array): string {
  return "0x" + address.slice(2).padStart(64, "0") + bytesToHex(input).slice(2);
}

/** One precompile call: where, with what input. */
export interface PrecompileCase {
  name: string;
  address: string;
  input: Uint8Array;
}

const word = (value: bigint, bytes = 32) => hexToBytes(("0x" + value.toString(16).padStart(bytes * 2, "0")) as `0x${string}`);
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const at = (n: number) => "0x" + n.toString(16).padStart(40, "0");

// EIP-2537 encodings: an Fp element in 64 bytes (16 zero bytes, then 48), G1 = x‖y, G2 = x.c0‖x.c1‖y.c0‖y.c1.
const fp = (v: bigint) => word(v, 64);
type G1 = ReturnType<typeof bls12_381.G1.Point.BASE.toAffine>;
type G2 = ReturnType<typeof bls12_381.G2.Point.BASE.toAffine>;
const g1 = (p: G1) => concat(fp(p.x), fp(p.y));
const g2 = (p: G2) => concat(fp(p.x.c0), fp(p.x.c1), fp(p.y.c0), fp(p.y.c1));
const G1_BASE = bls12_381.G1.Point.BASE;
const G2_BASE = bls12_381.G2.Point.BASE;

/** The cases, built once. */
export function precompileCases(): PrecompileCase[] {
  const message = sha256(new TextEncoder().encode("ultrasound"));
  const key = new Uint8Array(32).fill(7);
  const sig = secp256k1.sign(message, key, { prehash: false, format: "recovered" });
  const ecrecover = concat(message, word(BigInt(27 + sig[0]!)), sig.subarray(1, 33), sig.subarray(33, 65));

  const p256Key = new Uint8Array(32).fill(9);
  const p256Sig = p256.sign(message, p256Key, { prehash: false });
  const p256Pub = p256.getPublicKey(p256Key, false);
  const p256Input = concat(message, p256Sig.subarray(0, 32), p256Sig.subarray(32, 64), p256Pub.subarray(1, 33), p256Pub.subarray(33, 65));

  const bnP = bn254.G1.Point.BASE.toAffine();
  const bnQ = bn254.G2.Point.BASE.toAffine();
  const bnNegP = bn254.G1.Point.BASE.negate().toAffine();
  const bnG2 = (q: typeof bnQ) => concat(word(q.x.c1), word(q.x.c0), word(q.y.c1), word(q.y.c0));
  const bnPairs = (k: number) => concat(...Array.from({ length: k }, (_, i) => concat(word((i % 2 === 0 ? bnP : bnNegP).x), word((i % 2 === 0 ? bnP : bnNegP).y), bnG2(bnQ))));

  const blake = (rounds: number) => {
    const data = new Uint8Array(213);
    new DataView(data.buffer).setUint32(0, rounds);
    data[212] = 1;
    return data;
  };

  // The zero blob: commitment and proof are the point at infinity, y = 0 at any z.
  const commitment = new Uint8Array(48);
  commitment[0] = 0xc0; // the compressed point at infinity
  const versioned = sha256(commitment);
  versioned[0] = 1;
  const pointEval = concat(versioned, word(5n), word(0n), commitment, commitment);

  const scalar = (2n ** 255n - 19n) % bls12_381.fields.Fr.ORDER;
  const blsPairs = (k: number) =>
    concat(...Array.from({ length: k }, (_, i) => concat(g1((i % 2 === 0 ? G1_BASE : G1_BASE.negate()).toAffine()), g2(G2_BASE.toAffine()))));
  const g1Msm = (k: number) => concat(...Array.from({ length: k }, (_, i) => concat(g1(G1_BASE.multiply(BigInt(i + 2)).toAffine()), word(scalar - BigInt(i)))));
  const g2Msm = (k: number) => concat(...Array.from({ length: k }, (_, i) => concat(g2(G2_BASE.multiply(BigInt(i + 2)).toAffine()), word(scalar - BigInt(i)))));
  const modexp = (b: number, e: number, m: number) =>
    concat(word(BigInt(b)), word(BigInt(e)), word(BigInt(m)), new Uint8Array(b).fill(0xfe), new Uint8Array(e).fill(0xff), new Uint8Array(m).fill(0xfd));

  return [
    { name: "ECRECOVER", address: at(1), input: ecrecover },
    { name: "SHA256 (32 B)", address: at(2), input: new Uint8Array(32).fill(1) },
    { name: "SHA256 (4 KiB)", address: at(2), input: new Uint8Array(4096).fill(1) },
    { name: "RIPEMD160 (32 B)", address: at(3), input: new Uint8Array(32).fill(1) },
    { name: "RIPEMD160 (4 KiB)", address: at(3), input: new Uint8Array(4096).fill(1) },
    { name: "IDENTITY (32 B)", address: at(4), input: new Uint8Array(32).fill(1) },
    { name: "IDENTITY (4 KiB)", address: at(4), input: new Uint8Array(4096).fill(1) },
    { name: "MODEXP (32/32/32)", address: at(5), input: modexp(32, 32, 32) },
    { name: "MODEXP (256/32/256)", address: at(5), input: modexp(256, 32, 256) },
    { name: "MODEXP (512/512/512)", address: at(5), input: modexp(512, 512, 512) },
    { name: "BN254 ADD", address: at(6), input: concat(word(bnP.x), word(bnP.y), word(bnP.x), word(bnP.y)) },
    { name: "BN254 MUL", address: at(7), input: concat(word(bnP.x), word(bnP.y), word(2n ** 256n - 1n)) },
    { name: "BN254 PAIRING (2 pairs)", address: at(8), input: bnPairs(2) },
    { name: "BLAKE2F (12 rounds)", address: at(9), input: blake(12) },
    { name: "BLAKE2F (10,000 rounds)", address: at(9), input: blake(10_000) },
    { name: "POINT EVALUATION", address: at(10), input: pointEval },
    { name: "BLS G1ADD", address: at(11), input: concat(g1(G1_BASE.toAffine()), g1(G1_BASE.multiply(3n).toAffine())) },
    { name: "BLS G1MSM (1 pair)", address: at(12), input: g1Msm(1) },
    { name: "BLS G1MSM (16 pairs)", address: at(12), input: g1Msm(16) },
    { name: "BLS G2ADD", address: at(13), input: concat(g2(G2_BASE.toAffine()), g2(G2_BASE.multiply(3n).toAffine())) },
    { name: "BLS G2MSM (1 pair)", address: at(14), input: g2Msm(1) },
    { name: "BLS G2MSM (16 pairs)", address: at(14), input: g2Msm(16) },
    { name: "BLS PAIRING (2 pairs)", address: at(15), input: blsPairs(2) },
    { name: "BLS MAP_FP_TO_G1", address: at(16), input: fp(123456789n) },
    { name: "BLS MAP_FP2_TO_G2", address: at(17), input: concat(fp(123456789n), fp(987654321n)) },
    { name: "P256VERIFY", address: "0x0000000000000000000000000000000000000100", input: p256Input },
  ];
}

/**
 * Code for the anchor predeploy that, when the anchor is not zero, calls `address` with `input`
 * (embedded after the code) `times` times, then stops; with a zero anchor it stops at once (so
 * an honest-looking block can be built over it). Issue 15: inside the anchor call's 250,000 gas,
 * paid only by EXECUTE's base price.
 */
export function anchorPrecompileLoopCode(address: string, input: Uint8Array, times: number): string {
  const u16 = (n: number) => n.toString(16).padStart(4, "0");
  const END = "2a";
  const code =
    "6004" + "35" + "15" + "60" + END + "57" + // PUSH1 4 CALLDATALOAD ISZERO PUSH1 end JUMPI
    "61" + u16(input.length) + "61" + u16(0x2c) + "5f" + "39" + // CODECOPY(0, data, len)
    "61" + u16(times) + // counter
    "5b" + "80" + "15" + "60" + END + "57" + // loop: JUMPDEST DUP1 ISZERO PUSH1 end JUMPI
    "5f5f" + "61" + u16(input.length) + "5f" + "60" + address.slice(-2) + "5a" + "fa" + "50" + // STATICCALL(gas, address, 0, len, 0, 0) POP
    "600190" + "03" + "6012" + "56" + // counter - 1, JUMP loop
    "5b" + "00"; // end: JUMPDEST STOP
  if (code.length / 2 !== 0x2c) throw new Error(`anchor loop code is ${code.length / 2} bytes, expected 44`);
  return "0x" + code + bytesToHex(input).slice(2);
}

/**
 * Messenger code that stores one byte at the offset given by the first word of the delivery's
 * arguments (`l1BlockHash`), then stops: `MSTORE8(calldataload(4), 0)`. Built with offset 0, run
 * with a large one, it makes the delivery call grow its memory (issue 15).
 */
export const MEMORY_GROWTH_CODE = "0x5f600435" + "53" + "00";

/** A G2ADD input of two distinct points (valid; the costly case for a backend that checks subgroups). */
export function g2AddInput(): Uint8Array {
  return precompileCases().find((c) => c.name === "BLS G2ADD")!.input;
}

/**
 * BLS12-381 inputs with points on the curve but outside the prime-order subgroup: G1ADD and
 * G2ADD must accept them (EIP-2537 skips the subgroup check there), MSM and pairing must refuse
 * them. Where a backend's checks differ from the reference, these show it.
 */
export function offSubgroupCases(): PrecompileCase[] {
  const { Fp, Fp2 } = bls12_381.fields;
  let p: G1 | undefined;
  for (let x = 5n; p === undefined; x++) {
    try {
      p = { x, y: Fp.sqrt(Fp.add(Fp.mul(Fp.mul(x, x), x), 4n)) } as G1;
    } catch {
      // not a square: try the next x
    }
  }
  let q: G2 | undefined;
  const b2 = Fp2.fromBigTuple([4n, 4n]);
  for (let x = 3n; q === undefined; x++) {
    const fx = Fp2.fromBigTuple([x, 1n]);
    try {
      q = { x: fx, y: Fp2.sqrt(Fp2.add(Fp2.mul(Fp2.mul(fx, fx), fx), b2)) } as G2;
    } catch {
      // not a square
    }
  }
  const scalar = word(12345n);
  return [
    { name: "G1ADD, a point outside the subgroup", address: at(11), input: concat(g1(p!), g1(G1_BASE.toAffine())) },
    { name: "G1MSM, a point outside the subgroup", address: at(12), input: concat(g1(p!), scalar) },
    { name: "G2ADD, a point outside the subgroup", address: at(13), input: concat(g2(q!), g2(G2_BASE.toAffine())) },
    { name: "G2MSM, a point outside the subgroup", address: at(14), input: concat(g2(q!), scalar) },
    { name: "PAIRING, a G1 point outside the subgroup", address: at(15), input: concat(g1(p!), g2(G2_BASE.toAffine())) },
    { name: "PAIRING, a G2 point outside the subgroup", address: at(15), input: concat(g1(G1_BASE.toAffine()), g2(q!)) },
  ];
}
