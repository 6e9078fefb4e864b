import { EVMError, type CustomPrecompile, type ExecResult, type PrecompileInput } from "@ethereumjs/evm";
import { createAddressFromString } from "@ethereumjs/util";

/**
 * BLAKE2F (EIP-152, `0x09`) with the same semantics as ethereumjs's `precompile09` — input of
 * exactly 213 bytes, final-block flag 0 or 1, `rounds × 1` gas checked before any work — and a
 * faster compression function. ethereumjs's F (from blakejs) keeps its state in a typed array and
 * costs ≈ 0.3 µs a round, for 1 gas: an L2 loop on it was the slowest work per gas EXECUTE
 * charged (issue 15). Here the 16 state words live in local variables (a 64-bit word as two
 * 32-bit halves), the message words are read by the SIGMA schedule, and one round is unrolled;
 * the function body is generated once at load (`new Function`) from the G schedule below.
 */
export const blake2fPrecompile = {
  address: createAddressFromString("0x0000000000000000000000000000000000000009"),
  function: blake2f,
} satisfies CustomPrecompile;

const IV32 = [
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
];
// prettier-ignore
const SIGMA = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4, 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13, 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11, 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5, 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
];
/** The message word offsets (in 32-bit halves) each round reads, round r at 16·(r mod 10). */
const SIGMA2 = Uint8Array.from(SIGMA, (x) => 2 * x);

type Compress = (h: Uint32Array, m: Uint32Array, t: Uint32Array, f: boolean, rounds: number, iv: readonly number[], sigma: Uint8Array) => void;

/** The source of F: `vNl`/`vNh` are word N's low and high halves. */
function compressSource(): string {
  const lines: string[] = [];
  const add = (a: number, b: number) => lines.push(`s=v${a}l+v${b}l;v${a}h=(v${a}h+v${b}h+(s>4294967295?1:0))>>>0;v${a}l=s>>>0;`);
  const addM = (a: number, k: number) => lines.push(`w=sigma[r+${k}];s=v${a}l+m[w];v${a}h=(v${a}h+m[w+1]+(s>4294967295?1:0))>>>0;v${a}l=s>>>0;`);
  // (x ^ y) rotated right by n, into x.
  const rot = (x: number, y: number, n: 16 | 24 | 32 | 63) => {
    lines.push(`l=v${x}l^v${y}l;g=v${x}h^v${y}h;`);
    if (n === 32) lines.push(`v${x}l=g>>>0;v${x}h=l>>>0;`);
    else if (n === 63) lines.push(`v${x}l=((g>>>31)^(l<<1))>>>0;v${x}h=((l>>>31)^(g<<1))>>>0;`);
    else lines.push(`v${x}l=((l>>>${n})^(g<<${32 - n}))>>>0;v${x}h=((g>>>${n})^(l<<${32 - n}))>>>0;`);
  };
  const G = (a: number, b: number, c: number, d: number, k: number) => {
    add(a, b); addM(a, k); rot(d, a, 32);
    add(c, d); rot(b, c, 24);
    add(a, b); addM(a, k + 1); rot(d, a, 16);
    add(c, d); rot(b, c, 63);
  };
  const words = Array.from({ length: 16 }, (_, i) => i);
  lines.push(`let ${words.map((i) => `v${i}l,v${i}h`).join(",")},s,w,l,g;`);
  for (let i = 0; i < 8; i++) lines.push(`v${i}l=h[${2 * i}];v${i}h=h[${2 * i + 1}];`);
  for (let i = 8; i < 16; i++) lines.push(`v${i}l=iv[${2 * (i - 8)}];v${i}h=iv[${2 * (i - 8) + 1}];`);
  lines.push("v12l=(v12l^t[0])>>>0;v12h=(v12h^t[1])>>>0;v13l=(v13l^t[2])>>>0;v13h=(v13h^t[3])>>>0;");
  lines.push("if(f){v14l=(~v14l)>>>0;v14h=(~v14h)>>>0;}");
  lines.push("for(let i=0,r=0;i<rounds;i++){");
  G(0, 4, 8, 12, 0); G(1, 5, 9, 13, 2); G(2, 6, 10, 14, 4); G(3, 7, 11, 15, 6);
  G(0, 5, 10, 15, 8); G(1, 6, 11, 12, 10); G(2, 7, 8, 13, 12); G(3, 4, 9, 14, 14);
  lines.push("r+=16;if(r===160)r=0;}");
  for (let i = 0; i < 8; i++) lines.push(`h[${2 * i}]^=v${i}l^v${i + 8}l;h[${2 * i + 1}]^=v${i}h^v${i + 8}h;`);
  return lines.join("\n");
}

// Generated from the schedule above, never from input: the same body on every load.
const compress = new Function("h", "m", "t", "f", "rounds", "iv", "sigma", compressSource()) as Compress;

/** EIP-152's F: compresses `m` into `h` (16 and 32 little-endian 32-bit halves) over `rounds` rounds. */
export function blake2Compress(h: Uint32Array, m: Uint32Array, t: Uint32Array, f: boolean, rounds: number): void {
  compress(h, m, t, f, rounds, IV32, SIGMA2);
}

function failure(gasLimit: bigint, error: EVMError): ExecResult {
  return { returnValue: new Uint8Array(0), executionGasUsed: gasLimit, exceptionError: error };
}

function blake2f(opts: PrecompileInput): ExecResult {
  const data = opts.data;
  if (data.length !== 213) return failure(opts.gasLimit, new EVMError(EVMError.errorMessages.OUT_OF_RANGE));
  const last = data[212];
  if (last !== 0 && last !== 1) return failure(opts.gasLimit, new EVMError(EVMError.errorMessages.OUT_OF_RANGE));
  const view = new DataView(data.buffer, data.byteOffset, data.length);
  const rounds = view.getUint32(0);
  const gas = opts.common.param("blake2RoundGas") * BigInt(rounds);
  if (opts.gasLimit < gas) return failure(opts.gasLimit, new EVMError(EVMError.errorMessages.OUT_OF_GAS));
  const h = new Uint32Array(16);
  for (let i = 0; i < 16; i++) h[i] = view.getUint32(4 + 4 * i, true);
  const m = new Uint32Array(32);
  for (let i = 0; i < 32; i++) m[i] = view.getUint32(68 + 4 * i, true);
  const t = new Uint32Array(4);
  for (let i = 0; i < 4; i++) t[i] = view.getUint32(196 + 4 * i, true);
  blake2Compress(h, m, t, last === 1, rounds);
  const output = new Uint8Array(64);
  const out = new DataView(output.buffer);
  for (let i = 0; i < 16; i++) out.setUint32(4 * i, h[i]!, true);
  return { executionGasUsed: gas, returnValue: output };
}
