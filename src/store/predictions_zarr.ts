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
import { gzipSync } from "fflate";
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

async function build(
  path: string,
  records: readonly TrialRecord[],
  preds: (TrialPredictions | null)[],
  digest: string,
): Promise<void> {
  const have = preds.filter((p): p is TrialPredictions => p !== null);
  const max = (f: (p: TrialPredictions) => number) => Math.max(1, ...have.map(f));
  const T = records.length;
  const N = max((p) => p.count);
  const C = max((p) => p.classes);
  const I = max((p) => p.images.index.length);
  const [R, W] = [max((p) => p.imageShape[0]), max((p) => p.imageShape[1])];
  const U = max((p) => Math.min(p.weights?.units ?? 0, MAX_UNITS));
  const [TR, TC] = [max((p) => p.weights?.tile[0] ?? 0), max((p) => p.weights?.tile[1] ?? 0)];
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
  const array = async (
    name: string,
    dims: string[],
    shape: number[],
    dtype: Dtype,
    fill: number,
    fillChunk: (t: number, p: TrialPredictions, chunk: ArrayLike<number> & object) => void,
    attributes: Record<string, unknown> = {},
  ) => {
    // One trial per chunk; gzip-compressed little-endian values.
    const chunkShape = [1, ...shape.slice(1)];
    await writeJson(join(path, name, "zarr.json"), {
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
    const size = chunkShape.reduce((a, b) => a * b, 1);
    for (let t = 0; t < T; t++) {
      const p = preds[t];
      if (!p) continue;
      const chunk = new TYPED[dtype](size).fill(fill);
      fillChunk(t, p, chunk);
      const key = join(path, name, "c", String(t), ...shape.slice(1).map(() => "0"));
      await Deno.mkdir(join(key, ".."), { recursive: true });
      await Deno.writeFile(key, gzipSync(new Uint8Array(chunk.buffer), { mtime: 0 }));
    }
  };
  const roles = ["last", "best"] as const;
  await array("labels", ["trial", "example"], [T, N], "uint8", 255, (_, p, c) => {
    (c as Uint8Array).set(p.labels);
  });
  await array("predicted", ["trial", "snapshot", "example"], [T, 2, N], "uint8", 255, (_, p, c) => {
    roles.forEach((r, i) => {
      const s = snapshotOf(p, r);
      if (s) (c as Uint8Array).set(s.predicted, i * N);
    });
  }, { long_name: "predicted class" });
  await array("snapshot_epoch", ["trial", "snapshot"], [T, 2], "int32", -1, (_, p, c) => {
    roles.forEach((r, i) => ((c as Int32Array)[i] = snapshotOf(p, r)?.epoch ?? -1));
  }, { long_name: "epoch of the snapshot, from 0" });
  if (have.some((p) => p.snapshots.some((s) => s.outputs))) {
    const dims = ["trial", "snapshot", "example", "class"];
    await array("outputs", dims, [T, 2, N, C], "uint8", 0, (_, p, c) => {
      roles.forEach((r, i) => {
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
  await array("image_index", ["trial", "image"], [T, I], "int32", -1, (_, p, c) => {
    (c as Int32Array).set(p.images.index);
  }, { long_name: "test index of a stored misclassified image" });
  await array("images", ["trial", "image", "row", "col"], [T, I, R, W], "uint8", 0, (_, p, c) => {
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
    await array(`image_${bound}`, ["trial"], [T], "float32", NaN, (_, p, c) => {
      (c as Float32Array)[0] = p.images[bound];
    });
  }
  if (!have.some((p) => p.weights)) return;
  await array("weight_tile", ["trial", "axis"], [T, 2], "int32", -1, (_, p, c) => {
    if (p.weights) (c as Int32Array).set(p.weights.tile);
  }, { long_name: "rows and columns of a trial's first-layer tiles" });
  for (const stage of ["before", "after"] as const) {
    const dims = ["trial", "unit", "tile_row", "tile_col"];
    await array(`weights_${stage}`, dims, [T, U, TR, TC], "int8", 0, (_, p, c) => {
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
    await array(`weights_${stage}_scale`, ["trial", "unit"], [T, U], "float32", NaN, (_, p, c) => {
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
