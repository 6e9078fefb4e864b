/**
 * The base of every error ultrasound throws on purpose: a short message, the details
 * (the values involved), and the cause chain — in the spirit of viem's `BaseError`.
 */
export class UltrasoundError extends Error {
  override name = "UltrasoundError";
  /** The values that explain the failure, for programs (the message carries them for humans). */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    const shown = Object.entries(details)
      .map(([key, value]) => `  ${key}: ${formatValue(value)}`)
      .join("\n");
    super(shown.length > 0 ? `${message}\n${shown}` : message, options);
    this.details = details;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return `0x${Buffer.from(value).toString("hex")}`;
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}
