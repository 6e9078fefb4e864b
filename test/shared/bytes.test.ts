import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { bytesToHex, hexToBytes } from "../../src/shared/bytes.js";

/**
 * `hexToBytes` validates by decoding (no regex over a blob's 262,144 digits: issue 14 item 8):
 * exactly what the regex `^0x([0-9a-fA-F]{2})*$` accepted is accepted.
 */
describe("shared/bytes: hexToBytes accepts exactly 0x-prefixed, even-length hex", function () {
  const regex = (hex: string) => /^0x([0-9a-fA-F]{2})*$/.test(hex);
  const cases = ["0x", "0x00", "0xAbCd", "0xabc", "0x0g", "0xg0", "0x00zz", "0xzz00", "0x 0", "0x+0", "0x-1", "0X00", "00", "", "x00", "0x0x", "0x12\n", "0x١٢", "0xġ0", "0x0Ű", "0xfF".padEnd(131_074, "e") + "q1"];
  for (const hex of cases) {
    it(`${JSON.stringify(hex.slice(0, 12))}${hex.length > 12 ? `… (${hex.length} chars)` : ""}: ${regex(hex) ? "accepted" : "refused"}`, function () {
      const bytes = hexToBytes(hex);
      if (regex(hex)) expect(bytesToHex(bytes!)).to.equal(hex.toLowerCase());
      else expect(bytes).to.equal(undefined);
    });
  }
  it("a blob's hex (128 KiB) round-trips; one bad digit anywhere is refused; non-strings are refused", function () {
    const blob = randomBytes(131_072);
    const hex = bytesToHex(blob);
    expect(Buffer.from(hexToBytes(hex)!).equals(blob)).to.equal(true);
    for (const at of [2, 3, 1000, hex.length - 1]) expect(hexToBytes(hex.slice(0, at) + "x" + hex.slice(at + 1)), `bad digit at ${at}`).to.equal(undefined);
    for (const value of [undefined, null, 12, ["0x00"], { hex: "0x00" }]) expect(hexToBytes(value)).to.equal(undefined);
  });
});
