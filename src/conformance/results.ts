/** What a conformance run produces: per-case results, and the reasons and defects it names. */
import type { Mismatch } from "./state.js";

/**
 * The result of one case. `refusal` (cases whose transaction must stay out) says how the builder
 * and `execute` refused it; `mismatches` carry both values of every disagreement.
 */
export type CaseResult =
  | { id: string; group: string; outcome: "passed"; refusal?: string }
  | { id: string; group: string; outcome: "mapped"; reason: string; refusal?: string }
  | { id: string; group: string; outcome: "skipped"; reason: string }
  | {
      id: string;
      group: string;
      outcome: "failed";
      reason: string;
      mismatches: Mismatch[];
      /** The id of a {@link KNOWN_DEFECTS} entry when the failure is that known engine defect. */
      knownDefect?: string;
    };

/** A conformance run: every fixture entry found, with its result. */
export interface ConformanceReport {
  dir: string;
  files: number;
  results: CaseResult[];
}

/** Documented L2 differences, as report reasons. */
export const MAPPED = {
  blobValidOnL1: "blob tx (type 3) valid on L1: refused on L2 by buildBlock and execute",
  blobInvalidOnL1: "blob tx (type 3) invalid on L1: refused on L2 too (as a blob tx) by buildBlock and execute",
} as const;

/**
 * Engine defects already known and being fixed elsewhere: failures they cause are reported
 * apart, so a new defect does not hide among them (they still count as failures).
 */
export const KNOWN_DEFECTS = [
  {
    id: "kzg-not-initialized",
    pattern: /kzg not initialized/i,
    description: "point evaluation (0x0a): createL2Common gives ethereumjs no KZG library",
  },
] as const;
