// Messages between the sweep's main thread and its workers. The records on disk are the
// trials' state; messages only say that one changed, and carry each epoch's metrics for the
// progress lines.
import type { Dataset } from "../data/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import type { Trial } from "../experiment/mod.ts";
import type { Durability, TrialStatus } from "../store/mod.ts";
import type { RunIdentity } from "../coordination/mod.ts";
import type { TeamShare } from "../model/mod.ts";

/** One trial to train, up to epoch `until` (its planned epochs, or a pruning rung). */
export interface Task {
  trial: Trial;
  /** The experiment's hash, for the record's header. */
  experiment: string;
  planned: number;
  until: number;
  /** The nonce of this run's claim on the trial: the worker stops if the claim is lost. */
  claim: string;
}

export type ToWorker =
  /** The shared dataset (SharedArrayBuffer views), the stop gate's cells, the results dir. */
  | {
    type: "init";
    data: Dataset;
    gate: Int32Array;
    dir: string;
    run: RunIdentity;
    durability: Durability;
  }
  | { type: "run"; task: Task }
  /** An idle worker joins a running trial's network as its helper thread (model/team.ts). */
  | { type: "help"; share: TeamShare };

export type ToMain =
  | { type: "start"; id: string; from: number }
  /** The trial's network takes a helper thread: what an idle worker needs to join it. */
  | { type: "team"; id: string; share: TeamShare }
  /** A helper left its team (the trial ended, or the pool asked): the worker is idle again. */
  | { type: "helped"; id: string }
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
  /** Another run took the trial's claim (this one was judged dead): the worker stopped. */
  | { type: "lost"; id: string }
  /** Something the user should know, in one line (a damaged checkpoint). */
  | { type: "note"; id: string; text: string }
  /** A write failed: the sweep stops, naming the file. */
  | { type: "io-error"; id: string; error: string };
