/**
 * What a running sweep reports: its start, each trial's start, epochs and outcome, and waits
 * for other processes.
 *
 * @module
 */
import type { EpochMetrics } from "../vocabulary/mod.ts";
import type { Experiment, SettingKey, Trial } from "../experiment/mod.ts";
import type { TrialRecord } from "../store/mod.ts";

/** Progress of a sweep. */
export type SweepEvent =
  | {
    type: "start";
    experiment: Experiment;
    total: number;
    toRun: number;
    /** Epochs planned for the trials to run: what the sweep's ETA counts down. */
    epochs: number;
    skipped: number;
    workers: number;
    /** Why `workers` is fewer than asked for (cores, trials), if it is. */
    workersNote?: string;
    dir: string;
    /** The setting keys that differ between the trials (what progress lines show). */
    varying: SettingKey[];
  }
  | { type: "trial-start"; trial: Trial; worker: number; epochs: number; from: number }
  | { type: "epoch"; trial: Trial; worker: number; metrics: EpochMetrics; epochs: number }
  | { type: "trial-done"; trial: Trial; worker: number; record: TrialRecord }
  /** Another run took over the trial's claim: it finishes there. */
  | { type: "trial-lost"; trial: Trial; worker: number }
  /** Something the user should know, in one line (a damaged checkpoint not used). */
  | { type: "note"; text: string }
  /** Waiting for other processes' trials (a pruning rung, or trials they hold). */
  | { type: "waiting"; what: string };
