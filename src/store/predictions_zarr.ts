/**
 * `predictions.zarr`, beside `sweep.zarr`: every trial's predictions file (`trials/<id>.pred`)
 * as Zarr v3 arrays for xarray and other readers, trials in store order. Dimensions: `trial`,
 * `snapshot` (0: the last epoch, 1: the epoch of best validation accuracy), `example` (a test
 * image), `class`, `image` (a stored misclassified image), `row`, `col`, `unit` (a first-layer
 * unit or filter). Values absent for a trial are fill values (255 for a class, -1 for an epoch
 * or index). Chunks hold one trial each and are gzip-compressed. The store is rebuilt whole
 * when the predictions files changed since it was built (a digest of their sizes and times).
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { gzipSync } from "npm:fflate@0.8.2";
import { ioError } from "../coordination/mod.ts";
import type { TrialRecord } from "./records.ts";
import {
  MAX_UNITS,
  predictionsFile,
  readPredictions,
  snapshotOf,
  type TrialPredictions,
} from "./predictions.ts";
import { replaceDirectory } from "./_replace.ts";

type Dtype = "uint8" | "int8" | "int32" | "float32";
const TYPED = { uint8: Uint8Array, int8: Int8Array, int32: Int32Array, float32: Float32Array };

/** A digest of the trials' predictions files (size and modification time of each). */
export async function predictionsDigest(
  resultsDir: string,
  records: readonly TrialRecord[],
): Promise<string> {
  const h = createHash("sha256");
  for (const r of records) {
    try {
      const info = await Deno.stat(predictionsFile(resultsDir, r.id));
      h.update(`${r.id} ${info.size} ${info.mtime?.getTime() ?? 0}\n`);
    } catch { /* none yet */ }
  }
  return h.digest("hex").slice(0, 16);
}

async function storedDigest(path: string): Promise<string | null> {
  try {
    const meta = JSON.parse(await Deno.readTextFile(join(path, "zarr.json")));
    return meta?.attributes?.predictions_digest ?? null;
  } catch {
    return null;
  }
}

/**
 * Builds `<resultsDir>/predictions.zarr` from the predictions files of `records` (in store
 * order) unless it is current; nothing is written while no trial has predictions. A damaged
 * file leaves its trial's values absent.
 */
export async function writePredictionStore(
  resultsDir: string,
  records: readonly TrialRecord[],
): Promise<void> {
  const path = join(resultsDir, "predictions.zarr");
  const digest = await predictionsDigest(resultsDir, records);
  if ((await storedDigest(path)) === digest) return;
  const preds: (TrialPredictions | null)[] = [];
  for (const r of records) {
    try {
      preds.push(await readPredictions(resultsDir, r.id));
    } catch {
      preds.push(null);
    }
  }
  if (preds.every((p) => p === null)) return;
  try {
    await replaceDirectory(path, (tmp) => build(tmp, records, preds, digest));
  } catch (err) {
    throw ioError(path, err);
  }
}

/** What every array of one build shares: where it goes, and each trial's predictions. */
interface Build {
  path: string;
  preds: (TrialPredictions | null)[];
  have: TrialPredictions[];
}

/** Fills one trial's chunk from its predictions. */
type Fill = (p: TrialPredictions, chunk: ArrayLike<number> & object) => void;

/** One array, dims `trial` first, one gzip-compressed chunk per trial that has predictions. */
async function writeArray(
  b: Build,
  name: string,
  dims: string[],
  shape: number[],
  dtype: Dtype,
  fill: number,
  fillChunk: Fill,
  attributes: Record<string, unknown> = {},
): Promise<void> {
  const chunkShape = [1, ...shape.slice(1)];
  await writeJson(join(b.path, name, "zarr.json"), {
    zarr_format: 3,
    node_type: "array",
    shape,
    data_type: dtype,
    chunk_grid: { name: "regular", configuration: { chunk_shape: chunkShape } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      { name: "gzip", configuration: { level: 5 } },
    ],
    fill_value: fill,
    dimension_names: dims,
    attributes,
  });
  const size = chunkShape.reduce((x, y) => x * y, 1);
  for (let t = 0; t < b.preds.length; t++) {
    const p = b.preds[t];
    if (!p) continue;
    const chunk = new TYPED[dtype](size).fill(fill);
    fillChunk(p, chunk);
    const key = join(b.path, name, "c", String(t), ...shape.slice(1).map(() => "0"));
    await Deno.mkdir(join(key, ".."), { recursive: true });
    await Deno.writeFile(key, gzipSync(new Uint8Array(chunk.buffer), { mtime: 0 }));
  }
}

const max = (b: Build, f: (p: TrialPredictions) => number) => Math.max(1, ...b.have.map(f));
const ROLES = ["last", "best"] as const;

async function build(
  path: string,
  records: readonly TrialRecord[],
  preds: (TrialPredictions | null)[],
  digest: string,
): Promise<void> {
  const b: Build = { path, preds, have: preds.filter((p): p is TrialPredictions => p !== null) };
  await writeJson(join(path, "zarr.json"), {
    zarr_format: 3,
    node_type: "group",
    attributes: {
      netsweep:
        "test-set predictions per trial (last epoch and best validation epoch), misclassified test images, first-layer weights before and after training",
      predictions_digest: digest,
      trial_ids: records.map((r) => r.id),
      snapshots: ["last", "best_validation"],
    },
  });
  await snapshotArrays(b);
  await imageArrays(b);
  if (b.have.some((p) => p.weights)) await weightArrays(b);
}

