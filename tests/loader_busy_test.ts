// The loader's helper thread on a busy machine: when the ring of slots is full, the main thread
// converts a part itself, and that part starts wherever a chunk boundary fell, so its floats
// are often not 4-aligned. These tests force that path on every part (deterministic), count
// what takes a slot, and load a full-size mnist.pkl.gz beside CPU hogs (as a user's laptop is).
import { gunzipSync, gzipSync } from "fflate";
import { assert, assertEquals } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { quietAndBusy, startHogs } from "./_hogs.ts";
import { mnistPickle, PADDING, type PickleLayout, type PickleSplit } from "./_mnist_pickle.ts";
import { type ArchiveSplit, loadDataset, readArchive, Rng } from "../mod.ts";
import { offloadStats, setRingFullForTests } from "../src/data/_offthread.ts";

/** The first element whose bits differ (NaN payloads and -0 included), or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const x = new Int32Array(a.buffer, a.byteOffset, a.length);
  const y = new Int32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** Asserts `got` holds the images and labels of `want`, bit for bit. */
function assertSameSplit(got: ArchiveSplit, want: PickleSplit, what: string): void {
  const at = firstDifference(got.images, want.images);
  assert(at < 0, `${what}: pixel ${at} is ${got.images[at]}, not ${want.images[at]}`);
  assertEquals(got.labels, want.labels, `${what}: labels`);
}

/** Where the first array's payload starts in a pickle (after BINSTRING and its length). */
function payloadOffset(raw: Uint8Array, bytes: number): number {
  for (let i = 0; i + 5 <= raw.length; i++) {
    if (raw[i] === 0x54 && new DataView(raw.buffer, i + 1, 4).getUint32(0, true) === bytes) {
      return i + 5;
    }
  }
  throw new Error(`no BINSTRING of ${bytes} bytes`);
}

Deno.test("the test's pickle writer rewrites the fixtures byte for byte", () => {
  // The fixtures were written by Python (scripts/make_archives.py's writers): the same bytes
  // from the same arrays mean the full-size files below have the layout of Nielsen's file.
  for (const [file, layout] of [["mnist.pkl.gz", "py2"], ["mnist-py3.pkl.gz", "py3"]] as const) {
    const splits = readArchive(`${TESTDATA}${file}`).splits;
    const mine = mnistPickle([splits.training, splits.validation, splits.test], layout);
    assertEquals(mine, gunzipSync(Deno.readFileSync(`${TESTDATA}${file}`)), file);
  }
});

/** 1500 float32 images (4.7 MB, enough for the helper thread): gaussians, -0, subnormals. */
function floatSplit(): PickleSplit {
  const rng = new Rng(16);
  const count = 1500;
  const images = new Float32Array(count * 784).map(() => rng.gaussian());
  images[3] = -0;
  images[5] = 1e-45; // the smallest subnormal
  images[7] = -3.4028234663852886e38;
  const labels = new Uint8Array(count).map((_, i) => (i * 7) % 10);
  return { images, labels, count };
}

quietAndBusy("float32 split at every offset mod 4 converts exactly when the ring is full", () => {
  using dir = tempDir();
  const split = floatSplit();
  const starts = new Set<number>();
  setRingFullForTests(true);
  try {
    for (const [i, pad] of PADDING.entries()) {
      const raw = mnistPickle([split, split], "py2", pad);
      starts.add(payloadOffset(raw, split.images.byteLength) % 4);
      // Plain: 64 KiB reads, so every part after the first starts past a carried remainder.
      // Gzip: parts as fflate inflates them, of any length.
      for (
        const [name, bytes] of [[`p${i}.pkl`, raw], [
          `p${i}.pkl.gz`,
          gzipSync(raw, { level: 1 }),
        ]] as const
      ) {
        Deno.writeFileSync(`${dir.path}/${name}`, bytes);
        const archive = readArchive(`${dir.path}/${name}`);
        const stats = offloadStats()!;
        assertEquals(stats.queued, 0, `${name}: the ring is never used`);
        assert(stats.inline > 10, `${name}: ${stats.inline} parts on the fallback path`);
        assertSameSplit(archive.splits.training, split, name);
      }
    }
  } finally {
    setRingFullForTests(false);
  }
  assertEquals([...starts].sort(), [0, 1, 2, 3], "payloads start at every offset mod 4");
});

quietAndBusy("a float carried across a chunk boundary takes no slot of the ring", () => {
  using dir = tempDir();
  const split = floatSplit();
  // A small test split, under the helper's 4 MiB: only the training images are offloaded.
  const small = { ...split, images: split.images.subarray(0, 7840), count: 10 };
  // The layout whose payload starts at 1 mod 4: every float read after the first is split.
  const raw = PADDING.map((pad) => mnistPickle([split, small], "py2", pad))
    .find((r) => payloadOffset(r, split.images.byteLength) % 4 === 1)!;
  const start = payloadOffset(raw, split.images.byteLength);
  Deno.writeFileSync(`${dir.path}/odd.pkl`, raw);
  const archive = readArchive(`${dir.path}/odd.pkl`);
  assertSameSplit(archive.splits.training, split, "odd.pkl");
  // Each 64 KiB read of the payload is one part for a slot (or for the fallback when the
  // ring is full) plus one float carried from the read before, converted where it is.
  const reads = Math.ceil((start % 65536 + split.images.byteLength) / 65536) + 1;
  const stats = offloadStats()!;
  assert(
    stats.queued + stats.inline <= reads,
    `${stats.queued} slots and ${stats.inline} inline parts for ${reads} reads`,
  );
  assert(stats.small >= reads - 3, `${stats.small} small parts converted in place`);
});

/** Nielsen's mnist.pkl.gz, rebuilt from the embedded MNIST: pixel/256, 50,000/10,000/10,000. */
function nielsenSplits(): PickleSplit[] {
  const data = loadDataset({ scale: 256, split: "nielsen" });
  return [data.training, data.validation!, data.test];
}

Deno.test("a full-size mnist.pkl.gz loads exactly 8 times in a row beside two CPU hogs", async () => {
  using dir = tempDir();
  const splits = nielsenSplits();
  assertEquals(splits.map((s) => s.count), [50000, 10000, 10000]);
  const layouts: PickleLayout[] = ["py2", "py3"];
  for (const layout of layouts) {
    // Level 1: a tenth of the default's time, and its parts inflate as unevenly.
    const file = `${dir.path}/mnist-${layout}.pkl.gz`;
    Deno.writeFileSync(file, gzipSync(mnistPickle(splits, layout), { level: 1 }));
  }
  // Eight loads, the two layouts in turn (a load is a few seconds beside the hogs, and a
  // broken fallback failed 3 to 5 loads in 8), each compared bit for bit.
  await using _hogs = startHogs(2);
  const failed: string[] = [];
  for (let load = 0; load < 8; load++) {
    const layout = layouts[load % 2];
    try {
      const s = readArchive(`${dir.path}/mnist-${layout}.pkl.gz`).splits;
      assertSameSplit(s.training, splits[0], "training");
      assertSameSplit(s.validation, splits[1], "validation");
      assertSameSplit(s.test, splits[2], "test");
    } catch (err) {
      failed.push(`load ${load + 1} (${layout}): ${(err as Error).message}`);
    }
  }
  assertEquals(failed, [], `${failed.length} of 8 loads failed`);
});
