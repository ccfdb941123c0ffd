// gzip files of several members (what `cat a.gz b.gz`, bgzip and some archivers write) load
// as the data they hold. fflate's streaming Gunzip drops a whole member that arrives in the
// push marked final: such files (a small one read in one chunk, or one whose last chunk holds
// a whole member) were refused as corrupt, their trailer's CRC-32 not matching the data.
import { gunzipSync, gzipSync } from "fflate";
import { assertEquals } from "./_assert.ts";
import { EXPECTED, type ExpectedSplit, tempDir, TESTDATA } from "./_testdata.ts";
import { quietAndBusy } from "./_hogs.ts";
import { crc32, Rng } from "../src/core/mod.ts";
import { readArchive } from "../src/data/mod.ts";
import { contentSum } from "../src/data/_content.ts";

/** `data` gzipped as one member per part, cut at `cuts`. */
function members(data: Uint8Array, cuts: number[]): Uint8Array {
  const bounds = [0, ...cuts, data.length];
  const parts = bounds.slice(1).map((end, i) => gzipSync(data.subarray(bounds[i], end)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An IDX file: the header for `shape`, then `data`. */
function idx(shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 + shape.length, false);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

quietAndBusy("gzip files of several members load as the data they hold", async (t) => {
  using dir = tempDir();
  await t.step("the MNIST fixture, each file in two members (read in one chunk)", () => {
    const folder = `${dir.path}/fixture`;
    Deno.mkdirSync(folder);
    for (const e of Deno.readDirSync(`${TESTDATA}mnist`)) {
      const data = gunzipSync(Deno.readFileSync(`${TESTDATA}mnist/${e.name}`));
      Deno.writeFileSync(`${folder}/${e.name}`, members(data, [data.length >> 1]));
    }
    const got = readArchive(folder, { scale: 1 });
    const want = EXPECTED["mnist/"] as Record<string, ExpectedSplit>;
    for (const split of ["train", "t10k"]) {
      const s = got.splits[split];
      const histogram = new Array(10).fill(0);
      for (const l of s.labels) histogram[l]++;
      let sum = 0;
      for (let i = 0; i < s.images.length; i++) sum += s.images[i];
      assertEquals([s.count, histogram, sum], [
        want[split].count,
        want[split].label_histogram,
        want[split].pixel_sum,
      ]);
    }
    // Python: len(gzip.open(f).read()), zlib.crc32 of it.
    assertEquals(contentSum(`${folder}/t10k-images-idx3-ubyte.gz`), {
      size: 15696,
      crc32: 0x93db32d2,
    });
  });
  await t.step("a whole member in the last 64 KiB chunk, and many small members", () => {
    const rng = new Rng(19);
    const count = 200;
    const pixels = new Uint8Array(count * 784).map(() => rng.nextUint32() & 255); // incompressible
    const labels = new Uint8Array(count).map((_, i) => (i * 7) % 10);
    const images = idx([count, 28, 28], pixels);
    let sum = 0;
    for (const p of pixels) sum += p;
    for (
      const [name, cuts] of [
        ["last", [images.length - 5000]],
        ["many", Array.from({ length: 15 }, (_, i) => (i + 1) * 10_000)],
      ] as const
    ) {
      const folder = `${dir.path}/${name}`;
      Deno.mkdirSync(folder);
      Deno.writeFileSync(`${folder}/train-images-idx3-ubyte.gz`, members(images, [...cuts]));
      Deno.writeFileSync(
        `${folder}/train-labels-idx1-ubyte.gz`,
        members(idx([count], labels), [9]),
      );
      const s = readArchive(folder, { scale: 1 }).splits.train;
      let got = 0;
      for (let i = 0; i < s.images.length; i++) got += s.images[i];
      assertEquals([s.count, got, [...s.labels]], [count, sum, [...labels]], name);
      assertEquals(contentSum(`${folder}/train-images-idx3-ubyte.gz`), {
        size: images.length,
        crc32: crc32(0, images),
      });
    }
  });
});