/** Labels, predicted classes, snapshot epochs and outputs. */
async function snapshotArrays(b: Build): Promise<void> {
  const T = b.preds.length;
  const N = max(b, (p) => p.count);
  const C = max(b, (p) => p.classes);
  await writeArray(b, "labels", ["trial", "example"], [T, N], "uint8", 255, (p, c) => {
    (c as Uint8Array).set(p.labels);
  });
  const dims = ["trial", "snapshot", "example"];
  await writeArray(b, "predicted", dims, [T, 2, N], "uint8", 255, (p, c) => {
    ROLES.forEach((r, i) => {
      const s = snapshotOf(p, r);
      if (s) (c as Uint8Array).set(s.predicted, i * N);
    });
  }, { long_name: "predicted class" });
  await writeArray(b, "snapshot_epoch", ["trial", "snapshot"], [T, 2], "int32", -1, (p, c) => {
    ROLES.forEach((r, i) => ((c as Int32Array)[i] = snapshotOf(p, r)?.epoch ?? -1));
  }, { long_name: "epoch of the snapshot, from 0" });
  if (!b.have.some((p) => p.snapshots.some((s) => s.outputs))) return;
  await writeArray(b, "outputs", [...dims, "class"], [T, 2, N, C], "uint8", 0, (p, c) => {
    ROLES.forEach((r, i) => {
      const s = snapshotOf(p, r);
      if (!s?.outputs) return;
      for (let e = 0; e < p.count; e++) {
        for (let k = 0; k < p.classes; k++) {
          (c as Uint8Array)[(i * N + e) * C + k] = s.outputs[e * p.classes + k];
        }
      }
    });
  }, { long_name: "network output", scale_factor: 1 / 255 });
}

/** The misclassified test images, their test indices and their pixel range. */
async function imageArrays(b: Build): Promise<void> {
  const T = b.preds.length;
  const I = max(b, (p) => p.images.index.length);
  const [R, W] = [max(b, (p) => p.imageShape[0]), max(b, (p) => p.imageShape[1])];
  await writeArray(b, "image_index", ["trial", "image"], [T, I], "int32", -1, (p, c) => {
    (c as Int32Array).set(p.images.index);
  }, { long_name: "test index of a stored misclassified image" });
  const dims = ["trial", "image", "row", "col"];
  await writeArray(b, "images", dims, [T, I, R, W], "uint8", 0, (p, c) => {
    const [h, w] = p.imageShape;
    p.images.index.forEach((_, j) => {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          (c as Uint8Array)[(j * R + y) * W + x] = p.images.pixels[(j * h + y) * w + x];
        }
      }
    });
  }, { long_name: "pixel = image_lo + (image_hi - image_lo) * value / 255" });
  for (const bound of ["lo", "hi"] as const) {
    await writeArray(b, `image_${bound}`, ["trial"], [T], "float32", NaN, (p, c) => {
      (c as Float32Array)[0] = p.images[bound];
    });
  }
}

/** The first layer's weights before and after training, int8 with a scale per unit. */
async function weightArrays(b: Build): Promise<void> {
  const T = b.preds.length;
  const U = max(b, (p) => Math.min(p.weights?.units ?? 0, MAX_UNITS));
  const [TR, TC] = [max(b, (p) => p.weights?.tile[0] ?? 0), max(b, (p) => p.weights?.tile[1] ?? 0)];
  await writeArray(b, "weight_tile", ["trial", "axis"], [T, 2], "int32", -1, (p, c) => {
    if (p.weights) (c as Int32Array).set(p.weights.tile);
  }, { long_name: "rows and columns of a trial's first-layer tiles" });
  for (const stage of ["before", "after"] as const) {
    const dims = ["trial", "unit", "tile_row", "tile_col"];
    await writeArray(b, `weights_${stage}`, dims, [T, U, TR, TC], "int8", 0, (p, c) => {
      const q = p.weights?.[stage];
      if (!q) return;
      const [h, w] = p.weights!.tile;
      for (let u = 0; u < q.scales.length; u++) {
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            (c as Int8Array)[(u * TR + y) * TC + x] = q.values[(u * h + y) * w + x];
          }
        }
      }
    }, { long_name: `first-layer weights ${stage} training = value * weights_${stage}_scale` });
    const scale = `weights_${stage}_scale`;
    await writeArray(b, scale, ["trial", "unit"], [T, U], "float32", NaN, (p, c) => {
      const q = p.weights?.[stage];
      if (q) (c as Float32Array).set(q.scales);
    });
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await Deno.mkdir(join(path, ".."), { recursive: true });
  // NaN fill values as zarr v3 spells them.
  await Deno.writeTextFile(
    path,
    JSON.stringify(value, (_, v) => (typeof v === "number" && Number.isNaN(v) ? "NaN" : v)),
  );
}
