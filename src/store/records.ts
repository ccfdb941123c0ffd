/**
 * Trial records: one append-only log per trial, `trials/<id>.jsonl`: a header line (the
 * trial's setting and seed), then one line per finished epoch and one per change of status.
 * They are the sweep's source of truth: the CSV files and the zarr store are derived from
 * them, and tables read them. An epoch line is written when the epoch ends, so a killed
 * process loses only the epoch in progress; a torn last line is ignored, and a damaged line
 * ends what is read (the trial then continues from what was intact).
 *
 * Format 2 (this one) replaced netsweep 0.1's `trials/<id>.json` (format 1), whose seeds
 * depended on `epochs` and `monitor`; those are read, never written.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import { DEFAULT_SETTING, type Setting } from "../experiment/mod.ts";
import { STATUS_INFO, type TrialStatus } from "./status.ts";
import { ioError, writeFileAtomic } from "../coordination/mod.ts";

/** The record format this version writes. */
export const RECORD_FORMAT = 2;

/** What a trial is: the first line of its log. */
export interface TrialHeader {
  /** The record format (2; netsweep 0.1 wrote 1). */
  format: number;
  /** 12 hex digits: the trial's id. */
  id: string;
  /** The experiment it belongs to: the hash naming `experiments/<hash>.json`. */
  experiment: string;
  /** Position in its experiment's expansion. */
  index: number;
  /** The trial's resolved parameters. */
  setting: Setting;
  /** Which repeat of its setting. */
  repeat: number;
  /** The trial's seed. */
  seed: number;
  /** Which draw of the sample block, or null. */
  draw: number | null;
}

/** Everything known about one trial. */
export interface TrialRecord extends TrialHeader {
  /** Where the trial stands. */
  status: TrialStatus;
  /** Finished epochs, in order. */
  epochs: EpochMetrics[];
  /** The epoch whose parameters became NaN or infinite, for `diverged`. */
  divergedEpoch?: number;
  /** What ended an `early-stopped` trial (`earlyStopping` or `etaSchedule`). */
  stoppedBy?: string;
  /** Why a trial failed. */
  error?: string;
  /** The input kernel the first layer used (`sparse` or `dense`). */
  kernel?: string;
  /** The process that runs (or last ran) it. */
  host?: string;
  /** The process's id. */
  pid?: number;
  /** When the record last changed. */
  updatedAt?: string;
  /** Why part of its log was not used (a damaged line), if any. */
  damaged?: string;
}

/** A status change as a log line. */
export interface StatusEvent {
  status: TrialStatus;
  at?: string;
  host?: string;
  pid?: number;
  /** The epoch a resumed run continues from. */
  from?: number;
  divergedEpoch?: number;
  stoppedBy?: string;
  error?: string;
  kernel?: string;
}

/** The directory of trial records of one results directory. */
export function recordsDir(resultsDir: string): string {
  return join(resultsDir, "trials");
}

/** A trial's log file. */
export function recordFile(resultsDir: string, id: string): string {
  return join(recordsDir(resultsDir), `${id}.jsonl`);
}

function header(rec: TrialHeader): TrialHeader {
  const { format, id, experiment, index, setting, repeat, seed, draw } = rec;
  return { format, id, experiment, index, setting, repeat, seed, draw };
}

/** The log text of a record: header, epochs, and its status as one event. */
export function recordText(rec: TrialRecord): string {
  const status: StatusEvent = { status: rec.status, at: rec.updatedAt ?? new Date().toISOString() };
  for (const k of ["host", "pid", "divergedEpoch", "stoppedBy", "error", "kernel"] as const) {
    if (rec[k] !== undefined) (status as unknown as Record<string, unknown>)[k] = rec[k];
  }
  const lines = [header(rec), ...rec.epochs, status].map((l) => JSON.stringify(l));
  return lines.join("\n") + "\n";
}

/** Writes (or rewrites) a whole record atomically. */
export async function writeRecord(resultsDir: string, rec: TrialRecord): Promise<void> {
  rec.updatedAt = new Date().toISOString();
  await writeFileAtomic(recordFile(resultsDir, rec.id), recordText(rec));
}

/** Applies one event line to a record; returns a problem, or null. */
function apply(rec: TrialRecord, line: Record<string, unknown>): string | null {
  if (typeof line.epoch === "number") {
    if (line.epoch !== rec.epochs.length) {
      return `epoch ${line.epoch} follows ${rec.epochs.length} epochs`;
    }
    rec.epochs.push(line as unknown as EpochMetrics);
    return null;
  }
  if (typeof line.status === "string" && line.status in STATUS_INFO) {
    const e = line as unknown as StatusEvent;
    rec.status = e.status;
    rec.updatedAt = e.at ?? rec.updatedAt;
    for (const k of ["host", "pid", "divergedEpoch", "stoppedBy", "error", "kernel"] as const) {
      if (e[k] !== undefined) (rec as unknown as Record<string, unknown>)[k] = e[k];
    }
    if (e.from !== undefined) rec.epochs.length = Math.min(rec.epochs.length, e.from);
    return null;
  }
  return "neither an epoch nor a status";
}

