/** Text helpers of the devnet's output. */

/** The first line of an error message, with long hex (a raw transaction, calldata) cut to its start and size. */
export function firstLine(text: string): string {
  const line = text.split("\n")[0]!.replace(/0x[0-9a-fA-F]{130,}/g, (hex) => `${hex.slice(0, 18)}…(${(hex.length - 2) / 2} bytes)`);
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

