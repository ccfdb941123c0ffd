/**
 * Reading a sweep's results back from its trial records (the source of truth) and the
 * experiments' files, for tables, plots and reports. Works on a running, interrupted or
 * damaged sweep: files that are not usable records are named, never fatal. It also says
 * whether `sweep.zarr` still matches the records.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { NetsweepError } from "../core/mod.ts";
import { datasetKey, expandTrials, type Experiment, trialId } from "../experiment/mod.ts";
import {
  type ExperimentMeta,
  readMetas,
  readRecords,
  RECORD_FORMAT,
  type RecordCache,
  recordsDigest,
  storeDigest,
  storeOrder,
  type TrialPredictions,
  type TrialRecord,
} from "../store/mod.ts";

/** A sweep's results. */
export interface SweepData {
  /** The results directory. */
  dir: string;
  /** The experiment the directory is named after (its first experiment file). */
  experiment: Experiment;
  /** Every experiment file whose trials are here, by hash (usually one). */
  metas: Map<string, ExperimentMeta>;
  /** Every trial, in store order. */
  trials: TrialRecord[];
  /** Images per split of the primary experiment's dataset, for `9542 / 10000`. */
  counts: ExperimentMeta["counts"] | null;
  /** The run environment the primary experiment recorded. */
  environment: Record<string, unknown>;
  /** Files in `trials/` that are not usable records, named with why. */
  skipped: string[];
  /** `sweep.zarr` is missing or was built from other records than these. */
  storeStale: boolean;
  /**
   * The trials' predictions files, by trial id, once read by `loadPredictions` (tables then
   * show the vote of each setting's repeats, reports the pictures).
   */
  predictions?: Map<string, TrialPredictions>;
}

/** What a format-1 directory (netsweep 0.1) kept in its store's attributes. */
async function format1Meta(dir: string): Promise<ExperimentMeta | null> {
  try {
    const a = JSON.parse(await Deno.readTextFile(join(dir, "sweep.zarr", "zarr.json"))).attributes;
    if (!a?.experiment) return null;
    return {
      hash: "",
      experiment: a.experiment,
      dataset: "",
      counts: a.dataset_counts ?? null,
      environment: a.environment ?? {},
    };
  } catch {
    return null;
  }
}

/**
 * Reads the results in `dir`.
 *
 * @example
 * ```ts ignore
 * import { readSweep } from "./read.ts";
 * const sweep = await readSweep("results/eta");
 * console.log(sweep.trials.length, sweep.trials[0].epochs.at(-1)?.testAccuracy);
 * ```
 */
export async function readSweep(
  dir: string,
  options: { cache?: RecordCache } = {},
): Promise<SweepData> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(dir);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new NetsweepError(dir, "no such directory");
    throw new NetsweepError(dir, `cannot read (${(err as Error).message.split("\n")[0]})`);
  }
  if (!info.isDirectory) {
    throw new NetsweepError(dir, "not a directory (give a results directory, like results/eta)");
  }
  const { records, skipped } = await readRecords(dir, options.cache);

  const metas = await readMetas(dir);
  const stored = storeOrder(records.values());
  // A format-2 record (netsweep 0.2) is the trial whose format-3 id leaves out its epochs.
  const renamed = new Set<string>();
  for (const r of records.values()) {
    const meta = r.format === 2 ? metas.get(r.experiment) : undefined;
    if (meta) {
      renamed.add(trialId(datasetKey(meta.experiment.dataset, meta.dataset), r.setting, r.seed));
    }
  }
  // Trials an experiment plans that no process has started yet (another shard's) are pending.
  for (const meta of metas.values()) {
    for (
      const t of expandTrials(meta.experiment, datasetKey(meta.experiment.dataset, meta.dataset))
    ) {
      if (records.has(t.id) || renamed.has(t.id)) continue;
      records.set(t.id, {
        format: RECORD_FORMAT,
        id: t.id,
        experiment: meta.hash,
        index: t.index,
        setting: t.setting,
        repeat: t.repeat,
        seed: t.seed,
        draw: t.draw,
        status: "pending",
        epochs: [],
      });
    }
  }
  const trials = storeOrder(records.values());
  let primary: ExperimentMeta | null = null;
  if (trials.length > 0) primary = metas.get(trials[0].experiment) ?? null;
  primary ??= [...metas.values()][0] ?? (await format1Meta(dir));
  if (!primary) {
    throw new NetsweepError(
      dir,
      "not a sweep result, nor a folder of them (no trial records or experiments in it or its subfolders; run `deno task sweep` first)",
    );
  }
  const digest = await storeDigest(join(dir, "sweep.zarr"));
  return {
    dir,
    experiment: primary.experiment,
    metas,
    trials,
    counts: primary.counts ?? null,
    environment: primary.environment ?? {},
    skipped,
    storeStale: stored.length > 0 && digest !== recordsDigest(stored),
  };
}

