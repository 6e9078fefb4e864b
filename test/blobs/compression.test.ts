import zlib from "node:zlib";
import { expect } from "chai";
import {
  BATCH_FORMAT_BROTLI,
  BATCH_FORMAT_STORED,
  BatchCorruptError,
  BatchFormatError,
  BatchTooLargeError,
  DEFAULT_MAX_BATCH_BYTES,
  MAX_BYTES_PER_BLOB,
  compressBatch,
  decodeBlobs,
  decompressBatch,
  encodeBlobs,
} from "../../src/blobs/index.js";
import { createRng, makeErc20TransferBatch, randomBytes, catchError } from "./fixtures.js";

/** A batch header by hand: format byte, u32 BE declared length, then the body. */
function frame(format: number, declared: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  out[0] = format;
  new DataView(out.buffer).setUint32(1, declared);
  out.set(body, 5);
  return out;
}


describe("blobs/compression", () => {
  it("round-trips a batch of 200 signed ERC20 transfers, shrinking it, through blobs", () => {
    const batch = makeErc20TransferBatch(200);
    const compressed = compressBatch(batch);
    expect(compressed[0]).to.equal(BATCH_FORMAT_BROTLI);
    expect(compressed.length).to.be.lessThan(batch.length * 0.65);
    const back = decompressBatch(decodeBlobs(encodeBlobs(compressed)));
    expect(Buffer.from(back).equals(Buffer.from(batch))).to.equal(true);
  });

  it("stores incompressible data as-is (format 0x00), at most 5 bytes longer", () => {
    const data = randomBytes(createRng(9), 10_000);
    const compressed = compressBatch(data);
    expect(compressed[0]).to.equal(BATCH_FORMAT_STORED);
    expect(compressed.length).to.equal(data.length + 5);
    expect(Buffer.from(decompressBatch(compressed)).equals(Buffer.from(data))).to.equal(true);
  });

  it("round-trips empty data", () => {
    expect(decompressBatch(compressBatch(new Uint8Array(0)))).to.have.length(0);
  });

  it("refuses a bomb by its declared size before inflating it (BatchTooLargeError)", () => {
    // 64 MiB of zeros compress to a few hundred bytes.
    const bomb = compressBatch(new Uint8Array(64 * 1024 * 1024));
    expect(bomb.length).to.be.lessThan(MAX_BYTES_PER_BLOB);
    const err = catchError(() => decompressBatch(bomb));
    expect(err).to.be.instanceOf(BatchTooLargeError).and.include({ size: 64 * 1024 * 1024, max: DEFAULT_MAX_BATCH_BYTES });
    expect(catchError(() => decompressBatch(compressBatch(new Uint8Array(2000)), { maxBytes: 1000 }))).to.be.instanceOf(
      BatchTooLargeError,
    );
  });

  it("stops a bomb that lies about its size at the declared length (BatchCorruptError)", () => {
    const stream = zlib.brotliCompressSync(new Uint8Array(64 * 1024 * 1024), {
      params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 },
    });
    const err = catchError(() => decompressBatch(frame(BATCH_FORMAT_BROTLI, 1000, stream)));
    expect(err).to.be.instanceOf(BatchCorruptError).and.include({ declaredLength: 1000 });
    expect(err.message).to.contain("past the declared length");
  });

  it("rejects a stream shorter than declared, a corrupt stream and trailing bytes (BatchCorruptError)", () => {
    const stream = zlib.brotliCompressSync(Buffer.from("hello hello hello hello"));
    expect(catchError(() => decompressBatch(frame(BATCH_FORMAT_BROTLI, 50, stream)))).to.be.instanceOf(BatchCorruptError);
    expect(catchError(() => decompressBatch(frame(BATCH_FORMAT_BROTLI, 23, stream.subarray(0, 5))))).to.be.instanceOf(
      BatchCorruptError,
    );
    const trailing = frame(BATCH_FORMAT_BROTLI, 23, Buffer.concat([stream, Buffer.from([0])]));
    expect(catchError(() => decompressBatch(trailing)).message).to.contain("trail");
    expect(catchError(() => decompressBatch(frame(BATCH_FORMAT_STORED, 4, Uint8Array.of(1, 2, 3))))).to.be.instanceOf(
      BatchCorruptError,
    );
  });

  it("rejects a short header and an unknown format byte (BatchFormatError)", () => {
    expect(catchError(() => decompressBatch(Uint8Array.of(1, 0, 0)))).to.be.instanceOf(BatchFormatError);
    expect(catchError(() => decompressBatch(frame(0x7f, 0, new Uint8Array(0)))))
      .to.be.instanceOf(BatchFormatError)
      .and.include({ format: 0x7f });
  });
});
