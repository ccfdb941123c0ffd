/**
 * The sweep runner: reads and validates an experiment file, expands its trials, loads the
 * dataset once, runs the trials of this shard that are not complete on a pool of Workers,
 * and keeps the trial records, `sweep.zarr`, `trials.csv` and `epochs.csv` up to date after
 * every epoch and trial. Re-running the same command resumes.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { type Dataset, loadDataset, withSparseRows } from "../data/dataset.ts";
import { NetsweepError } from "../errors.ts";
import type { EpochMetrics } from "../network/sgd.ts";
import { writeCsvs } from "../results/csv.ts";
import { withLock } from "../results/_atomic.ts";
import { createSweepStore, type SweepLayout, TrialChunkWriter } from "../results/zarr_store.ts";
import { applyOverrides, expandTrials, selectShard, type Shard, type Trial } from "./expand.ts";
import { runPool } from "./pool.ts";
import {
  isComplete,
  readRecords,
  type TrialRecord,
  type TrialStatus,
  writeRecord,
} from "./records.ts";
import { checkFitsData, type Experiment, parseExperiment, type Setting } from "./schema.ts";

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
  shard?: Shard;
  /** Stops the sweep promptly; finished epochs and trials are kept. */
  signal?: AbortSignal;
  /** Progress events. */
  onEvent?: (event: SweepEvent) => void;
  /** Run environment recorded in the store (computed when absent). */
  environment?: Record<string, unknown>;
  /**
   * Least time between two writes of a running trial's progress; default 1000 ms. Starts,
   * ends and Ctrl-C are written at once. (A running trial is re-run on resume anyway; this
   * only paces what a reader of a running sweep sees, and keeps the main thread's writing
   * from taking CPU from the workers.)
   */
  saveIntervalMs?: number;
}

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
    dir: string;
  }
  | { type: "trial-start"; trial: Trial; worker: number; epochs: number }
  | { type: "epoch"; trial: Trial; worker: number; metrics: EpochMetrics; epochs: number }
  | { type: "trial-done"; trial: Trial; worker: number; record: TrialRecord };

/** What a finished (or stopped) sweep leaves. */
export interface SweepResult {
  dir: string;
  experiment: Experiment;
  /** Every trial of the store, in index order, as its record stands. */
  records: TrialRecord[];
  /** True when the signal stopped the sweep. */
  interrupted: boolean;
}

