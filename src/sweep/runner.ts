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
import type { LeaseHooks } from "../coordination/mod.ts";
import type { Durability, TrialRecord } from "../store/mod.ts";
import { planSweep, type SweepPlan } from "./plan.ts";
import { SweepOutput } from "./output.ts";
import { migrateFormat2 } from "./migrate.ts";
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
  /** What errors in `sets` are called: `--set` by default. */
  setsLabel?: string;
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
  /** How records reach the disk (see Durability); default `auto`. */
  durability?: Durability;
  /** Test hooks for the claims' takeover protocol. */
  leaseHooks?: LeaseHooks;
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
  /** Each trial's planned epochs in this run, by id. */
  planned: Map<string, number>;
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
  const plan = planSweep(
    options.file,
    options.sets ?? [],
    options.environment ?? environment(),
    options.setsLabel,
  );
  const { experiment } = plan;
  const dir = join(options.out ?? "results", experiment.name);
  const output = await SweepOutput.open(dir, plan.meta, {
    refreshMs: options.refreshMs,
    durability: options.durability,
    leaseHooks: options.leaseHooks,
  });
  try {
    const moved = await migrateFormat2(output, plan.datasetKey);
    if (moved.length > 0) {
      options.onEvent?.({
        type: "note",
        text:
          `${moved.length} trial records of netsweep 0.2 renamed to format 3 (ids without epochs), so that raising epochs continues them`,
      });
    }
    const mine = selectShard(plan.trials, options.shard);
    const toRun = mine.filter((t) => !output.trials.complete(t.id, plan.planned(t.setting)));
    const sched = scheduler(plan, output, toRun, options.onEvent, options.signal);
    const { workers, note } = workerCount(options.workers, toRun.length);
    options.onEvent?.({
      type: "start",
      experiment,
      total: plan.trials.length,
      toRun: toRun.length,
      epochs: toRun.reduce(
        (s, t) => s + plan.planned(t.setting) - (output.trials.get(t.id)?.epochs.length ?? 0),
        0,
      ),
      skipped: mine.length - toRun.length,
      workers,
      ...(note ? { workersNote: note } : {}),
      dir,
      varying: varyingKeys(plan.trials),
    });
    await output.refresh(true);
    if (toRun.length > 0 && !options.signal?.aborted) {
      await runTrials(plan, output, sched, workers, options);
    }
    await output.refresh(true, true);
    return {
      dir,
      experiment,
      records: output.trials.ordered(),
      interrupted: options.signal?.aborted ?? false,
      elsewhere: sched.elsewhere(),
      skipped: output.skipped,
      planned: new Map(plan.trials.map((t) => [t.id, plan.planned(t.setting)])),
    };
  } finally {
    output.close();
  }
}

/**
 * Workers to start: as asked (default one per core), but never more than the cores or twice
 * the trials to run (a worker with no trial left joins a running one as its second thread,
 * model/team.ts; more only share the cores and memory, and make each trial slower).
 */
export function workerCount(
  asked: number | undefined,
  trials: number,
  cores: number = navigator.hardwareConcurrency,
): {
  workers: number;
  note?: string;
} {
  const workers = Math.max(1, Math.min(asked ?? cores, cores, 2 * trials || 1));
  if (asked === undefined || workers >= asked) return { workers };
  const why = asked > cores && workers === cores
    ? `this machine has ${cores} cores`
    : `the sweep has ${trials} trial${trials === 1 ? "" : "s"} to run, two workers at most each`;
  const noun = workers === 1 ? "worker" : "workers";
  return { workers, note: `${workers} ${noun}, not ${asked}: ${why}` };
}

/** Runs the trials `sched` hands out on a pool of workers until none is left or a stop. */
async function runTrials(
  plan: SweepPlan,
  output: SweepOutput,
  sched: Scheduler,
  workers: number,
  options: SweepOptions,
): Promise<void> {
  const emit = (e: SweepEvent) => options.onEvent?.(e);
  try {
    await runPool(plan.data, output, workers, {
      next: (w) => sched.next(w),
      onStart(task, worker, from) {
        emit({ type: "trial-start", trial: task.trial, worker, epochs: task.planned, from });
      },
      onEpoch(task, metrics, worker) {
        emit({ type: "epoch", trial: task.trial, worker, metrics, epochs: task.planned });
      },
      onNote: (text) => emit({ type: "note", text }),
      onDone(task, outcome, worker) {
        const id = task.trial.id;
        if (outcome.type === "lost") {
          sched.done(task, undefined);
          return emit({ type: "trial-lost", trial: task.trial, worker });
        }
        const record = outcome.type === "failed"
          ? output.mark(task, "failed", {
            error: outcome.error.split("\n")[0].slice(0, 500),
            attempts: (output.trials.refresh(id)?.attempts ?? 0) + 1,
          })
          : output.trials.refresh(id);
        sched.done(task, record);
        if (record) emit({ type: "trial-done", trial: task.trial, worker, record });
        // In the background: the worker's next trial does not wait for the CSV files.
        output.refreshSoon();
      },
    }, options.signal);
  } catch (err) {
    if (!(err instanceof PoolStopped)) throw err;
    // Every finished epoch is in the records; the running trials become "interrupted".
    for (const task of err.running) {
      try {
        output.mark(task, "interrupted");
      } catch { /* the records stay as they are: a re-run continues from them */ }
      output.claims.release(task.trial.id);
    }
    for (const task of err.queued) {
      // Its worker may have started it (its record says "running", by this run) before its
      // "start" message reached this thread: it is interrupted as well.
      const record = output.trials.refresh(task.trial.id);
      if (record?.status === "running" && record.run === output.coordinator.me.run) {
        try {
          output.mark(task, "interrupted");
        } catch { /* as above */ }
      }
      output.claims.release(task.trial.id);
    }
    if (err.reason === "io-error") {
      await output.refresh(true).catch(() => {});
      const [file, ...rest] = err.message.split(": ");
      throw new NetsweepError(file, rest.join(": "));
    }
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
    : new PlainScheduler(plan, output, toRun, signal);
}