/**
 * Parses a log. Returns null when its first line is not a trial header (a foreign file).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { parseRecord } from "./records.ts";
 * const head = { format: 2, id: "abc", experiment: "e", index: 0, setting: { eta: 3 }, repeat: 0, seed: 5, draw: null };
 * const text = [head, { epoch: 0, eta: 3, trainSeconds: 1, evalSeconds: 0 }, { status: "done" }]
 *   .map((l) => JSON.stringify(l)).join("\n") + '\n{"epoch": 1, "et';
 * const rec = parseRecord(text, "x")!;
 * assertEquals([rec.status, rec.epochs.length, rec.setting.epochs], ["done", 1, 30]);
 * ```
 */
export function parseRecord(text: string, file: string): TrialRecord | null {
  const lines = text.split("\n");
  // Without a final newline the last line was being written: not part of the record.
  lines.pop();
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(lines[0] ?? "");
  } catch {
    return null;
  }
  if (
    !head || typeof head.id !== "string" || typeof head.seed !== "number" ||
    typeof head.setting !== "object" ||
    typeof head.format !== "number"
  ) {
    return null;
  }
  const rec: TrialRecord = {
    ...(head as unknown as TrialHeader),
    setting: { ...DEFAULT_SETTING, ...(head.setting as Partial<Setting>) },
    draw: (head.draw as number | null | undefined) ?? null,
    status: "pending",
    epochs: [],
  };
  for (let i = 1; i < lines.length; i++) {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(lines[i]);
    } catch {
      rec.damaged = `${file}: line ${i + 1} is not JSON; what follows it was ignored`;
      break;
    }
    const problem = apply(rec, line ?? {});
    if (problem) {
      rec.damaged = `${file}: line ${i + 1}: ${problem}; what follows it was ignored`;
      break;
    }
  }
  return rec;
}

/** A format-1 record (`trials/<id>.json`, netsweep 0.1), or null when it is not one. */
function parseFormat1(text: string): TrialRecord | null {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(text);
  } catch {
    return null;
  }
  if (!r || typeof r.id !== "string" || typeof r.setting !== "object" || !Array.isArray(r.epochs)) {
    return null;
  }
  return {
    format: 1,
    id: r.id,
    experiment: "",
    index: -1,
    setting: { ...DEFAULT_SETTING, ...(r.setting as Partial<Setting>) },
    repeat: Number(r.repeat ?? 0),
    seed: Number(r.seed ?? 0),
    draw: null,
    status:
      (typeof r.status === "string" && r.status in STATUS_INFO
        ? r.status
        : "pending") as TrialStatus,
    epochs: (r.epochs as EpochMetrics[]).map((e) => ({
      ...e,
      eta: e.eta ?? (r.setting as Setting).eta,
    })),
  };
}

/** A cache of parsed records by file, reused while a file's size and time are unchanged. */
export type RecordCache = Map<string, { mtime: number; size: number; record: TrialRecord | null }>;

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
  const dir = recordsDir(resultsDir);
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { records, skipped };
    throw ioError(dir, err, "cannot read");
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const jsonl = entry.name.endsWith(".jsonl");
    if (!entry.isFile || !(jsonl || entry.name.endsWith(".json"))) continue;
    const path = join(dir, entry.name);
    let record: TrialRecord | null;
    try {
      const info = await Deno.stat(path);
      // An empty log is a trial starting this moment (its header not yet written), or one
      // killed in that moment: not started, and nothing to report.
      if (jsonl && info.size === 0) continue;
      const mtime = info.mtime?.getTime() ?? 0;
      const hit = cache?.get(path);
      if (hit && hit.mtime === mtime && hit.size === info.size) record = hit.record;
      else {
        const text = await Deno.readTextFile(path);
        record = jsonl ? parseRecord(text, path) : parseFormat1(text);
        cache?.set(path, { mtime, size: info.size, record });
      }
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) continue; // rewritten meanwhile
      skipped.push(`${path}: unreadable (${(err as Error).message.split("\n")[0]})`);
      continue;
    }
    if (!record) {
      skipped.push(`${path}: not a trial record (skipped)`);
      continue;
    }
    if (record.damaged) skipped.push(record.damaged);
    const other = records.get(record.id);
    if (!other || other.format < record.format) records.set(record.id, record);
  }
  return { records, skipped };
}

/** Appends event lines to one trial's log, one write per line (synchronous: a worker's). */
export class RecordLog {
  readonly #file: Deno.FsFile;
  readonly #encoder = new TextEncoder();

  /** Appends to the log at `path` (which exists). */
  constructor(readonly path: string, file?: Deno.FsFile) {
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
  static open(path: string): { text: string; log: RecordLog } {
    const open = () => Deno.openSync(path, { read: true, write: true, create: true });
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
    const log = new RecordLog(path, file);
    const chunks: Uint8Array[] = [];
    let size = 0;
    try {
      for (;;) {
        const buf = new Uint8Array(size === 0 ? 4096 : size);
        const n = file.readSync(buf);
        if (n === null || n === 0) break;
        chunks.push(buf.subarray(0, n));
        size += n;
      }
    } catch (err) {
      log.close();
      throw ioError(path, err);
    }
    const bytes = new Uint8Array(size);
    for (let i = 0, at = 0; i < chunks.length; at += chunks[i].length, i++) {
      bytes.set(chunks[i], at);
    }
    return { text: new TextDecoder().decode(bytes), log };
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
    } catch (err) {
      throw ioError(this.path, err);
    }
  }

  close(): void {
    try {
      this.#file.close();
    } catch { /* already closed */ }
  }
}
