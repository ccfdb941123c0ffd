/**
 * Where a trial stands, one table: every status, whether a re-run skips it, and its code in
 * the zarr `status` array (its position here). Records, CSV, zarr, tables and progress lines
 * all use it.
 *
 * @module
 */

/** A trial's status (see {@linkcode STATUS_INFO}). */
export type TrialStatus =
  | "pending"
  | "running"
  | "done"
  | "diverged"
  | "early-stopped"
  | "pruned"
  | "paused"
  | "interrupted"
  | "failed";

/** Every trial status, in zarr code order. */
export const STATUS_INFO: Record<TrialStatus, { complete: boolean }> = {
  /** Not started. */
  pending: { complete: false },
  /** Being trained by a process (or was, when that process was killed). */
  running: { complete: false },
  /** Trained for all its planned epochs. */
  done: { complete: true },
  /** Its parameters became NaN or infinite. */
  diverged: { complete: true },
  /** Early stopping or the eta schedule ended it. */
  "early-stopped": { complete: true },
  /** Successive halving stopped it at a rung. */
  pruned: { complete: true },
  /** Stopped at a rung, waiting for the other trials to reach it. */
  paused: { complete: false },
  /** Ctrl-C, SIGTERM or SIGHUP stopped it; re-running continues it. */
  interrupted: { complete: false },
  /**
   * Its worker threw, or died: tried again (in this run, and by re-runs) until it has failed
   * {@linkcode MAX_ATTEMPTS} times; then it is complete, ranks last and blocks no rung.
   */
  failed: { complete: false },
};

/** Failures after which a failed trial is not tried again. */
export const MAX_ATTEMPTS = 3;

/** Every status, in code order (the zarr `status` array stores the index). */
export const STATUSES = Object.keys(STATUS_INFO) as TrialStatus[];

/**
 * True when a trial needs no more training: its status is final, or it failed `attempts`
 * times, the most a trial is tried (schedulers, halving and tables all ask this).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { isComplete } from "./status.ts";
 * assertEquals([isComplete("done"), isComplete("failed", 1), isComplete("failed", 3)], [true, false, true]);
 * ```
 */
export function isComplete(status: TrialStatus, attempts = 0): boolean {
  if (status === "failed") return attempts >= MAX_ATTEMPTS;
  return STATUS_INFO[status]?.complete ?? false;
}

/**
 * {@linkcode isComplete} for a record (its status and failures so far); a `done` trial with
 * fewer epochs than `planned` now (its experiment asks for more) is not complete: it goes on.
 * A trial stopped after more than `planned` epochs (a longer run, interrupted) is complete: a
 * run of `planned` epochs ends there, as tables show it, and running it would cut its record.
 */
export function recordComplete(
  rec: { status: TrialStatus; attempts?: number; epochs: readonly unknown[] },
  planned = 0,
): boolean {
  if (rec.status === "done" && rec.epochs.length < planned) return false;
  if (planned > 0 && rec.epochs.length > planned) return true;
  return isComplete(rec.status, rec.attempts ?? 0);
}
