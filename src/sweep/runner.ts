/**
 * The sweep runner: plans the sweep (experiment, trials, data), opens its results directory,
 * and runs the trials of this shard that are not complete on a pool of Workers, each trial
 * claimed first so that concurrent runs into one directory share the work. Re-running the same
 * command resumes: a trial that was stopped continues from its last checkpoint.
 *
 * @module
 */
import { join } from "node:path";
import { NetsweepError } from "../core/mod.ts";
import {
  type Experiment,
  selectShard,
  type Shard,
  type Trial,
  varyingKeys,
} from "../experiment/mod.ts";
import type { TrialRecord } from "../store/mod.ts";
import { planSweep, type SweepPlan } from "./plan.ts";
import { SweepOutput } from "./output.ts";
import { PoolStopped, runPool } from "./pool.ts";
import { environment } from "./environment.ts";
import { PlainScheduler, type Scheduler } from "./schedule.ts";
import { PruneScheduler } from "./prune.ts";
import type { SweepEvent } from "./events.ts";

/** How to run a sweep. */
export interface SweepOptions {
  /** The experiment file. */
  file: string;
  /** Results go to `<out>/<name>/`; default `results`. */
  out?: string;
  /** Parallel trials; default the number of cores. */
  workers?: number;
  /** `key=value` overrides of base values. */
  sets?: string[];
  /** This process's shard of the trials (default: all of them). */
  shard?: Shard;
  /** Stops the sweep promptly; finished epochs and trials are kept. */
  signal?: AbortSignal;
  /** Progress events. */
  onEvent?: (event: SweepEvent) => void;
  /** Run environment recorded with the results (measured when absent). */
  environment?: Record<string, unknown>;
  /** Least time between two rebuilds of the CSV files and the zarr store; default 5 s. */
  refreshMs?: number;
}

/** What a finished (or stopped) sweep leaves. */
export interface SweepResult {
  /** The results directory. */
  dir: string;
  /** The experiment run. */
  experiment: Experiment;
  /** Every trial of the directory, in store order, as its record stands. */
  records: TrialRecord[];
  /** True when the signal stopped the sweep. */
  interrupted: boolean;
  /** Trials of this run that another live process holds (they finish there). */
  elsewhere: number;
  /** Files in `trials/` that are not usable records, named with why. */
  skipped: string[];
}

/**
 * Runs (or resumes) a sweep.
 *
 * @example
 * ```ts ignore
 * import { runSweep } from "./runner.ts";
 * const result = await runSweep({ file: "experiments/eta.json", workers: 2 });
 * console.log(result.records.map((r) => r.status));
 * ```
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const plan = planSweep(options.file, options.sets ?? [], options.environment ?? environment());
  const { experiment } = plan;
  const dir = join(options.out ?? "results", experiment.name);
  const interrupted = () => options.signal?.aborted ?? false;
  const output = await SweepOutput.open(dir, plan.meta, options.refreshMs);
  try {
    const mine = selectShard(plan.trials, options.shard);
    const toRun = mine.filter((t) => !output.complete(t.id));
    const sched = scheduler(plan, output, toRun, options.onEvent, options.signal);

    const workers = Math.max(
      1,
      Math.min(options.workers ?? navigator.hardwareConcurrency, toRun.length || 1),
    );
    options.onEvent?.({
      type: "start",
      experiment,
      total: plan.trials.length,
      toRun: toRun.length,
      epochs: toRun.reduce(
        (s, t) => s + plan.planned(t.setting) - (output.records.get(t.id)?.epochs.length ?? 0),
        0,
      ),
      skipped: mine.length - toRun.length,
      workers,
      dir,
      varying: varyingKeys(plan.trials),
    });
    await output.refresh(true);
    if (toRun.length > 0 && !interrupted()) {
      try {
        await runPool(plan.data, dir, workers, {
          next: (w) => sched.next(w),
          onStart(task, worker, from) {
            output.started(task, from);
            options.onEvent?.({
              type: "trial-start",
              trial: task.trial,
              worker,
              epochs: task.planned,
              from,
            });
          },
          onEpoch(task, metrics, worker) {
            output.records.get(task.trial.id)?.epochs.push(metrics);
            options.onEvent?.({
              type: "epoch",
              trial: task.trial,
              worker,
              metrics,
              epochs: task.planned,
            });
          },
          async onDone(task, outcome, worker) {
            const id = task.trial.id;
            if (outcome.type === "failed") {
              await output.mark(id, "failed", { error: outcome.error });
            } else {
              const rec = output.records.get(id)!;
              Object.assign(rec, {
                status: outcome.status,
                kernel: outcome.kernel,
                ...(outcome.divergedEpoch !== undefined
                  ? { divergedEpoch: outcome.divergedEpoch }
                  : {}),
                ...(outcome.stoppedBy ? { stoppedBy: outcome.stoppedBy } : {}),
              });
            }
            output.finished(id);
            sched.done(task, output.records.get(id)!);
            options.onEvent?.({
              type: "trial-done",
              trial: task.trial,
              worker,
              record: output.records.get(id)!,
            });
            // In the background: the worker's next trial does not wait for the CSV files.
            output.refreshSoon();
          },
        }, options.signal);
      } catch (err) {
        if (!(err instanceof PoolStopped)) throw err;
        // Every finished epoch is in the records; the running trials become "interrupted".
        for (const task of err.running) {
          output.finished(task.trial.id);
          await output.mark(task.trial.id, "interrupted").catch(() => {});
          output.claims.release(task.trial.id);
        }
        for (const task of err.queued) output.claims.release(task.trial.id);

        if (err.reason === "io-error") {
          await output.refresh(true).catch(() => {});
          throw new NetsweepError(
            err.message.split(": ")[0],
            err.message.split(": ").slice(1).join(": "),
          );
        }
      }
    }
    await output.refresh(true, true);
    return {
      dir,
      experiment,
      records: output.ordered(),
      interrupted: interrupted(),
      elsewhere: sched.elsewhere(),
      skipped: output.skipped,
    };
  } finally {
    output.claims.stop();
    await output.cleanUp();
  }
}

/** The scheduler of a plan: successive halving when the experiment prunes, else plain. */
export function scheduler(
  plan: SweepPlan,
  output: SweepOutput,
  toRun: Trial[],
  onEvent?: (e: SweepEvent) => void,
  signal?: AbortSignal,
): Scheduler {
  return plan.experiment.prune
    ? new PruneScheduler(plan, output, toRun, onEvent, signal)
    : new PlainScheduler(plan, output, toRun);
}
