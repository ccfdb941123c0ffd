/**
 * The sweep's Zarr v3 store (`sweep.zarr`), written with zarrita: per-epoch metrics with dims
 * (trial, epoch), per-trial parameters and status with dims (trial), `dimension_names` on every
 * array (so `xarray.open_zarr` gives a tidy Dataset), and the resolved experiment and run
 * environment in the group attributes. Every array has one chunk per trial, so concurrent
 * writers (workers of one process, or shard processes) never share a chunk, and every file is
 * written atomically through {@linkcode AtomicFileStore}.
 *
 * @module
 */
import * as zarr from "zarrita";
import { join } from "node:path";
import { writeFileAtomic } from "./_atomic.ts";
import { EPOCH_COLUMNS, EPOCH_FIELDS, trialSummary } from "./csv.ts";
import { STATUSES, type TrialRecord } from "../sweep/records.ts";
import { type Experiment, type Setting, SETTING_FIELDS, settingText } from "../sweep/schema.ts";

type AbsolutePath = `/${string}`;

/**
 * A directory store whose writes are atomic (a temporary file, then a rename): zarrita's
 * FileSystemStore writes in place, so a killed process could leave half a chunk.
 */
export class AtomicFileStore {
  constructor(readonly root: string) {}

  async get(key: AbsolutePath): Promise<Uint8Array | undefined> {
    try {
      return await Deno.readFile(join(this.root, key.slice(1)));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return undefined;
      throw err;
    }
  }

  async set(key: AbsolutePath, value: Uint8Array): Promise<void> {
    await writeFileAtomic(join(this.root, key.slice(1)), value);
  }
}

/** One trial's static description in the store. */
export interface LayoutTrial {
  id: string;
  setting: Setting;
  repeat: number;
  seed: number;
}

/** What the store holds: which trials (in index order) and how many epochs of room. */
export interface SweepLayout {
  trials: LayoutTrial[];
  epochs: number;
  experiment: Experiment;
  environment: Record<string, unknown>;
  /** Images per split, so that tables can show Nielsen's `9542 / 10000`. */
  counts: { training: number; validation: number | null; test: number };
}

const BYTES_CODEC = [{ name: "bytes", configuration: { endian: "little" } }];
/** Setting keys stored as categories (int8 codes, labels in the attributes). */
const CATEGORICAL = new Set(["sizes", "activation", "cost", "init", "sampling", "monitor"]);

/** A fingerprint of the layout; the store is rebuilt when it changes. */
function layoutKey(layout: SweepLayout): string {
  return JSON.stringify({ ids: layout.trials.map((t) => t.id), epochs: layout.epochs });
}

/**
 * Creates (or re-creates, when the trials or epochs changed) the group and every array, and
 * writes the static per-trial arrays. Returns true when the layout is new, in which case the
 * caller rewrites every trial's chunks.
 */
