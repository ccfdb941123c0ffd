/**
 * The sweep's Zarr v3 store (`sweep.zarr`), for xarray and other readers, built with zarrita
 * from the trial records (the source of truth): per-epoch metrics with dims (trial, epoch),
 * gradient norms with (trial, epoch, layer), parameters, status and summaries with (trial),
 * `dimension_names` on every array and coordinates, so `xarray.open_zarr` gives a tidy
 * Dataset. Chunks hold 256 trials by 1,024 epochs and only chunks with data are written, so
 * a long trial or a large sweep costs what its numbers cost. The group attributes carry a
 * digest of the records it was built from: a store whose digest differs from the records is
 * stale and is rebuilt whole, into a new directory that then replaces the old one.
 *
 * @module
 */
import * as zarr from "npm:zarrita@0.7.5";
import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { METRIC_INFO, METRIC_NAMES } from "../vocabulary/mod.ts";
import { SETTING_FIELDS, SETTING_KEYS, settingText } from "../experiment/mod.ts";
import { ioError } from "../coordination/mod.ts";
import type { TrialRecord } from "./records.ts";
import { STATUSES } from "./status.ts";
import { trialSummary } from "./summary.ts";
import type { ExperimentMeta } from "./meta.ts";
import { writePredictionStore } from "./predictions_zarr.ts";
import { replaceDirectory } from "./_replace.ts";

type AbsolutePath = `/${string}`;

/** A directory store: zarrita's writes, as plain files. */
export class DirectoryStore {
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
    const path = join(this.root, key.slice(1));
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(path, value);
  }
}

const TRIAL_CHUNK = 256;
const EPOCH_CHUNK = 1024;
const BYTES_CODEC = [{ name: "bytes", configuration: { endian: "little" } }];
/** Setting fields stored as category codes (int32) with their labels in the attributes. */
const NUMERIC = new Set(["number", "integer", "boolean"]);

/** A digest of what the records say (ids, statuses, epochs, times): the store's freshness. */
export function recordsDigest(records: readonly TrialRecord[]): string {
  const h = createHash("sha256");
  for (const r of [...records].sort((a, b) => a.id.localeCompare(b.id))) {
    h.update(`${r.id} ${r.status} ${r.epochs.length} ${r.updatedAt ?? ""}\n`);
  }
  return h.digest("hex").slice(0, 16);
}

/** The digest a store was built from, or null when there is no readable store. */
export async function storeDigest(path: string): Promise<string | null> {
  try {
    const meta = JSON.parse(await Deno.readTextFile(join(path, "zarr.json")));
    return typeof meta?.attributes?.records_digest === "string"
      ? meta.attributes.records_digest
      : null;
  } catch {
    return null;
  }
}

/** Records in store order: by experiment index, then id (the same in every process). */
export function storeOrder(records: Iterable<TrialRecord>): TrialRecord[] {
  return [...records].sort((a, b) => a.index - b.index || a.id.localeCompare(b.id));
}

/**
 * Builds the store at `path` from `records`, in a new directory that replaces the old store
 * when complete (a killed build's leftovers are removed by coordination's clean-up), and
 * `predictions.zarr` beside it when the trials' predictions files changed.
 */
export async function writeStore(
  path: string,
  records: readonly TrialRecord[],
  metas: ReadonlyMap<string, ExperimentMeta>,
): Promise<void> {
  const ordered = storeOrder(records);
  try {
    await replaceDirectory(path, (tmp) => build(tmp, ordered, metas));
  } catch (err) {
    throw ioError(path, err);
  }
  // The predictions change only with the records (a trial writes them before its record's line).
  await writePredictionStore(dirname(path), ordered);
}

