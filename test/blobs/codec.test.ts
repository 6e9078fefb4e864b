import { createHash } from "node:crypto";
import { expect } from "chai";
import {
  BYTES_PER_BLOB,
  MAX_BYTES_PER_BLOB,
  BlobDecodeError,
  BlobFieldElementError,
  BlobLengthError,
  BlobNoBlobsError,
  BlobPaddingError,
  BlobSequenceError,
  BlobSizeError,
  BlobVersionError,
  blobCountFor,
  decodeBlobs,
  encodeBlobs,
} from "../../src/blobs/index.js";
import { createRng, randomBytes, catchError } from "./fixtures.js";

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
/** The vectors' payload for large cases: byte i = (7·i + 3) mod 256 (easy to rebuild anywhere). */
const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** A blob's hex without its trailing zero bytes. */
const nonZeroPrefix = (b: Uint8Array) => {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return hex(b.subarray(0, end));
};

// Vectors documented in docs/blobs.md. The 27×0xff and 28×0xff blobs are the expected encodings in
// Optimism's op-service/eth/blob_test.go (TestEncodeTestVectors): they pin OP Stack compatibility.
const SMALL_VECTORS: { name: string; data: Uint8Array; prefix: string; sha256: string }[] = [
  {
    name: "empty data",
    data: new Uint8Array(0),
    prefix: "",
    sha256: "fa43239bcee7b97ca62f007cc68487560a39e19f74f3dde7486db3f98df8e471",
  },
  {
    name: "one byte 0xff",
    data: Uint8Array.of(0xff),
    prefix: "0000000001ff",
    sha256: "4a160c5400728e2721862aaf029eb017508999fb0284d58e930439755df24f28",
  },
  {
    name: '"hello, blobs"',
    data: new TextEncoder().encode("hello, blobs"),
    prefix: "000000000c68656c6c6f2c20626c6f6273",
    sha256: "3d7da404cd3e865a3996038905e364c3bb4fc4ecebc4905bcf4ffdfe73742739",
  },
  {
    name: "27 × 0xff (fills field element 0 exactly; OP vector)",
    data: new Uint8Array(27).fill(0xff),
    prefix: "000000001b" + "ff".repeat(27),
    sha256: "ed906c65723f252d22e6e56788af31d0202ef81c5e577ae0520e9d0fb732cb1a",
  },
  {
    name: "28 × 0xff (28th byte spills into the top bytes; OP vector)",
    data: new Uint8Array(28).fill(0xff),
    prefix: "3f0000001c" + "ff".repeat(27) + "30",
    sha256: "7a9a9697b3946427e741afa446f922e2103ad74154ec9887a619ceee30b48282",
  },
];

const LARGE_VECTORS: { name: string; length: number; sha256: string[] }[] = [
  {
    name: "exactly one full blob (130044 bytes)",
    length: MAX_BYTES_PER_BLOB,
    sha256: ["c7490683f5166b7c9b7fe378108250ec9f26f60a4d2151368f2c310a2d1eafb8"],
  },
  {
    name: "one byte over a full blob (130045 bytes)",
    length: MAX_BYTES_PER_BLOB + 1,
    sha256: [
      "c7490683f5166b7c9b7fe378108250ec9f26f60a4d2151368f2c310a2d1eafb8",
      "2b20b4e497361b28ef49ab1b84f3b5b3a85e1363881a78d48733265e8d0ee8d8",
    ],
  },
  {
    name: "three blobs (300000 bytes)",
    length: 300_000,
    sha256: [
      "c7490683f5166b7c9b7fe378108250ec9f26f60a4d2151368f2c310a2d1eafb8",
      "0e12c6598d63ef01de17add84e84fdee7cf512ad73f72fd0b5e43e4288d907db",
      "45ac8bbd6d9055fa26295e0abdcd1ef495694252cc155b8780c5b71d5c936d36",
    ],
  },
];