export async function createSweepStore(path: string, layout: SweepLayout): Promise<boolean> {
  const store = new AtomicFileStore(path);
  const key = layoutKey(layout);
  const existing = await store.get("/zarr.json");
  const old = existing
    ? JSON.parse(new TextDecoder().decode(existing)).attributes?.layout
    : undefined;
  const changed = old !== key;
  if (changed && existing) {
    // A different trial list or epoch count: old chunks would sit at the wrong places.
    for await (const e of Deno.readDir(path)) {
      if (e.isDirectory) await Deno.remove(join(path, e.name), { recursive: true });
    }
  }
  const T = layout.trials.length;
  const E = Math.max(1, layout.epochs);
  const root = zarr.root(store);
  await zarr.create(root, {
    attributes: {
      layout: key,
      experiment: layout.experiment,
      environment: layout.environment,
      dataset_counts: layout.counts,
      trial_ids: layout.trials.map((t) => t.id),
      statuses: STATUSES,
      netsweep: "sweep results: metrics (trial, epoch), parameters and status (trial)",
    },
  });
  // zarrita writes invalid metadata unless codecs and fill_value are given, so every array
  // is made here, with the bytes codec and an explicit fill value.
  type Dtype = "float32" | "float64" | "int8" | "int32" | "uint32";
  const make = (name: string, dims: string[], dtype: Dtype, fillValue: number, attributes = {}) =>
    zarr.create(root.resolve(name), {
      shape: dims.map((d) => (d === "trial" ? T : E)),
      chunkShape: dims.map((d) => (d === "trial" ? 1 : E)), // one chunk per trial
      dimensionNames: dims,
      dtype,
      codecs: BYTES_CODEC,
      fillValue,
      attributes,
    });
  for (const name of EPOCH_COLUMNS) {
    await make(name, ["trial", "epoch"], "float32", NaN, { long_name: name.replaceAll("_", " ") });
  }
  for (const name of ["best_test_accuracy", "final_test_accuracy", "seconds_per_epoch"]) {
    await make(name, ["trial"], "float32", NaN);
  }
  for (const name of ["epochs_done", "best_epoch", "diverged_epoch"]) {
    await make(name, ["trial"], "int32", -1);
  }
  await make("status", ["trial"], "int8", 0, {
    labels: STATUSES,
    flag_values: STATUSES.map((_, i) => i),
    flag_meanings: STATUSES.join(" "),
  });
  // Coordinates.
  const trialCoord = await make("trial", ["trial"], "int32", -1);
  const epochCoord = await make("epoch", ["epoch"], "int32", -1);
  await zarr.set(epochCoord, null, {
    data: Int32Array.from({ length: E }, (_, i) => i),
    shape: [E],
    stride: [1],
  });
  // Parameters: numbers as float64 (NaN for null), categories as int8 codes with labels.
  const keys = Object.keys(SETTING_FIELDS) as (keyof Setting)[];
  const params = new Map<
    string,
    { arr: zarr.Array<zarr.DataType, AtomicFileStore>; labels?: string[] }
  >();
  for (const k of keys) {
    if (CATEGORICAL.has(k)) {
      const labels = [...new Set(layout.trials.map((t) => settingText(t.setting[k])))];
      params.set(k, { arr: await make(k, ["trial"], "int8", -1, { labels }), labels });
    } else {
      params.set(k, { arr: await make(k, ["trial"], "float64", NaN) });
    }
  }
  const repeatArr = await make("repeat", ["trial"], "int32", -1);
  const seedArr = await make("seed", ["trial"], "uint32", 0);
  for (let i = 0; i < T; i++) {
    const t = layout.trials[i];
    await setOne(trialCoord, i, Int32Array.of(i));
    await setOne(repeatArr, i, Int32Array.of(t.repeat));
    await setOne(seedArr, i, Uint32Array.of(t.seed));
    for (const [k, { arr, labels }] of params) {
      const v = t.setting[k as keyof Setting];
      if (labels) await setOne(arr, i, Int8Array.of(labels.indexOf(settingText(v))));
      else await setOne(arr, i, Float64Array.of(v === null ? NaN : Number(v)));
    }
  }
  return changed;
}

async function setOne(
  arr: zarr.Array<zarr.DataType, AtomicFileStore>,
  index: number,
  data: zarr.TypedArray<zarr.DataType>,
): Promise<void> {
  const shape = arr.shape.length === 1 ? [1] : [1, arr.shape[1]];
  const stride = arr.shape.length === 1 ? [1] : [arr.shape[1], 1];
  const selection = arr.shape.length === 1
    ? [zarr.slice(index, index + 1)]
    : [zarr.slice(index, index + 1), null];
  // deno-lint-ignore no-explicit-any
  await zarr.set(arr, selection, { data, shape, stride } as any);
}

/**
 * Writes trials' chunks (per-epoch metrics, status and summaries) from their records. The
 * arrays are opened once per writer, not once per write.
 */
export class TrialChunkWriter {
  #arrays = new Map<string, zarr.Array<zarr.DataType, AtomicFileStore>>();
  #root: zarr.Location<AtomicFileStore>;

  constructor(path: string, private readonly layout: SweepLayout) {
    this.#root = zarr.root(new AtomicFileStore(path));
  }

  async #array(name: string): Promise<zarr.Array<zarr.DataType, AtomicFileStore>> {
    let arr = this.#arrays.get(name);
    if (!arr) {
      arr = await zarr.open.v3(this.#root.resolve(name), { kind: "array" });
      this.#arrays.set(name, arr);
    }
    return arr;
  }

  /** Writes trial `index`'s chunks from its record. */
  async write(index: number, rec: TrialRecord): Promise<void> {
    const E = Math.max(1, this.layout.epochs);
    for (const name of EPOCH_COLUMNS) {
      const data = new Float32Array(E).fill(NaN);
      for (const e of rec.epochs) {
        const v = (e as unknown as Record<string, number | undefined>)[EPOCH_FIELDS[name]];
        if (e.epoch < E && v !== undefined) data[e.epoch] = v;
      }
      await setOne(await this.#array(name), index, data);
    }
    const s = trialSummary(rec);
    const scalars: [string, zarr.TypedArray<zarr.DataType>][] = [
      ["status", Int8Array.of(STATUSES.indexOf(rec.status))],
      ["epochs_done", Int32Array.of(rec.epochs.length)],
      ["best_epoch", Int32Array.of(s.bestEpoch ?? -1)],
      ["diverged_epoch", Int32Array.of(rec.divergedEpoch ?? -1)],
      ["best_test_accuracy", Float32Array.of(s.bestTestAccuracy ?? NaN)],
      ["final_test_accuracy", Float32Array.of(s.finalTestAccuracy ?? NaN)],
      ["seconds_per_epoch", Float32Array.of(s.secondsPerEpoch ?? NaN)],
    ];
    for (const [name, data] of scalars) await setOne(await this.#array(name), index, data);
  }
}
