/**
 * Trial records on disk: reading one (cached while its file is unchanged) or a whole folder of
 * them, and appending to one, a line at a time. Appends are the only writes a record gets
 * after its first line, so a killed writer leaves at most a torn last line, which readers
 * ignore.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { ioError } from "../coordination/mod.ts";
import { NetsweepError } from "../core/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import {
  parseFormat1,
  parseRecord,
  recordsDir,
  type StatusEvent,
  type TrialRecord,
} from "./records.ts";

/** A cache of parsed records by file, reused while its inode, size and time are unchanged. */
export type RecordCache = Map<
  string,
  { ino: number | null; mtime: number; size: number; record: TrialRecord | null; why?: string }
>;

/** One file's record: null for an empty log (a trial starting this instant) or a foreign file. */
export interface RecordRead {
  record: TrialRecord | null;
  /** Why the file is not a usable record, or what part of it was not used. */
  why?: string;
}

function parseFile(path: string, text: string): RecordRead {
  try {
    const record = path.endsWith(".jsonl") ? parseRecord(text, path) : parseFormat1(text);
    if (!record) return { record: null, why: `${path}: not a trial record (skipped)` };
    return { record, why: record.damaged };
  } catch (err) {
    if (!(err instanceof NetsweepError)) throw err;
    return { record: null, why: `${err.message} (skipped)` };
  }
}

/**
 * The record in `path` (async), from `cache` while the file is unchanged. An empty log is a
 * trial starting this moment (its header not yet written), or one killed in that moment.
 */
export async function readRecordFile(path: string, cache?: RecordCache): Promise<RecordRead> {
  const info = await Deno.stat(path);
  if (info.size === 0) return { record: null };
  const hit = cache?.get(path);
  const mtime = info.mtime?.getTime() ?? 0;
  if (hit && hit.ino === info.ino && hit.mtime === mtime && hit.size === info.size) {
    return { record: hit.record, why: hit.why };
  }
  const read = parseFile(path, await Deno.readTextFile(path));
  cache?.set(path, { ino: info.ino, mtime, size: info.size, ...read });
  return read;
}

/** {@linkcode readRecordFile}, synchronously (one trial's record, just after a change). */
export function readRecordFileSync(path: string): RecordRead {
  const text = Deno.readTextFileSync(path);
  return text.length === 0 ? { record: null } : parseFile(path, text);
}

/** What {@linkcode readRecords} found. */
export interface RecordSet {
  records: Map<string, TrialRecord>;
  /** One line per file that is not a usable record (named, with why). */
  skipped: string[];
}

/**
 * Reads every record of a results directory, by id (a missing directory is an empty set).
 * Files that are not records are named in `skipped`, never fatal.
 */
export async function readRecords(resultsDir: string, cache?: RecordCache): Promise<RecordSet> {
  const records = new Map<string, TrialRecord>();
  const skipped: string[] = [];
  for (const path of await recordPaths(resultsDir)) {
    let read: RecordRead;
    try {
      read = await readRecordFile(path, cache);
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // rewritten meanwhile
      skipped.push(`${path}: unreadable (${(err as Error).message.split("\n")[0]})`);
      continue;
    }
    if (read.why) skipped.push(read.why);
    const record = read.record;
    if (!record) continue;
    const other = records.get(record.id);
    if (!other || other.format < record.format) records.set(record.id, record);
  }
  return { records, skipped };
}

/** The record files of a results directory, sorted. */
export async function recordPaths(resultsDir: string): Promise<string[]> {
  const dir = recordsDir(resultsDir);
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw ioError(dir, err, "cannot read");
  }
  return entries
    .filter((e) => e.isFile && (e.name.endsWith(".jsonl") || e.name.endsWith(".json")))
    .map((e) => join(dir, e.name))
    .sort();
}

/**
 * How appended lines reach the disk. Every line is written before the next epoch starts, so a
 * killed process loses nothing finished whatever the choice; a power cut is what it is for.
 * - `each`: fdatasync after every line (a power cut loses only the epoch in progress).
 * - `auto` (default): fdatasync every record written since the last sync once 20 times that
 *   sync's cost has passed, so syncing costs at most 5% of the time (a power cut loses at most
 *   that interval of finished epochs: about 0.07 s where a sync takes 3.3 ms).
 * - `none`: left to the operating system's write-back (seconds).
 */
export type Durability = "each" | "auto" | "none";

/** One thread's syncing of the records it writes (see {@linkcode Durability}). */
export class Syncer {
  readonly #dirty = new Set<string>();
  readonly #now: () => number;
  #last: number;
  /** Seconds the last flush took; a first guess until one has been measured. */
  #cost = 0.004;

