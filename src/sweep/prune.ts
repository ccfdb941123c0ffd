/**
 * Successive halving (issue: search beyond grids). Placeholder until the pruning scheduler
 * lands: refuses to run, so no pruned sweep silently runs unpruned.
 *
 * @module
 */
import { NetsweepError } from "../errors.ts";
import type { Trial } from "../experiment/expand.ts";
import type { TrialRecord } from "../store/records.ts";
import type { Task } from "./_messages.ts";
import type { SweepOutput } from "./output.ts";
import type { SweepPlan } from "./plan.ts";
import type { SweepEvent } from "./runner.ts";

export class PruneScheduler {
  constructor(
    plan: SweepPlan,
    _output: SweepOutput,
    _toRun: Trial[],
    _onEvent?: (e: SweepEvent) => void,
  ) {
    throw new NetsweepError(plan.file, "$.prune: pruning is not available yet");
  }
  next(): Promise<Task | null> {
    return Promise.resolve(null);
  }
  done(_task: Task, _record: TrialRecord): void {}
  elsewhere(): number {
    return 0;
  }
}
