/**
 * Trial records: one append-only log per trial, `trials/<id>.jsonl`: a header line (the
 * trial's setting and seed), then one line per finished epoch and one per change of status.
 * They are the sweep's source of truth: the CSV files and the zarr store are derived from
 * them, and tables read them. An epoch line is written when the epoch ends, so a killed
 * process loses only the epoch in progress; a torn last line is ignored, and a damaged line
 * ends what is read (the trial then continues from what was intact).
 *
 * Format 3 (this one): a trial's id leaves out how long it runs, so raising `epochs` continues
 * it. Format 2 (netsweep 0.2) had `epochs` in the id; a sweep renames those records of its own
 * trials to format 3 (sweep/migrate.ts), and readers take both. Format 1 (netsweep 0.1,
 * `trials/<id>.json`, seeds that depended on `epochs` and `monitor`) is read, never written.
 *
 * @module
 */
import { join } from "node:path";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import { NetsweepError } from "../core/mod.ts";
import { Checker, DEFAULT_SETTING, type Setting, show } from "../experiment/mod.ts";
import { STATUS_INFO, type TrialStatus } from "./status.ts";

/** The record format this version writes. */
export const RECORD_FORMAT = 3;

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
  /** The run (coordination's run id) that runs, or last ran, it. */
  run?: string;
  /** That run's host and process id, for messages. */
  host?: string;
  /** The process's id. */
  pid?: number;
  /** How many times a worker failed on it (see STATUS_INFO's attempt policy). */
  attempts?: number;
  /** When the record last changed. */
  updatedAt?: string;
  /** Why part of its log was not used (a damaged line), if any. */
  damaged?: string;
}

/** A status change as a log line. */
export interface StatusEvent {
  status: TrialStatus;
  at?: string;
  run?: string;
  attempts?: number;
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

/** What a status event may carry besides its status and time. */
const EVENT_FIELDS = [
  "run",
  "host",
  "pid",
  "attempts",
  "divergedEpoch",
  "stoppedBy",
  "error",
  "kernel",
] as const;

/** The log text of a record: header, epochs, and its status as one event. */
export function recordText(rec: TrialRecord): string {
  const status: StatusEvent = { status: rec.status, at: rec.updatedAt ?? new Date().toISOString() };
  for (const k of EVENT_FIELDS) {
    if (rec[k] !== undefined) (status as unknown as Record<string, unknown>)[k] = rec[k];
  }
  const lines = [header(rec), ...rec.epochs, status].map((l) => JSON.stringify(l));
  return lines.join("\n") + "\n";
}

/** Applies one event line to a record; returns a problem, or null. */
function apply(rec: TrialRecord, line: Record<string, unknown>): string | null {
  if (typeof line.epoch === "number") {
    if (line.epoch !== rec.epochs.length) {
      return `epoch ${line.epoch} follows ${rec.epochs.length} epochs`;
    }
    const problem = epochProblem(line);
    if (problem) return problem;
    rec.epochs.push(line as unknown as EpochMetrics);
    return null;
  }
  if (typeof line.status === "string" && line.status in STATUS_INFO) {
    const problem = eventProblem(line);
    if (problem) return problem;
    const e = line as unknown as StatusEvent;
    rec.status = e.status;
    rec.updatedAt = e.at ?? rec.updatedAt;
    for (const k of EVENT_FIELDS) {
      if (e[k] !== undefined) (rec as unknown as Record<string, unknown>)[k] = e[k];
    }
    if (e.from !== undefined) rec.epochs.length = Math.min(rec.epochs.length, e.from);
    return null;
  }
  return "neither an epoch nor a status";
}

/** What is wrong with an epoch line (each metric a number, gradient norms numbers), or null. */
function epochProblem(line: Record<string, unknown>): string | null {
  for (const [k, v] of Object.entries(line)) {
    if (k === "gradientNorms") {
      if (!Array.isArray(v) || !v.every((x) => typeof x === "number")) {
        return "gradientNorms is not a list of numbers";
      }
    } else if (typeof v !== "number" && v !== null) return `${k} is not a number`;
  }
  return null;
}

/** What is wrong with a status event's fields, or null. */
function eventProblem(line: Record<string, unknown>): string | null {
  for (const k of ["run", "host", "stoppedBy", "error", "kernel", "at"]) {
    if (line[k] !== undefined && typeof line[k] !== "string") return `${k} is not text`;
  }
  for (const k of ["pid", "attempts", "divergedEpoch", "from"]) {
    if (line[k] !== undefined && !Number.isInteger(line[k])) return `${k} is not an integer`;
  }
  return null;
}

/**
 * Parses a log. Returns null when its first line is not a trial header (a foreign file);
 * throws a NetsweepError naming the file when the header's setting is not one netsweep could
 * have written (a tampered record: its values would reach tables and CSV files).
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
  const setting = new Checker(file).resolvedSetting(head.setting, "$.setting");
  for (const k of ["id", "experiment"] as const) {
    if (typeof head[k] !== "string" || !/^[0-9a-f]*$/.test(head[k] as string)) {
      throw new NetsweepError(file, `$.${k}: not a trial record's (${show(head[k])})`);
    }
  }
  const rec: TrialRecord = {
    ...(head as unknown as TrialHeader),
    setting: { ...DEFAULT_SETTING, ...setting },
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
export function parseFormat1(text: string): TrialRecord | null {
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
