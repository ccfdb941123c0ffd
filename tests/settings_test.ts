// Experiment settings as a sweep runs them, end to end from the experiment file to the records,
// the CSV files and the zarr store: Nielsen's eta schedule, monitoring every N epochs, the
// gradient norms of chapter 5; expand_mnist.py's shifted images through loadDataset; the
// guards that refuse what cannot run.
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { loadDataset, Network, readSweep, runSweep } from "../mod.ts";

function experiment(dir: string, base: Record<string, unknown>, extra = {}): string {
  const file = `${dir}/s.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "s",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { sizes: [784, 12, 10], ...base },
      seed: 3,
      ...extra,
    }),
  );
  return file;
}

const csv = (path: string) =>
  Deno.readTextFileSync(path).trim().split("\n").map((l) => l.split(","));

Deno.test("etaSchedule, monitorEvery and gradientNorms as sweep settings reach every output", async () => {
  using dir = tempDir();
  const file = experiment(dir.path, {
    sizes: [784, 12, 8, 10],
    epochs: 12,
    eta: 1,
    monitorEvery: 3,
    monitor: ["testAccuracy", "gradientNorms"],
    etaSchedule: { patience: 1, factor: 0.5, stopAt: 0.01 },
  });
  const result = await runSweep({ file, out: dir.path });
  const [rec] = result.records;
  // Monitored after epochs 2, 5, 8, 11 (every third, and the last): nowhere else.
  const measured = rec.epochs.filter((e) => e.testAccuracy !== undefined).map((e) => e.epoch);
  assertEquals(
    measured,
    rec.epochs.map((e) => e.epoch).filter((e) => (e + 1) % 3 === 0 || e === rec.epochs.length - 1),
  );
  // The schedule decides at monitored epochs only: eta changes only just after one of them.
  rec.epochs.forEach((e, i) => {
    if (i > 0 && e.eta !== rec.epochs[i - 1].eta) {
      assert(measured.includes(e.epoch - 1), `eta changed after unmonitored epoch ${e.epoch - 1}`);
      assertEquals(e.eta, rec.epochs[i - 1].eta / 2);
    }
  });
  // Gradient norms: one per hidden layer, at the monitored epochs.
  for (const e of rec.epochs) {
    assertEquals(e.gradientNorms?.length, measured.includes(e.epoch) ? 2 : undefined);
  }
  // In epochs.csv: a column per hidden layer and the learning rate of every epoch.
  const rows = csv(`${result.dir}/epochs.csv`);
  const col = (name: string) => rows[0].indexOf(name);
  assert(col("gradient_norm_1") > 0 && col("gradient_norm_2") > 0, rows[0].join(","));
  rows.slice(1).forEach((r, i) => {
    assertEquals(Number(r[col("learning_rate")]), rec.epochs[i].eta);
    const norm = rec.epochs[i].gradientNorms?.[1];
    assertEquals(r[col("gradient_norm_2")], norm === undefined ? "" : String(norm));
  });
  // In the zarr store: gradient norms by (trial, epoch, layer), the rest NaN.
  const root = zarr.root(new FileSystemStore(`${result.dir}/sweep.zarr`));
  const arr = await zarr.open.v3(root.resolve("gradient_norm"), { kind: "array" });
  const got = await zarr.get(arr, [0, null, null]);
  const data = got.data as Float32Array;
  const layers = arr.shape[2];
  rec.epochs.forEach((e, k) => {
    const want = e.gradientNorms?.[0];
    const v = data[k * layers];
    if (want === undefined) assert(Number.isNaN(v), `epoch ${k}: ${v}`);
    else assertEquals(v, Math.fround(want));
  });
  assert((await readSweep(result.dir)).trials[0].epochs.length === rec.epochs.length);
});

Deno.test("expand shift1 through loadDataset: five times the images, each shift exact", () => {
  const plain = loadDataset({ path: `${TESTDATA}mnist.pkl.gz` });
  const big = loadDataset({ path: `${TESTDATA}mnist.pkl.gz`, expand: "shift1" });
  const n = plain.training.count;
  assertEquals(big.training.count, 5 * n);
  assertEquals([big.test.count, big.validation?.count], [
    plain.test.count,
    plain.validation?.count,
  ]);
  // Every training image appears with its four shifts, labels kept: find each by content.
  const key = (images: Float32Array, i: number) => images.subarray(i * 784, (i + 1) * 784).join();
  const index = new Map<string, number>();
  for (let i = 0; i < big.training.count; i++) index.set(key(big.training.images, i), i);
  const shift = (img: Float32Array, dy: number, dx: number) => {
    const out = new Float32Array(784);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const [sy, sx] = [y - dy, x - dx];
        if (sy >= 0 && sy < 28 && sx >= 0 && sx < 28) out[y * 28 + x] = img[sy * 28 + sx];
      }
    }
    return out;
  };
  for (let i = 0; i < n; i++) {
    const img = plain.training.images.subarray(i * 784, (i + 1) * 784);
    for (const [dy, dx] of [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]]) {
      const at = index.get(shift(img, dy, dx).join());
      assert(at !== undefined, `image ${i} shifted by (${dy}, ${dx}) is in the expanded set`);
      assertEquals(big.training.labels[at], plain.training.labels[i]);
    }
  }
});

Deno.test("the dropout guards: a probability in [0, 1), for the network and for each layer", () => {
  assertThrows(() => new Network({ sizes: [4, 3, 2], dropout: 1 }), /dropout must be in \[0, 1\)/);
  assertThrows(() => new Network({ sizes: [4, 3, 2], dropout: -0.1 }), /dropout must be in/);
  assertThrows(
    () => new Network({ layers: [{ type: "dense", size: 2, dropout: 1.5 }], inputShape: [4] }),
    /layers\[0\] \(dense 2\): dropout must be in \[0, 1\), got 1\.5/,
  );
});
