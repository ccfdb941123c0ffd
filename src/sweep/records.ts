/**
 * Trial records: one JSON file per trial, rewritten atomically after every epoch. They are
 * the sweep's source of truth; the zarr store and the CSV files are derived from them. Each
 * process writes only the records of the trials it runs, so shards never share a file.
 *
 * @module
 */
import { join } from "node:path";
import type { EpochMetrics } from "../network/sgd.ts";
import type { Setting } from "./schema.ts";
import { writeFileAtomic } from "../results/_atomic.ts";

/** Where a trial stands. `done`, `diverged` and `early-stopped` are complete. */
export type TrialStatus =
  | "pending"
  | "running"
  | "done"
  | "diverged"
  | "early-stopped"
  | "interrupted"
  | "failed";

/** Status names in code order (the zarr `status` array stores the index). */
export const STATUSES: readonly TrialStatus[] = [
  "pending",
  "running",
  "done",
  "diverged",
  "early-stopped",
  "interrupted",
  "failed",
];

/** True for statuses that a re-run skips. */
export function isComplete(status: TrialStatus): boolean {
  return status === "done" || status === "diverged" || status === "early-stopped";
}

/** Everything known about one trial. */
export interface TrialRecord {
  id: string;
  setting: Setting;
  repeat: number;
  seed: number;
  status: TrialStatus;
  /** Finished epochs, in order. */
  epochs: EpochMetrics[];
  divergedEpoch?: number;
  /** Why a trial failed. */
  error?: string;
  kernel?: string;
  updatedAt?: string;
}

/** The directory of trial records of one results directory. */
export function recordsDir(resultsDir: string): string {
  return join(resultsDir, "trials");
}

/** Writes a record atomically. */
export async function writeRecord(resultsDir: string, record: TrialRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeFileAtomic(join(recordsDir(resultsDir), `${record.id}.json`), JSON.stringify(record));
}

/** Reads every record of a results directory, by id. Unreadable files are skipped. */
export async function readRecords(resultsDir: string): Promise<Map<string, TrialRecord>> {
  const records = new Map<string, TrialRecord>();
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(recordsDir(resultsDir)));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return records;
    throw err;
  }
  for (const entry of entries) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    try {
      const rec = JSON.parse(
        await Deno.readTextFile(join(recordsDir(resultsDir), entry.name)),
      ) as TrialRecord;
      records.set(rec.id, rec);
    } catch {
      // A record is written atomically, so this is a foreign file; it is not ours to read.
    }
  }
  return records;
}
