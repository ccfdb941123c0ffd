/**
 * Which task a free worker runs next. A plain sweep runs each trial of this process's share to
 * its planned epochs, claiming it first; a trial that another live process holds is left to it.
 * A pruned sweep (`prune`) runs successive halving (prune.ts).
 *
 * @module
 */
import type { Trial } from "../experiment/mod.ts";
import { isComplete, type TrialRecord } from "../store/mod.ts";
import type { Task } from "./_messages.ts";
import type { SweepOutput } from "./output.ts";
import type { SweepPlan } from "./plan.ts";

/** What the pool asks a scheduler. */
export interface Scheduler {
  next(worker: number): Promise<Task | null>;
  /** A task's trial has its outcome in `record`. */
  done(task: Task, record: TrialRecord): void;
  /** Trials left to other live processes. */
  elsewhere(): number;
}

export class PlainScheduler implements Scheduler {
  readonly #queue: Trial[];
  readonly #elsewhere = new Set<string>();

  constructor(readonly plan: SweepPlan, readonly output: SweepOutput, toRun: Trial[]) {
    this.#queue = [...toRun];
  }

  next(): Promise<Task | null> {
    for (let t = this.#queue.shift(); t; t = this.#queue.shift()) {
      if (this.output.complete(t.id)) continue;
      if (!this.output.claims.take(t.id)) {
        this.#elsewhere.add(t.id);
        continue;
      }
      // Another process may have finished it between this one's reading of the records and
      // the claim: trained twice otherwise.
      const rec = this.output.latest(t.id);
      if (rec && isComplete(rec.status)) {
        this.output.claims.release(t.id);
        continue;
      }
      const planned = this.plan.planned(t.setting);
      return Promise.resolve({
        trial: t,
        experiment: this.plan.meta.hash,
        planned,
        until: planned,
      });
    }
    return Promise.resolve(null);
  }

  done(task: Task): void {
    this.output.claims.release(task.trial.id);
  }

  elsewhere(): number {
    return this.#elsewhere.size;
  }
}
