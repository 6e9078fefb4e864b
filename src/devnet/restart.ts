/**
 * A devnet restart that keeps everything (issue 18 part 4): the L1 is rebuilt from its journal
 * (src/hardhat/l1-journal.ts: every state-changing request with its blocks' timestamps, replayed
 * into a fresh L1 started at the same genesis time, so every block hash is the same), the rollup
 * is the one deployed the first time (`<dataDir>/devnet.json`), and the node's store, whose L1
 * hashes then match, is kept. `--reset` starts afresh.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { configureL1Journal, endL1Replay, type JournalEntry } from "../hardhat/l1-journal.js";
import { UltrasoundError } from "../shared/errors.js";

/** The journal could not be replayed: the L1 it rebuilds would not be the one the stores were written for. */
export class L1ReplayError extends UltrasoundError {
  override name = "L1ReplayError";
}

/** What a devnet keeps of itself in its data dir besides the stores. */
export interface DevnetState {
  /** The L1's genesis time (ISO), the same at every start. */
  initialDate: string;
  /** The rollup deployed by the first start (with many rollups: the first of them). */
  rollupAddress?: string;
  /** A devnet of many rollups (`--rollups N`): the RollupFactory that created them. */
  factoryAddress?: string;
  /** A devnet of many rollups: each one its first start created, in chain id order (chain ids as decimal strings). */
  rollups?: KeptRollup[];
}

/** A rollup of a devnet of many, as `<dataDir>/devnet.json` keeps it. */
export interface KeptRollup {
  chainId: string;
  address: string;
}

/** The data dir holds another devnet than the one asked for (one rollup, or another number of them). */
export class DevnetStateMismatchError extends UltrasoundError {
  override name = "DevnetStateMismatchError";
}

/** Where a devnet resumes from. */
export interface Resume {
  state: DevnetState;
  /** Journal entries to replay into the fresh L1 (none on a first start). */
  entries: JournalEntry[];
  /** Whether this is a first start (or `reset`): stores are new. */
  fresh: boolean;
  /** Where the L1 journals its requests (the L1's process configures it: `configureL1Journal`). */
  journalFile: string;
  /** Records the rollup deployed by a first start. */
  saveRollup(address: string): void;
  /** Records the factory and the rollups a first start of a devnet of many created (once all are). */
  saveRollups(factoryAddress: string, rollups: KeptRollup[]): void;
}

/**
 * Reads (or, first time / `reset`, creates) the devnet's state and L1 journal in `dataDir`, for
 * a devnet of `rollups` rollups. Refuses a data dir kept by a devnet of another number of
 * rollups (`DevnetStateMismatchError`: its stores are another devnet's).
 */
export function openDevnetState(dataDir: string, reset: boolean, rollups = 1): Resume {
  mkdirSync(dataDir, { recursive: true });
  const stateFile = path.join(dataDir, "devnet.json");
  const journalFile = path.join(dataDir, "l1-journal.jsonl");
  if (reset) {
    rmSync(stateFile, { force: true });
    rmSync(journalFile, { force: true });
  }
  let state: DevnetState | undefined;
  if (existsSync(stateFile)) state = JSON.parse(readFileSync(stateFile, "utf8")) as DevnetState;
  const fresh = state?.rollupAddress === undefined;
  const kept = state?.rollups?.length ?? 1;
  if (!fresh && kept !== rollups) {
    throw new DevnetStateMismatchError(
      `The data dir holds a devnet of ${kept} rollup${kept === 1 ? "" : "s"}, not ${rollups}: start it with ${kept === 1 ? "no --rollups" : `--rollups ${kept}`} to keep it, or add --reset to start afresh`,
      { dataDir, kept, asked: rollups },
    );
  }
  if (fresh) {
    // A first start (or one killed before its rollup was deployed): a new L1 from now.
    rmSync(journalFile, { force: true });
    state = { initialDate: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString() };
    writeState(stateFile, state!);
  }
  const entries = fresh ? [] : readJournal(journalFile);
  return {
    state: state!,
    entries,
    fresh,
    journalFile,
    saveRollup(address) {
      state = { ...state!, rollupAddress: address };
      writeState(stateFile, state!);
    },
    saveRollups(factoryAddress, list) {
      // The first rollup's address marks the start as done (see `fresh`): written with the rest, at once.
      state = { ...state!, rollupAddress: list[0]?.address, factoryAddress, rollups: list };
      writeState(stateFile, state!);
    },
  };
}

/** Writes the state beside the file, then renames it over: a kill mid-write leaves the old state whole. */
function writeState(file: string, state: DevnetState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  renameSync(`${file}.tmp`, file);
}

/** The journal's entries (none when there is no journal); a last line cut short by a kill is left out. */
export function readJournal(file: string): JournalEntry[] {
  return existsSync(file) ? parseJournal(readFileSync(file, "utf8")) : [];
}

/**
 * Points this process's simulated L1 at the journal, then — once the L1 serves at `l1` —
 * replays it (see {@link replayL1}): for the process that runs the L1 (the devnet's own, or
 * its L1 process). Returns the requests and blocks replayed.
 */
export function journalL1(file: string): { replay(l1: { send(method: string, params: unknown[]): Promise<unknown> }): Promise<{ requests: number; blocks: number }> } {
  const entries = readJournal(file);
  configureL1Journal({ file, replaying: entries.length > 0 });
  return {
    async replay(l1) {
      if (entries.length === 0) return { requests: 0, blocks: 0 };
      return { requests: entries.filter((e) => e.method !== undefined).length, blocks: await replayL1(l1, entries) };
    },
  };
}

function parseJournal(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      entries.push(JSON.parse(line) as JournalEntry);
    } catch {
      break;
    }
  }
  return entries;
}

/**
 * Replays the journal into the L1 at `l1` (fresh, started at the state's genesis time, slots
 * off): each block at its recorded timestamp, each request as it was. A request that failed the
 * first time (a reverted transaction, mined all the same) may fail again: that is the same chain.
 */
export async function replayL1(l1: { send(method: string, params: unknown[]): Promise<unknown> }, entries: JournalEntry[]): Promise<number> {
  let mined = 0;
  for (const entry of entries) {
    if (entry.method === undefined) {
      for (const timestamp of entry.blocks) {
        await l1.send("evm_setNextBlockTimestamp", [timestamp]);
        await l1.send("evm_mine", []);
        mined++;
      }
      continue;
    }
    if (entry.blocks.length > 0) await l1.send("evm_setNextBlockTimestamp", [entry.blocks[0]]).catch(() => undefined);
    await l1.send(entry.method, (entry.params as unknown[] | undefined) ?? []).catch(() => undefined);
    mined += entry.blocks.length;
  }
  endL1Replay();
  return mined;
}