describe("blobs/codec", () => {
  describe("test vectors (docs/blobs.md)", () => {
    for (const v of SMALL_VECTORS) {
      it(`encodes ${v.name} to the documented blob and back`, () => {
        const blobs = encodeBlobs(v.data);
        expect(blobs).to.have.length(1);
        expect(blobs[0]).to.have.length(BYTES_PER_BLOB);
        expect(nonZeroPrefix(blobs[0])).to.equal(v.prefix);
        expect(sha256(blobs[0])).to.equal(v.sha256);
        expect(hex(decodeBlobs(blobs))).to.equal(hex(v.data));
      });
    }
    for (const v of LARGE_VECTORS) {
      it(`encodes ${v.name} to the documented blobs and back`, () => {
        const data = pattern(v.length);
        const blobs = encodeBlobs(data);
        expect(blobs.map(sha256)).to.deep.equal(v.sha256);
        expect(Buffer.from(decodeBlobs(blobs)).equals(Buffer.from(data))).to.equal(true);
      });
    }
    it("exposes the maximum payload per blob as 1024 × 127 − 4 = 130044 bytes", () => {
      expect(MAX_BYTES_PER_BLOB).to.equal(130_044);
      expect(blobCountFor(0)).to.equal(1);
      expect(blobCountFor(MAX_BYTES_PER_BLOB)).to.equal(1);
      expect(blobCountFor(MAX_BYTES_PER_BLOB + 1)).to.equal(2);
    });
  });

  describe("fuzz", () => {
    it("round-trips 200 seeded random payloads of random lengths, every field element < 0x40…", () => {
      const rng = createRng(4844);
      for (let i = 0; i < 200; i++) {
        // Mostly short payloads (where the round boundaries are), some spanning up to 3 blobs.
        const length = i % 10 === 0 ? Math.floor(rng() * 3 * MAX_BYTES_PER_BLOB) : Math.floor(rng() * 600);
        const data = randomBytes(rng, length);
        const blobs = encodeBlobs(data);
        expect(blobs.length, `length ${length}`).to.equal(blobCountFor(length));
        for (const blob of blobs) {
          let highBits = 0;
          for (let fe = 0; fe < BYTES_PER_BLOB; fe += 32) highBits |= blob[fe] & 0xc0;
          expect(highBits, `length ${length}`).to.equal(0);
        }
        expect(Buffer.from(decodeBlobs(blobs)).equals(Buffer.from(data)), `length ${length}`).to.equal(true);
      }
    });
  });

  describe("malformed blobs", () => {
    const encoded = () => encodeBlobs(new TextEncoder().encode("this is a test of invalid blob decoding"));

    it("rejects an empty blob list with BlobNoBlobsError", () => {
      expect(() => decodeBlobs([])).to.throw(BlobNoBlobsError);
    });

    it("rejects a blob of the wrong size with BlobSizeError naming the blob and its length", () => {
      const err = catchError(() => decodeBlobs([encodeBlobs(new Uint8Array(5))[0], new Uint8Array(1000)]));
      expect(err).to.be.instanceOf(BlobSizeError).and.instanceOf(BlobDecodeError);
      expect(err).to.include({ blobIndex: 1, length: 1000, expected: BYTES_PER_BLOB });
      expect(err.message).to.contain("1000");
    });

    it("rejects a field element with a high bit set with BlobFieldElementError naming the element", () => {
      for (const top of [0x80, 0x40]) {
        const [blob] = encoded();
        blob[32 * 3] = top;
        const err = catchError(() => decodeBlobs([blob]));
        expect(err).to.be.instanceOf(BlobFieldElementError);
        expect(err).to.include({ blobIndex: 0, fieldElement: 3, topByte: top });
      }
    });

    it("rejects an unknown version byte with BlobVersionError", () => {
      const [blob] = encoded();
      blob[1] = 1;
      expect(catchError(() => decodeBlobs([blob]))).to.be.instanceOf(BlobVersionError).and.include({ version: 1 });
    });

    it("rejects a declared length above the maximum with BlobLengthError", () => {
      const blob = new Uint8Array(BYTES_PER_BLOB);
      blob.set([0x00, 0x01, 0xfb, 0xfd], 1); // 130045
      expect(catchError(() => decodeBlobs([blob]))).to.be.instanceOf(BlobLengthError).and.include({ length: 130_045 });
    });

    it("rejects non-zero bytes after the declared payload with BlobPaddingError", () => {
      // In the first field element, right after the payload.
      const [a] = encodeBlobs(Uint8Array.of(1, 2, 3));
      a[1 + 4 + 3] = 0x09;
      expect(catchError(() => decodeBlobs([a])))
        .to.be.instanceOf(BlobPaddingError)
        .and.include({ fieldElement: 0, payloadOffset: 3, declaredLength: 3 });
      // Deep in the blob, far past the payload (the last field element).
      const [b] = encodeBlobs(Uint8Array.of(1, 2, 3));
      b[BYTES_PER_BLOB - 1] = 1;
      expect(catchError(() => decodeBlobs([b])))
        .to.be.instanceOf(BlobPaddingError)
        .and.include({ fieldElement: 4095 });
      // In a top byte only (the hidden bits of the x/y/z bytes).
      const [c] = encodeBlobs(Uint8Array.of(1, 2, 3));
      c[32 * 4 + 32] = 0x01;
      expect(catchError(() => decodeBlobs([c]))).to.be.instanceOf(BlobPaddingError);
    });

    it("rejects a non-full blob before the last with BlobSequenceError (reordered blobs)", () => {
      const blobs = encodeBlobs(pattern(MAX_BYTES_PER_BLOB + 10));
      const err = catchError(() => decodeBlobs([blobs[1], blobs[0]]));
      expect(err).to.be.instanceOf(BlobSequenceError).and.include({ blobIndex: 0, blobCount: 2, length: 10 });
    });

    it("rejects an empty last blob after full ones with BlobSequenceError", () => {
      const blobs = [...encodeBlobs(pattern(MAX_BYTES_PER_BLOB)), ...encodeBlobs(new Uint8Array(0))];
      expect(catchError(() => decodeBlobs(blobs))).to.be.instanceOf(BlobSequenceError).and.include({ blobIndex: 1 });
    });
  });
});