/** True when `dir` holds a sweep: trial records, experiments, or a format-1 store. */
async function isSweepDir(dir: string): Promise<boolean> {
  for (const sub of ["trials", "experiments", "sweep.zarr"]) {
    try {
      if ((await Deno.stat(join(dir, sub))).isDirectory) return true;
    } catch { /* not this one */ }
  }
  return false;
}

/**
 * The sweeps in `root`: `root` itself when it is one, else the sweeps in its subfolders down to
 * `depth` levels (hidden folders skipped), in name order. `deno task sweep --out DIR` writes
 * into `DIR/<name>`, so `DIR` is a folder of sweeps.
 *
 * @example
 * ```ts ignore
 * import { findSweeps } from "./read.ts";
 * console.log(await findSweeps("results")); // ["results/eta", "results/nielsen-ch1"]
 * ```
 */
export async function findSweeps(root: string, depth = 2): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, left: number) => {
    if (await isSweepDir(d)) return void out.push(d);
    if (left === 0) return;
    let entries: Deno.DirEntry[] = [];
    try {
      entries = await Array.fromAsync(Deno.readDir(d));
    } catch { /* unreadable: nothing here */ }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory && !e.name.startsWith(".")) await walk(join(d, e.name), left - 1);
    }
  };
  await walk(root, depth);
  return out;
}

/**
 * The sweep directories that `dirs` name: each a sweep, or a folder of sweeps (as
 * `deno task sweep --out DIR` makes). A directory with neither is left as it is, for
 * {@linkcode readSweep} to say what it is not.
 */
export async function sweepDirs(dirs: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const found = await findSweeps(dir);
    out.push(...(found.length > 0 ? found : [dir]));
  }
  return out;
}

/**
 * Reads several results directories for one comparison: each a sweep or a folder of sweeps; a
 * directory given twice (`d` and `d/`, or through a link) is read once, and a trial found in
 * two directories (a copied results folder) counts once.
 */
export async function readSweeps(dirs: string[]): Promise<SweepData[]> {
  const seenDirs = new Set<string>();
  const seenTrials = new Set<string>();
  const out: SweepData[] = [];
  for (const dir of await sweepDirs(dirs)) {
    let real: string;
    try {
      real = await Deno.realPath(dir);
    } catch {
      real = resolve(dir);
    }
    if (seenDirs.has(real)) continue;
    seenDirs.add(real);
    const sweep = await readSweep(dir);
    sweep.trials = sweep.trials.filter((t) => !seenTrials.has(t.id));
    for (const t of sweep.trials) seenTrials.add(t.id);
    out.push(sweep);
  }
  return out;
}

/**
 * `sweep` with each trial of `planned` cut to its planned epochs: what a run of fewer epochs
 * than the folder holds shows (the exact prefix of the longer run; nothing is retrained).
 */
export function upTo(sweep: SweepData, planned: ReadonlyMap<string, number>): SweepData {
  return {
    ...sweep,
    trials: sweep.trials.map((t) => {
      const n = planned.get(t.id);
      if (n === undefined || t.epochs.length <= n) return t;
      // It ran past n epochs: a run of n ends there, done.
      const cut = { ...t, setting: { ...t.setting, epochs: n }, epochs: t.epochs.slice(0, n) };
      return { ...cut, status: "done" as const };
    }),
  };
}
