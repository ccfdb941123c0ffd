// The non-zero pixel lists a sparse first layer trains from: one-byte codes into the split's
// table of distinct values (MNIST: at most 256) or the values themselves (more distinct values).
// Either way the kernel must receive exactly the pixels a scan of each image finds, bit for bit.
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { TESTDATA } from "./_testdata.ts";
import { listPixels } from "../src/model/layers/_input_rows.ts";
import { loadDataset, Rng, type Split, withSparseRows } from "../mod.ts";
import { sparseRows } from "../src/data/mod.ts";

/**
 * Every image's listed pixels from `rows`, against the per-image scan (no `sparse`): in a
 * shuffled order (training's copy, example by example) and in runs of consecutive rows, whole
 * and from an offset (evaluation's copy, one block per batch).
 */
function assertListsLikeScan(split: Split, inputSize: number): void {
  const sparse = sparseRows(split, inputSize);
  const n = split.count;
  const lists = (rows: Uint32Array, withRows: boolean) => {
    const m = rows.length;
    const out = {
      index: new Uint16Array(m * inputSize).fill(0xffff),
      value: new Float32Array(m * inputSize).fill(NaN),
      code: new Uint8Array(m * inputSize).fill(0xff),
      count: new Int32Array(m),
      start: new Int32Array(m).fill(-1),
    };
    const input = { images: split.images, rows, sparse: withRows ? sparse : undefined, all: false };
    const table = listPixels(input, m, inputSize, out);
    assert(table === null || (withRows && table === sparse.table), "the table of the lists' codes");
    // Only each example's count entries from its start are read by the kernels.
    return [...out.count].map((c, e) => {
      const at = (i: number) => out.start[e] + i;
      const values = Float32Array.from(
        { length: c },
        (_, i) => table ? table[out.code[at(i)]] : out.value[at(i)],
      );
      return {
        index: [...out.index.subarray(out.start[e], out.start[e] + c)],
        bits: [...new Uint32Array(values.buffer)],
      };
    });
  };
  const from = Math.min(3, n - 1);
  for (
    const rows of [
      Uint32Array.from({ length: n }, (_, i) => n - 1 - i), // a shuffled order
      Uint32Array.from({ length: n }, (_, i) => i), // the whole split as one run
      Uint32Array.from({ length: n - from }, (_, i) => from + i), // a run from an offset
    ]
  ) {
    assertEquals(lists(rows, true), lists(rows, false));
  }
}

Deno.test("pixel lists: codes into a table of at most 256 values, else the values", async (t) => {
  await t.step("MNIST in every format is coded, and lists what a scan lists", () => {
    for (const path of ["mnist", "mnist.npz", "mnist.pkl.gz", "mnist-py3.pkl.gz"]) {
      const data = loadDataset({ path: `${TESTDATA}${path}` });
      for (const split of [data.training, data.test]) {
        const s = sparseRows(split, data.inputSize);
        assert(s.code && s.table && s.value === null, `${path}: coded`);
        assert(s.table.length <= 256 && new Set(s.table).size === s.table.length, path);
        assert(!s.table.includes(0), `${path}: zeros are not listed`);
        assertEquals(s.code.length, s.rowStart[split.count]);
        assertListsLikeScan(split, data.inputSize);
      }
    }
  });
  await t.step("an empty split has an empty table; too few pixels are refused", () => {
    const empty = sparseRows(
      { images: new Float32Array(6), labels: new Uint8Array(2), count: 2 },
      3,
    );
    assertEquals([empty.code!.length, empty.table!.length, [...empty.rowStart]], [0, 0, [0, 0, 0]]);
    const short = { images: new Float32Array(5), labels: new Uint8Array(2), count: 2 };
    assertThrows(() => sparseRows(short, 3), RangeError, "5 pixels, fewer than 2 images of 3");
  });
  await t.step("the embedded MNIST's 60,000 images: 3 bytes a pixel", () => {
    const data = withSparseRows(loadDataset({ split: "standard" }));
    const s = data.training.sparse!;
    assert(s.code !== null && s.table!.length <= 255, `${s.table?.length} values`);
    assertEquals(s.index.byteLength + s.code.byteLength, 3 * s.rowStart[60000]);
  });
  await t.step("256 distinct values are coded; 257 are kept as values", () => {
    for (const distinct of [256, 257]) {
      const inputSize = 40;
      const count = 50;
      const images = new Float32Array(count * inputSize);
      const rng = new Rng(distinct);
      for (let i = 0; i < images.length; i++) {
        // First 50 values repeated, with zeros of both signs between them (never listed); then
        // each value up to `distinct` for the first time, the last rows later (the switch to
        // values falls inside row 8, after repeats); then any of them, or a zero.
        const draw = rng.nextFloat();
        images[i] = i < 100
          ? (i % 3 === 0 ? (i % 2 ? -0 : 0) : (i % 50) + 1) / 7
          : i < 100 + distinct
          ? (i - 99) / 7
          : draw < 0.5
          ? (draw < 0.25 ? 0 : -0)
          : (Math.floor(rng.nextFloat() * distinct) + 1) / 7;
      }
      const split = { images, labels: new Uint8Array(count), count };
      const s = sparseRows(split, inputSize);
      assertEquals(s.code === null, distinct > 256, `${distinct} values`);
      assertEquals(s.value === null, distinct <= 256, `${distinct} values`);
      if (s.table) assertEquals(s.table.length, distinct);
      assertListsLikeScan(split, inputSize);
    }
  });
});