async function build(
  path: string,
  records: TrialRecord[],
  metas: ReadonlyMap<string, ExperimentMeta>,
): Promise<void> {
  const T = Math.max(1, records.length);
  const E = Math.max(1, ...records.map((r) => r.epochs.length));
  const L = Math.max(
    1,
    ...records.flatMap((r) => r.epochs.map((e) => e.gradientNorms?.length ?? 0)),
  );
  const root = zarr.root(new DirectoryStore(path));
  const experiments = Object.fromEntries([...metas].map(([h, m]) => [h, {
    name: m.experiment.name,
    description: m.experiment.description,
    dataset: m.dataset,
    counts: m.counts,
    experiment: m.experiment,
    environment: m.environment,
  }]));
  await zarr.create(root, {
    attributes: {
      netsweep:
        "sweep results: metrics (trial, epoch), gradient norms (trial, epoch, layer), parameters and status (trial)",
      records_digest: recordsDigest(records),
      trial_ids: records.map((r) => r.id),
      trial_experiments: records.map((r) => r.experiment),
      experiments,
      statuses: STATUSES,
    },
  });
  type Dtype = "float32" | "float64" | "int8" | "int32" | "uint32";
  const sizes: Record<string, number> = { trial: T, epoch: E, layer: L };
  const chunks: Record<string, number> = {
    trial: Math.min(T, TRIAL_CHUNK),
    epoch: Math.min(E, EPOCH_CHUNK),
    layer: L,
  };
  // zarrita writes invalid metadata unless codecs and fill_value are given.
  const make = (name: string, dims: string[], dtype: Dtype, fillValue: number, attributes = {}) =>
    zarr.create(root.resolve(name), {
      shape: dims.map((d) => sizes[d]),
      chunkShape: dims.map((d) => (dims.length === 1 ? Math.min(sizes[d], 65536) : chunks[d])),
      dimensionNames: dims,
      dtype,
      codecs: BYTES_CODEC,
      fillValue,
      attributes,
    });
  // Per-epoch metrics, written chunk by chunk where a chunk has data.
  for (const m of METRIC_NAMES) {
    const info = METRIC_INFO[m];
    const layered = info.kind === "layers";
    const dims = layered ? ["trial", "epoch", "layer"] : ["trial", "epoch"];
    const arr = await make(info.column, dims, "float32", NaN, { long_name: info.title });
    const width = layered ? L : 1;
    for (let t0 = 0; t0 < records.length; t0 += TRIAL_CHUNK) {
      const rows = records.slice(t0, t0 + TRIAL_CHUNK);
      const tn = rows.length;
      for (let e0 = 0; e0 < E; e0 += EPOCH_CHUNK) {
        const en = Math.min(EPOCH_CHUNK, E - e0);
        const data = new Float32Array(tn * en * width).fill(NaN);
        let any = false;
        rows.forEach((r, i) => {
          for (let e = e0; e < Math.min(e0 + en, r.epochs.length); e++) {
            const ep = r.epochs[e] as unknown as Record<string, unknown>;
            const v = ep[m];
            if (layered && Array.isArray(v)) {
              v.forEach((x, l) => (data[(i * en + (e - e0)) * L + l] = x));
              any = true;
            } else if (typeof v === "number") {
              data[i * en + (e - e0)] = v;
              any = true;
            }
          }
        });
        if (!any) continue;
        const selection = [
          zarr.slice(t0, t0 + tn),
          zarr.slice(e0, e0 + en),
          ...(layered ? [null] : []),
        ];
        const shape = layered ? [tn, en, L] : [tn, en];
        const stride = layered ? [en * L, L, 1] : [en, 1];
        await setChunk(arr, selection, data, shape, stride);
      }
    }
  }
  const whole = async (
    name: string,
    dtype: Dtype,
    fill: number,
    values: ArrayLike<number>,
    attrs = {},
  ) => {
    const arr = await make(name, ["trial"], dtype, fill, attrs);
    const Typed = {
      float32: Float32Array,
      float64: Float64Array,
      int8: Int8Array,
      int32: Int32Array,
      uint32: Uint32Array,
    }[dtype];
    const data = new Typed(T).fill(fill);
    for (let i = 0; i < values.length; i++) data[i] = values[i];
    await setChunk(arr, null, data, [T], [1]);
  };
  const summaries = records.map((r) => trialSummary(r));
  await whole("status", "int8", 0, records.map((r) => STATUSES.indexOf(r.status)), {
    labels: STATUSES,
    flag_values: STATUSES.map((_, i) => i),
    flag_meanings: STATUSES.join(" "),
  });
  await whole("epochs_done", "int32", -1, records.map((r) => r.epochs.length));
  await whole("best_epoch", "int32", -1, summaries.map((s) => s.bestEpoch ?? -1));
  await whole("diverged_epoch", "int32", -1, records.map((r) => r.divergedEpoch ?? -1));
  await whole("best_test_accuracy", "float32", NaN, summaries.map((s) => s.best ?? NaN));
  await whole("final_test_accuracy", "float32", NaN, summaries.map((s) => s.final ?? NaN));
  await whole("seconds_per_epoch", "float32", NaN, summaries.map((s) => s.secondsPerEpoch ?? NaN));
  await whole("repeat", "int32", -1, records.map((r) => r.repeat));
  await whole("seed", "uint32", 0, records.map((r) => r.seed));
  await whole("index", "int32", -1, records.map((r) => r.index));
  await whole("draw", "int32", -1, records.map((r) => r.draw ?? -1));
  // Parameters: numbers as float64 (NaN for null), other values as int32 codes with labels.
  for (const k of SETTING_KEYS) {
    const values = records.map((r) => r.setting[k]);
    if (NUMERIC.has(SETTING_FIELDS[k].kind)) {
      await whole(k, "float64", NaN, values.map((v) => (v === null ? NaN : Number(v))));
    } else {
      const labels = [...new Set(values.map((v) => settingText(v)))];
      await whole(k, "int32", -1, values.map((v) => labels.indexOf(settingText(v))), { labels });
    }
  }
  // Coordinates.
  await whole("trial", "int32", -1, Int32Array.from({ length: T }, (_, i) => i));
  const epoch = await make("epoch", ["epoch"], "int32", -1);
  await setChunk(epoch, null, Int32Array.from({ length: E }, (_, i) => i), [E], [1]);
  const layer = await make("layer", ["layer"], "int32", -1, { long_name: "hidden layer, from 1" });
  await setChunk(layer, null, Int32Array.from({ length: L }, (_, i) => i + 1), [L], [1]);
}

/** zarrita's set with a plain typed array (its types want a chunk of the array's own dtype). */
function setChunk(
  arr: zarr.Array<zarr.DataType, DirectoryStore>,
  selection: (zarr.Slice | null)[] | null,
  data: ArrayLike<number>,
  shape: number[],
  stride: number[],
): Promise<void> {
  // deno-lint-ignore no-explicit-any
  return zarr.set(arr, selection, { data, shape, stride } as any);
}
