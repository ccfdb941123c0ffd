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
  /** Its worker threw; re-running tries again. */
  failed: { complete: false },
};

/** Every status, in code order (the zarr `status` array stores the index). */
export const STATUSES = Object.keys(STATUS_INFO) as TrialStatus[];

/** True for statuses that a re-run skips. */
export function isComplete(status: TrialStatus): boolean {
  return STATUS_INFO[status]?.complete ?? false;
}