  /** `now`: the clock in milliseconds (a test passes its own, so that no stall can sync). */
  constructor(readonly mode: Durability = "auto", now: () => number = () => performance.now()) {
    this.#now = now;
    this.#last = now();
  }

  /** `file` (at `path`) has new lines. */
  wrote(path: string, file: Deno.FsFile): void {
    if (this.mode === "none") return;
    if (this.mode === "each") return file.syncDataSync();
    this.#dirty.add(path);
    if (this.#now() - this.#last >= 20_000 * this.#cost) this.flush(file, path);
  }

  /** Syncs every record written since the last flush (`open`: one already open, at `path`). */
  flush(open?: Deno.FsFile, path?: string): void {
    const start = this.#now();
    for (const p of this.#dirty) {
      try {
        if (p === path && open) open.syncDataSync();
        else {
          using f = Deno.openSync(p, { read: true });
          f.syncDataSync();
        }
      } catch { /* rewritten or removed since: its new version is synced on its own */ }
    }
    this.#dirty.clear();
    this.#last = this.#now();
    this.#cost = Math.max(1e-5, (this.#last - start) / 1000);
  }
}

/** Appends event lines to one trial's log, one write per line (synchronous: a worker's). */
export class RecordLog {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();

  /** Appends to the log at `path` (which exists). */
  constructor(
    readonly path: string,
    readonly syncer: Syncer = new Syncer("none"),
    file?: Deno.FsFile,
  ) {
    try {
      this.#file = file ?? Deno.openSync(path, { append: true });
    } catch (err) {
      throw ioError(path, err);
    }
  }

  /**
   * Opens the log at `path`, made empty when missing (one system call where a trial starts
   * for the first time, rather than a failed read and a write): what it holds, and the log,
   * which writes after it.
   */
  static open(path: string, syncer: Syncer = new Syncer("none")): { text: string; log: RecordLog } {
    // Appending (O_APPEND): the main thread appends status lines to the same file (marking a
    // trial interrupted or failed), and a write at this handle's own offset would overwrite them.
    const open = () => Deno.openSync(path, { read: true, append: true, create: true });
    let file: Deno.FsFile;
    try {
      try {
        file = open();
      } catch (err) {
        // The folder is made only when missing (as writeFileAtomicSync does).
        if (!(err instanceof Deno.errors.NotFound)) throw err;
        Deno.mkdirSync(dirname(path), { recursive: true });
        file = open();
      }
    } catch (err) {
      throw ioError(path, err);
    }
    const log = new RecordLog(path, syncer, file);
    try {
      const size = file.statSync().size;
      const bytes = new Uint8Array(size);
      for (let at = 0; at < size;) {
        const n = file.readSync(bytes.subarray(at));
        if (n === null || n === 0) break;
        at += n;
      }
      return { text: new TextDecoder().decode(bytes), log };
    } catch (err) {
      log.close();
      throw ioError(path, err);
    }
  }

  /** Writes `text` as it is (a new log's header). */
  writeText(text: string): void {
    this.#writeBytes(this.#encoder.encode(text));
  }

  /** Writes one line: an epoch's metrics or a status event. */
  write(line: EpochMetrics | StatusEvent): void {
    this.#writeBytes(this.#encoder.encode(JSON.stringify(line) + "\n"));
  }

  #writeBytes(bytes: Uint8Array): void {
    try {
      let done = 0;
      while (done < bytes.length) done += this.#file.writeSync(bytes.subarray(done));
      this.syncer.wrote(this.path, this.#file);
    } catch (err) {
      throw ioError(this.path, err);
    }
  }

  /** Closes the file. */
  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}

/**
 * Cuts the log at `path` back to its last whole line. A torn last line (a writer killed in it,
 * or a full disk) is ignored by readers, but a line appended after it would join it, and be
 * ignored with it.
 */
function cutTornLine(path: string): void {
  try {
    using file = Deno.openSync(path, { read: true, write: true });
    const size = file.statSync().size;
    const chunk = new Uint8Array(4096);
    for (let cut = size; cut > 0;) {
      const from = Math.max(0, cut - chunk.length);
      file.seekSync(from, Deno.SeekMode.Start);
      const n = file.readSync(chunk.subarray(0, cut - from)) ?? 0;
      const at = chunk.subarray(0, n).lastIndexOf(10);
      if (at >= 0) {
        if (from + at + 1 < size) file.truncateSync(from + at + 1);
        return;
      }
      cut = from;
    }
  } catch (err) {
    throw ioError(path, err);
  }
}

/** Appends one status event to an existing record (the main thread marking a trial). */
export function appendStatus(path: string, event: StatusEvent, syncer: Syncer): void {
  cutTornLine(path);
  const log = new RecordLog(path, syncer);
  try {
    log.write(event);
  } finally {
    log.close();
  }
}
