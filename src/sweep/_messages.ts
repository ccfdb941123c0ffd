// Messages between the sweep's main thread and its workers.
import type { Dataset } from "../data/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import type { Trial } from "../experiment/mod.ts";
import type { TrialStatus } from "../store/mod.ts";

/** One trial to train, up to epoch `until` (its planned epochs, or a pruning rung). */
export interface Task {
  trial: Trial;
  /** The experiment's hash, for the record's header. */
  experiment: string;
  planned: number;
  until: number;
}

export type ToWorker =
  /** The shared dataset (SharedArrayBuffer views: shared, not copied), the stop flag, the results dir. */
  | { type: "init"; data: Dataset; stop: Int32Array; dir: string }
  | { type: "run"; task: Task };

export type ToMain =
  | { type: "start"; id: string; from: number }
  | { type: "epoch"; id: string; metrics: EpochMetrics }
  | {
    type: "done";
    id: string;
    status: TrialStatus;
    divergedEpoch?: number;
    stoppedBy?: string;
    kernel: string;
  }
  | { type: "failed"; id: string; error: string }
  /** A write failed: the sweep stops, naming the file. */
  | { type: "io-error"; id: string; error: string };