/** Reads, validates and expands an experiment file with its overrides. */
export function loadExperiment(
  file: string,
  sets: string[] = [],
): { experiment: Experiment; trials: Trial[] } {
  let text: string;
  try {
    text = Deno.readTextFileSync(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new NetsweepError(file, "no such file");
    throw new NetsweepError(file, `cannot read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new NetsweepError(file, `invalid JSON (${(err as Error).message})`);
  }
  const experiment = parseExperiment(applyOverrides(json, sets), file);
  if (experiment.dataset.path !== null) {
    experiment.dataset.path = resolve(dirname(file), experiment.dataset.path);
  }
  return { experiment, trials: expandTrials(experiment) };
}

/** Epochs a setting runs on `n` training images (Saito's iterations make whole epochs). */
export function trialEpochs(s: Setting, n: number): number {
  if (s.sampling === "replacement" && s.iterations !== null) {
    return Math.ceil(s.iterations / Math.max(1, Math.floor(n / s.miniBatchSize)));
  }
  return s.epochs;
}

/** The Deno version, CPU and git commit of this run. */
export function runEnvironment(): Record<string, unknown> {
  let cpu = "unknown";
  try {
    cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? cpu;
  } catch { /* not Linux, or not allowed */ }
  let commit = "unknown";
  try {
    const out = new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    if (out.success) commit = new TextDecoder().decode(out.stdout).trim();
  } catch { /* no git */ }
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    os: Deno.build.os,
    arch: Deno.build.arch,
    cpu,
    cores: navigator.hardwareConcurrency,
    git_commit: commit,
    started: new Date().toISOString(),
  };
}

function dataFor(experiment: Experiment): Dataset {
  const d = experiment.dataset;
  // Sparse rows are found once here and shared with every worker, like the images.
  return withSparseRows(loadDataset({ path: d.path ?? undefined, split: d.split, scale: d.scale }));
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
  const { experiment, trials } = loadExperiment(options.file, options.sets);
  const data = dataFor(experiment);
  for (const t of trials) {
    checkFitsData(t.setting, data.inputSize, data.classes, options.file, `trial ${t.index}`);
    if (t.setting.trainSize !== null && t.setting.trainSize > data.training.count) {
      throw new NetsweepError(
        options.file,
        `trial ${t.index}.trainSize: ${t.setting.trainSize} is more than the ${data.training.count} training images`,
      );
    }
  }
  const dir = join(options.out ?? "results", experiment.name);
  const storePath = join(dir, "sweep.zarr");
  const records = await readRecords(dir);

  // The store holds this expansion's trials, then older trials whose records remain (a
  // changed experiment file adds trials without destroying old ones).
  const current = new Set(trials.map((t) => t.id));
  const older = [...records.values()].filter((r) => !current.has(r.id)).sort((a, b) =>
    a.id.localeCompare(b.id)
  );
  const layoutTrials = [...trials, ...older];
  const index = new Map(layoutTrials.map((t, i) => [t.id, i]));
  for (const t of layoutTrials) {
    if (!records.has(t.id)) {
      records.set(t.id, {
        id: t.id,
        setting: t.setting,
        repeat: t.repeat,
        seed: t.seed,
        status: "pending",
        epochs: [],
      });
    }
  }
  const planned = (t: { setting: Setting }) =>
    trialEpochs(t.setting, t.setting.trainSize ?? data.training.count);
  const layout: SweepLayout = {
    trials: layoutTrials,
    epochs: Math.max(
      ...layoutTrials.map(planned),
      ...[...records.values()].map((r) => r.epochs.length),
    ),
    experiment,
    environment: options.environment ?? runEnvironment(),
    counts: {
      training: data.training.count,
      validation: data.validation?.count ?? null,
      test: data.test.count,
    },
  };
  const rebuilt = await createSweepStore(storePath, layout);
  const mine = selectShard(trials, options.shard);
  const toRun = mine.filter((t) => !isComplete(records.get(t.id)!.status));
  const chunks = new TrialChunkWriter(storePath, layout);
  if (rebuilt) {
    // A new layout starts from fill values, which read as pending. Complete trials never
    // change again, so rewriting theirs is safe from any process; a running trial's chunks
    // belong to the process running it (another shard may be writing them right now).
    for (const t of layoutTrials) {
      const rec = records.get(t.id)!;
      if (isComplete(rec.status)) await chunks.write(index.get(t.id)!, rec);
    }
  }
  const ordered = () => layoutTrials.map((t) => records.get(t.id)!);
  const mineRunning = new Set<string>();
  const refreshCsvs = () =>
    withLock(join(dir, ".lock"), async () => {
      // Re-read: shard processes write their own records into the same directory.
      const onDisk = await readRecords(dir);
      for (const [id, rec] of onDisk) if (!mineRunning.has(id)) records.set(id, rec);
      await writeCsvs(dir, ordered());
    });
  const workers = Math.max(
    1,
    Math.min(options.workers ?? navigator.hardwareConcurrency, toRun.length || 1),
  );
  options.onEvent?.({
    type: "start",
    experiment,
    total: trials.length,
    toRun: toRun.length,
    epochs: toRun.reduce((sum, t) => sum + planned(t), 0),
    skipped: mine.length - toRun.length,
    workers,
    dir,
  });
  await refreshCsvs();

  // Chunks first, then the record: the record is the commit point. A kill between the two
  // leaves a record one epoch behind, so the trial is re-run on resume and its chunks rewritten.
  const saver = new CoalescingWriter(async (rec: TrialRecord) => {
    await chunks.write(index.get(rec.id)!, rec);
    await writeRecord(dir, rec);
  }, options.saveIntervalMs ?? 1000);
  const leftover = await runPool(data, toRun, workers, {
    onStart(trial, worker) {
      const rec: TrialRecord = {
        id: trial.id,
        setting: trial.setting,
        repeat: trial.repeat,
        seed: trial.seed,
        status: "running",
        epochs: [],
      };
      records.set(trial.id, rec);
      mineRunning.add(trial.id);
      saver.mark(rec, true);
      options.onEvent?.({ type: "trial-start", trial, worker, epochs: planned(trial) });
    },
    onEpoch(trial, metrics, worker) {
      const rec = records.get(trial.id)!;
      rec.epochs.push(metrics);
      saver.mark(rec);
      options.onEvent?.({ type: "epoch", trial, worker, metrics, epochs: planned(trial) });
    },
    async onDone(trial, outcome, worker) {
      const rec = records.get(trial.id)!;
      rec.status = outcome.status === "failed" ? "failed" : statusOf(outcome.status);
      if (outcome.divergedEpoch !== undefined) rec.divergedEpoch = outcome.divergedEpoch;
      if (outcome.error) rec.error = outcome.error;
      if (outcome.kernel) rec.kernel = outcome.kernel;
      saver.mark(rec, true);
      await saver.flush();
      mineRunning.delete(trial.id);
      await refreshCsvs();
      options.onEvent?.({ type: "trial-done", trial, worker, record: rec });
    },
  }, options.signal);

  for (const t of leftover) {
    const rec = records.get(t.id)!;
    if (rec.status === "running") {
      rec.status = "interrupted";
      saver.mark(rec, true);
    }
    mineRunning.delete(t.id);
  }
  await saver.flush();
  await refreshCsvs();
  return { dir, experiment, records: ordered(), interrupted: options.signal?.aborted ?? false };
}

/**
 * Writes the latest state of each marked record, one write at a time. Marks that arrive while
 * a write is under way (or within `intervalMs` of the last write, unless urgent) coalesce
 * into the next write, so a fast stream of epochs never builds a backlog of writes, Ctrl-C
 * never waits for one, and no finished epoch is dropped.
 */
class CoalescingWriter {
  #dirty = new Map<string, TrialRecord>();
  #draining: Promise<void> | null = null;
  #urgent = false;
  #last = 0;
  #wake: (() => void) | null = null;

  constructor(
    private readonly write: (rec: TrialRecord) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  mark(rec: TrialRecord, urgent = false): void {
    this.#dirty.set(rec.id, rec);
    if (urgent) this.#hurry();
    this.#draining ??= this.#drain();
  }

  #hurry(): void {
    this.#urgent = true;
    this.#wake?.();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty.size > 0) {
        const wait = this.#last + this.intervalMs - Date.now();
        if (!this.#urgent && wait > 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.#wake = () => (clearTimeout(timer), resolve());
          });
          this.#wake = null;
        }
        this.#urgent = false;
        const batch = [...this.#dirty.values()];
        this.#dirty.clear();
        // A snapshot, so chunks and record describe the same state even while epochs arrive.
        for (const rec of batch) await this.write(structuredClone(rec));
        this.#last = Date.now();
      }
    } finally {
      this.#draining = null;
    }
  }

  /** Resolves when every marked record is written. */
  async flush(): Promise<void> {
    this.#hurry();
    while (this.#draining) {
      this.#hurry();
      await this.#draining;
    }
  }
}

function statusOf(s: string): TrialStatus {
  return s === "done" || s === "diverged" || s === "early-stopped" ? s : "interrupted";
}
