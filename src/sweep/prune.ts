/**
 * The scheduler of a pruned sweep: successive halving (halving.ts) decides from the records
 * which trials train to which epoch; this process runs the ones of its share, marks the
 * pruned ones, and waits when its next step depends on trials that other workers, shards or
 * processes hold (polling their records: no server). A killed process resumes from the same
 * records and reaches the same decisions.
 *
 * @module
 */
import type { Trial } from "../experiment/mod.ts";
import type { TrialRecord } from "../store/mod.ts";
import type { Task } from "./_messages.ts";
import type { SweepOutput } from "./output.ts";
import type { SweepPlan } from "./plan.ts";
import type { SweepEvent } from "./events.ts";
import { claimTask, type Scheduler } from "./schedule.ts";
import { type HalvingState, type HalvingTrial, successiveHalving } from "./halving.ts";

/** How often a waiting process reads other processes' records. */
const POLL_MS = 500;

/** Successive halving over every trial of the sweep, running this process's share. */
export class PruneScheduler implements Scheduler {
  readonly #all: HalvingTrial[];
  readonly #mine: Map<string, Trial>;
  /** Tasks given to the pool whose outcome has not come back. */
  readonly #handed = new Set<string>();
  readonly #elsewhere = new Set<string>();
  #wake: () => void = () => {};
  #changed: Promise<void>;
  #reading: Promise<void> | null = null;
  #said = "";

  constructor(
    readonly plan: SweepPlan,
    readonly output: SweepOutput,
    toRun: Trial[],
    readonly onEvent?: (e: SweepEvent) => void,
    readonly signal?: AbortSignal,
  ) {
    this.#all = plan.trials.map((t) => ({
      id: t.id,
      index: t.index,
      planned: plan.planned(t.setting),
    }));
    this.#mine = new Map(toRun.map((t) => [t.id, t]));
    this.#changed = new Promise((r) => (this.#wake = r));
    signal?.addEventListener("abort", () => this.#wake());
  }

  #state(): HalvingState {
    return successiveHalving(this.#all, this.output.trials.records, this.plan.experiment.prune!);
  }

  async next(): Promise<Task | null> {
    while (!this.signal?.aborted) {
      await this.#markPruned(this.#state());
      // Decided after the await: a trial that finished meanwhile has left #handed, and a
      // verdict from before it finished would hand it out again, to train past its rung.
      const state = this.#state();
      let waitingOnOthers = false;
      let open = this.#handed.size > 0;
      let stale = false;
      for (const [id, a] of state.actions) {
        if (a.action !== "run" && a.action !== "wait") continue;
        const trial = this.#mine.get(id);
        if (!trial) {
          waitingOnOthers ||= a.action === "run";
          continue;
        }
        open = true;
        if (a.action !== "run" || this.#handed.has(id)) continue;
        // Another process (a second run into this folder) may have trained it since this one
        // read the records: decide again from what is on disk.
        const before = this.output.trials.get(id);
        const task = claimTask(this.plan, this.output, trial, a.until);
        if (task === "elsewhere") {
          this.#elsewhere.add(id);
          waitingOnOthers = true;
          continue;
        }
        const after = this.output.trials.get(id);
        if (
          task === null || after?.status !== before?.status ||
          after?.epochs.length !== before?.epochs.length
        ) {
          if (task) this.output.claims.release(id);
          stale = true;
          break;
        }
        this.#elsewhere.delete(id);
        this.#handed.add(id);
        return task;
      }
      if (stale) continue;
      // Nothing of this process's share is left to train or to decide.
      if (!open) return null;
      if (waitingOnOthers && this.#handed.size === 0) {
        this.#say(
          `rung ${state.rung} epochs: ${state.reached} of ${state.population} trials there, the rest in other processes or shards`,
        );
      }
      await Promise.race([this.#changed, new Promise((r) => setTimeout(r, POLL_MS))]);
      // Other processes' trials advance only on disk; this process's are reported live.
      if (waitingOnOthers) await this.#reload();
    }
    return null;
  }

  /** Marks this share's trials that halving pruned (claimed, so no one is running them). */
  async #markPruned(state: HalvingState): Promise<void> {
    for (const [id, a] of state.actions) {
      const trial = this.#mine.get(id);
      if (a.action !== "pruned" || !trial || this.#handed.has(id)) continue;
      const rec = this.output.trials.get(id);
      if (!rec || rec.status === "pruned" || !this.output.claims.take(id)) continue;
      try {
        const task = { trial, experiment: this.plan.meta.hash, planned: 0, until: 0, claim: "" };
        this.output.mark(task, "pruned", { stoppedBy: `pruned at ${a.rung} epochs` });
      } finally {
        this.output.claims.release(id);
      }
      await Promise.resolve(); // lets the pool's messages in between marks
    }
  }

  #reload(): Promise<void> {
    this.#reading ??= this.output.reload().finally(() => (this.#reading = null));
    return this.#reading;
  }

  #say(what: string): void {
    if (what === this.#said) return;
    this.#said = what;
    this.onEvent?.({ type: "waiting", what });
  }

  done(task: Task, _record: TrialRecord | undefined): void {
    this.#handed.delete(task.trial.id);
    this.output.claims.release(task.trial.id);
    this.#said = "";
    const wake = this.#wake;
    this.#changed = new Promise((r) => (this.#wake = r));
    wake();
  }

  elsewhere(): number {
    return this.#elsewhere.size;
  }
}
