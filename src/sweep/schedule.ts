/**
 * Which task a free worker runs next. A plain sweep runs each trial of this process's share to
 * its planned epochs, claiming it first; a trial that another live process holds is left to
 * it; a trial whose worker failed goes to the back of the queue until it has failed
 * MAX_ATTEMPTS times. Before it ends, a sweep asks again for the trials whose holder is alive
 * only by presumption (another machine's run whose heartbeat it has not yet seen move): a run
 * that died just before this one started is found dead and its trials run here. A pruned
 * sweep runs successive halving instead (prune.ts).
 *
 * @module
 */
import { HEARTBEAT_MS } from "../coordination/mod.ts";
import type { Trial } from "../experiment/mod.ts";
import type { TrialRecord } from "../store/mod.ts";
import type { Task } from "./_messages.ts";
import type { SweepOutput } from "./output.ts";
import type { SweepPlan } from "./plan.ts";

/** What the pool asks a scheduler. */
export interface Scheduler {
  next(worker: number): Promise<Task | null>;
  /** A task's trial has its outcome in `record` (undefined: its claim was lost). */
  done(task: Task, record: TrialRecord | undefined): void;
  /** Trials left to other live processes. */
  elsewhere(): number;
}

/** Claims trial `t` and makes its task, or null when it is complete or held elsewhere. */
export function claimTask(
  plan: SweepPlan,
  output: SweepOutput,
  t: Trial,
  until: number,
): Task | "elsewhere" | null {
  if (!output.claims.take(t.id)) return "elsewhere";
  // Another process may have finished it between this one's reading of the records and the
  // claim: read its record again, now that no one else can change it.
  output.trials.refresh(t.id);
  if (output.trials.complete(t.id, plan.planned(t.setting))) {
    output.claims.release(t.id);
    return null;
  }
  return {
    trial: t,
    experiment: plan.meta.hash,
    planned: plan.planned(t.setting),
    until,
    claim: output.claims.nonce(t.id)!,
  };
}

/** Every trial of this share to its end, in order. */
export class PlainScheduler implements Scheduler {
  readonly #queue: Trial[];
  /** Trials another run holds, by id. */
  readonly #elsewhere = new Map<string, Trial>();

  constructor(
    readonly plan: SweepPlan,
    readonly output: SweepOutput,
    toRun: Trial[],
    readonly signal?: AbortSignal,
  ) {
    this.#queue = [...toRun];
  }

  async next(): Promise<Task | null> {
    for (;;) {
      for (let t = this.#queue.shift(); t; t = this.#queue.shift()) {
        if (this.output.trials.complete(t.id, this.plan.planned(t.setting))) continue;
        const task = claimTask(this.plan, this.output, t, this.plan.planned(t.setting));
        if (task === "elsewhere") this.#elsewhere.set(t.id, t);
        else if (task) {
          this.#elsewhere.delete(t.id);
          return task;
        }
      }
      const unsure = [...this.#elsewhere.keys()].filter((id) =>
        this.output.claims.holderUnsure(id)
      );
      if (unsure.length === 0 || this.signal?.aborted) return null;
      // A heartbeat later, ask again (a worker that asked meanwhile may have queued them).
      await new Promise((r) => setTimeout(r, HEARTBEAT_MS));
      for (const id of unsure) {
        const t = this.#elsewhere.get(id);
        if (t && !this.#queue.includes(t)) this.#queue.push(t);
      }
    }
  }

  done(task: Task, record: TrialRecord | undefined): void {
    this.output.claims.release(task.trial.id);
    if (!record) this.#elsewhere.set(task.trial.id, task.trial);
    // A failed trial with attempts left is tried again after the others.
    else if (
      record.status === "failed" && !this.output.trials.complete(task.trial.id, task.planned)
    ) {
      this.#queue.push(task.trial);
    }
  }

  elsewhere(): number {
    return this.#elsewhere.size;
  }
}
