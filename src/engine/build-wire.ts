/**
 * What the calling thread and the builder thread (build-offthread.ts, build-worker.ts) exchange:
 * the state writes each side made since it last told the other, the headers, the transactions,
 * and errors. Bytes travel packed in one transferable buffer: thousands of small `Uint8Array`s
 * cloned one by one would cost the receiving thread — the RPC's — more than the build itself.
 */
import * as engineErrors from "./errors.js";
import { UltrasoundError } from "../shared/errors.js";

/**
 * A `Map` that remembers which keys were set or deleted since {@link JournalMap.take}: the state
 * database's own map (ethereumjs's `MapDB` keeps one), so every writer — the builder's
 * `RecordingDB`, any shallow copy of the database — is seen, whoever holds the database.
 */
export class JournalMap extends Map<string, Uint8Array> {
  private touched = new Set<string>();

  override set(key: string, value: Uint8Array): this {
    // `Map`'s constructor calls `set` before this subclass's fields exist: never give it entries.
    this.touched?.add(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.touched.add(key);
    return super.delete(key);
  }

  /** Applies writes the other thread made, without journaling them back to it; returns those that set a value. */
  apply(writes: PackedWrites): Map<string, Uint8Array> {
    const values = unpack(writes.values);
    const set = new Map<string, Uint8Array>();
    writes.keys.forEach((key, i) => {
      const value = values[i]!;
      // A deletion travels as an empty value (no trie node or code is empty).
      if (value.length === 0) super.delete(key);
      else super.set(key, value), set.set(key, value);
    });
    return set;
  }

  /** The writes since the last call, packed; the journal starts again empty. */
  take(): PackedWrites {
    const keys = [...this.touched];
    this.touched = new Set();
    return { keys, values: pack(keys.map((key) => super.get(key) ?? new Uint8Array(0))) };
  }
}

/** Keys and their values (an empty value: deleted). */
export interface PackedWrites {
  keys: string[];
  values: Packed;
}

/** Many byte strings in one buffer: `bytes[offsets[i] .. offsets[i + 1]]` is the i-th. */
export interface Packed {
  bytes: Uint8Array;
  offsets: Uint32Array;
}

/** Packs byte strings into one buffer (see {@link Packed}). */
export function pack(items: Uint8Array[]): Packed {
  const offsets = new Uint32Array(items.length + 1);
  for (let i = 0; i < items.length; i++) offsets[i + 1] = offsets[i]! + items[i]!.length;
  const bytes = new Uint8Array(offsets[items.length]!);
  items.forEach((item, i) => bytes.set(item, offsets[i]!));
  return { bytes, offsets };
}

/** The byte strings of a {@link Packed} (views into its buffer, no copies). */
export function unpack(packed: Packed): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < packed.offsets.length; i++) out.push(packed.bytes.subarray(packed.offsets[i]!, packed.offsets[i + 1]!));
  return out;
}

/** The buffers of packed data, to move rather than copy to the other thread. */
export function transferables(...packed: Packed[]): ArrayBuffer[] {
  return packed.flatMap((p) => [p.bytes.buffer as ArrayBuffer, p.offsets.buffer as ArrayBuffer]);
}

/** An error as it crosses threads: its class by name, its message and details. */
export interface WireError {
  name: string;
  message: string;
  details?: Record<string, unknown>;
  stack?: string;
}

/** What {@link errorFromWire} needs of an error to make it again on the other side. */
export function errorToWire(error: unknown): WireError {
  const e = error as Partial<UltrasoundError>;
  return { name: e?.name ?? "Error", message: e?.message ?? String(error), ...(e?.details === undefined ? {} : { details: e.details }), ...(e?.stack === undefined ? {} : { stack: e.stack }) };
}

/**
 * The error the builder thread threw, as the same class when it is one of the engine's (callers
 * tell `MessageDeliveryFailedError` and the others apart by class), with the same message and
 * details; any other as an `UltrasoundError` of the same name.
 */
export function errorFromWire(wire: WireError): Error {
  const known = (engineErrors as Record<string, unknown>)[wire.name];
  const Class = typeof known === "function" && (known as { prototype: unknown }).prototype instanceof Error ? (known as typeof UltrasoundError) : UltrasoundError;
  // Not through the constructor: subclasses take their own arguments and rebuild the message.
  const error = Object.create(Class.prototype) as UltrasoundError;
  Object.defineProperties(error, {
    name: { value: wire.name, writable: true, configurable: true },
    message: { value: wire.message, writable: true, configurable: true },
    details: { value: wire.details ?? {}, writable: false, configurable: true },
    stack: { value: `${wire.stack ?? `${wire.name}: ${wire.message}`}\n    (thrown on the builder thread)`, writable: true, configurable: true },
  });
  return error;
}
