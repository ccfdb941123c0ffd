// Messages between the sweep's main thread and its workers.
import type { Dataset } from "../data/dataset.ts";
import type { EpochMetrics, TrainStatus } from "../network/sgd.ts";
import type { Trial } from "./expand.ts";

export type ToWorker =
  /** The shared dataset (SharedArrayBuffer views: shared, not copied) and the stop flag. */
  | { type: "init"; data: Dataset; stop: Int32Array }
  | { type: "run"; trial: Trial };

export type ToMain =
  | { type: "epoch"; id: string; metrics: EpochMetrics }
  | { type: "done"; id: string; status: TrainStatus; divergedEpoch?: number; kernel: string }
  | { type: "failed"; id: string; error: string };
