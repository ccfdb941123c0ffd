/**
 * Reads a sweep's results back from `<dir>/sweep.zarr` with zarrita: the trials' settings,
 * status and per-epoch metrics. Works on a running or interrupted sweep.
 *
 * @module
 */
import * as zarr from "zarrita";
import { join } from "node:path";
import { NetsweepError } from "../errors.ts";
import { EPOCH_COLUMNS } from "./csv.ts";
import { AtomicFileStore } from "./zarr_store.ts";
import type { TrialStatus } from "../sweep/records.ts";
import { type Experiment, type Setting, SETTING_FIELDS, settingFromText } from "../sweep/schema.ts";

/** A per-epoch metric column of the store. */
export type EpochColumn = typeof EPOCH_COLUMNS[number];

/** One trial as the store holds it. */
export interface StoredTrial {
  id: string;
  setting: Setting;
  repeat: number;
  seed: number;
  status: TrialStatus;
  epochsDone: number;
  divergedEpoch: number | null;
}

/** A sweep's results. */
export interface SweepData {
  dir: string;
  experiment: Experiment;
  environment: Record<string, unknown>;
  counts: { training: number; validation: number | null; test: number } | null;
  trials: StoredTrial[];
  /** Per metric, one row of `epochs` values per trial (NaN where not run or not monitored). */
  metrics: Record<EpochColumn, Float32Array[]>;
  epochs: number;
}

type Store = AtomicFileStore;

async function openArray(
  root: zarr.Location<Store>,
  name: string,
  dir: string,
): Promise<zarr.Array<zarr.DataType, Store>> {
  try {
    return await zarr.open.v3(root.resolve(name), { kind: "array" });
  } catch {
    throw new NetsweepError(
      dir,
      `sweep.zarr has no readable array '${name}' (an incomplete or foreign store)`,
    );
  }
}

async function readAll(arr: zarr.Array<zarr.DataType, Store>): Promise<ArrayLike<number>> {
  const chunk = await zarr.get(arr, arr.shape.map(() => null));
  return chunk.data as unknown as ArrayLike<number>;
}

/**
 * Reads `<dir>/sweep.zarr`.
 *
 * @example
 * ```ts ignore
 * import { readSweep } from "./read.ts";
 * const sweep = await readSweep("results/eta");
 * console.log(sweep.trials.length, sweep.metrics.test_accuracy[0]);
 * ```
 */
export async function readSweep(dir: string): Promise<SweepData> {
  const path = join(dir, "sweep.zarr");
  try {
    Deno.statSync(join(path, "zarr.json"));
  } catch {
    throw new NetsweepError(
      dir,
      "not a sweep result (no sweep.zarr/zarr.json; run `deno task sweep` first)",
    );
  }
  const root = zarr.root(new AtomicFileStore(path));
  let attrs: Record<string, unknown>;
  try {
    attrs = (await zarr.open.v3(root, { kind: "group" })).attrs as Record<string, unknown>;
  } catch {
    throw new NetsweepError(dir, "sweep.zarr/zarr.json is not a Zarr v3 group");
  }
  const ids = attrs.trial_ids as string[] | undefined;
  const experiment = attrs.experiment as Experiment | undefined;
  if (!Array.isArray(ids) || !experiment) {
    throw new NetsweepError(
      dir,
      "sweep.zarr is not a netsweep store (no trial_ids or experiment attributes)",
    );
  }
  const statuses = (attrs.statuses as TrialStatus[]) ?? [];
  const T = ids.length;
  const status = await readAll(await openArray(root, "status", dir));
  const epochsDone = await readAll(await openArray(root, "epochs_done", dir));
  const diverged = await readAll(await openArray(root, "diverged_epoch", dir));
  const repeat = await readAll(await openArray(root, "repeat", dir));
  const seed = await readAll(await openArray(root, "seed", dir));
  const params: Record<string, unknown[]> = {};
  for (const key of Object.keys(SETTING_FIELDS) as (keyof Setting)[]) {
    const arr = await openArray(root, key, dir);
    const values = await readAll(arr);
    const labels = (arr.attrs as { labels?: string[] }).labels;
    params[key] = Array.from({ length: T }, (_, i) => {
      const v = values[i];
      if (labels) return v >= 0 ? settingFromText(key, labels[v]) : null;
      return Number.isNaN(v) ? null : v;
    });
  }
  const metrics = {} as Record<EpochColumn, Float32Array[]>;
  let E = 0;
  for (const name of EPOCH_COLUMNS) {
    const arr = await openArray(root, name, dir);
    E = arr.shape[1];
    const data = await readAll(arr) as Float32Array;
    metrics[name] = Array.from({ length: T }, (_, i) => data.subarray(i * E, (i + 1) * E));
  }
  const trials: StoredTrial[] = ids.map((id, i) => ({
    id,
    setting: Object.fromEntries(
      Object.keys(params).map((k) => [k, params[k][i]]),
    ) as unknown as Setting,
    repeat: repeat[i],
    seed: seed[i],
    status: statuses[status[i]] ?? "pending",
    epochsDone: epochsDone[i],
    divergedEpoch: diverged[i] >= 0 ? diverged[i] : null,
  }));
  return {
    dir,
    experiment,
    environment: (attrs.environment as Record<string, unknown>) ?? {},
    counts: (attrs.dataset_counts as SweepData["counts"]) ?? null,
    trials,
    metrics,
    epochs: E,
  };
}
