// The record of a trial as a task starts it: its header from the task, status "running", and
// the epochs kept from before. The worker writes it at the start; the main thread writes one
// for a trial it marks before any worker started it.
import type { EpochMetrics } from "../vocabulary/mod.ts";
import { RECORD_FORMAT, type TrialRecord } from "../store/mod.ts";
import type { Task } from "./_messages.ts";

/** A running trial's record, continuing after `epochs`. */
export function runningRecord(task: Task, epochs: EpochMetrics[]): TrialRecord {
  const t = task.trial;
  return {
    format: RECORD_FORMAT,
    id: t.id,
    experiment: task.experiment,
    index: t.index,
    setting: t.setting,
    repeat: t.repeat,
    seed: t.seed,
    draw: t.draw,
    status: "running",
    epochs,
  };
}
