// Hostile and odd files given to the loader: devices and FIFOs (refused before any read, in a
// child process with a timeout, so a hang fails the test instead of hanging it), IDX folders
// of symbolic links or of two copies of a file, headers declaring sizes the file cannot hold,
// NaN pixels, pickles holding megabyte strings or lists, and errors that must name the file.
import { gunzipSync, gzipSync, zipSync } from "fflate";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { mnistPickle } from "./_mnist_pickle.ts";
import { NetsweepError, readArchive } from "../mod.ts";
import { datasetIdentity } from "../src/data/identity.ts";
import { crc32 } from "../src/core/mod.ts";
import { decodeStream } from "../src/data/_stream.ts";
import { fileError } from "../src/data/_file.ts";

const ROOT = new URL("../", import.meta.url).href;

/** Asserts `fn` throws a one-line NetsweepError naming `file` and matching `problem`. */
function assertBadInput(fn: () => unknown, file: string, problem: RegExp): NetsweepError {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert(err instanceof NetsweepError, `expected a NetsweepError, got ${err}`);
  assert(err.message.startsWith(`${file}: `), `${JSON.stringify(err.message)} names ${file}`);
  assertMatch(err.message, problem);
  assert(!err.message.includes("\n"), "one line");
  return err;
}

/** Runs `code` in a child Deno; killed after `ms` so that a hang fails instead of hanging. */
async function runChild(args: string[], ms: number): Promise<{ out: string; err: string }> {
  const child = new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" })
    .spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, ms);
  const output = await child.output();
  clearTimeout(timer);
  const out = new TextDecoder().decode(output.stdout);
  const err = new TextDecoder().decode(output.stderr);
  assert(!timedOut, `still running after ${ms} ms; it printed:\n${out}${err}`);
  return { out, err };
}

Deno.test("devices and FIFOs are refused before any read, by every entry point", async () => {
  using dir = tempDir();
  const fifo = `${dir.path}/data.pkl.gz`;
  const made = new Deno.Command("mkfifo", { args: [fifo, `${dir.path}/exp.json`] }).outputSync();
  assert(made.success, "mkfifo");
  Deno.symlinkSync("/dev/zero", `${dir.path}/zero-link.npz`);
  Deno.mkdirSync(`${dir.path}/idx`);
  Deno.copyFileSync(
    `${TESTDATA}mnist/train-labels-idx1-ubyte.gz`,
    `${dir.path}/idx/train-labels-idx1-ubyte.gz`,
  );
  const fifoInIdx = `${dir.path}/idx/train-images-idx3-ubyte`;
  new Deno.Command("mkfifo", { args: [fifoInIdx] }).outputSync();
  const char = /: not a regular file \(a character device\)$/;
  const pipe = /: not a regular file \(a FIFO \(named pipe\)\)$/;
  const cases: [string, string, RegExp][] = [
    ["readArchive", "/dev/zero", char],
    ["readArchive", "/dev/urandom", char],
    ["readArchive", fifo, pipe],
    ["readArchive", `${dir.path}/zero-link.npz`, char],
    ["readArchive", `${dir.path}/idx`, pipe],
    ["loadDataset", "/dev/zero", char],
    ["loadDataset", fifo, pipe],
    ["inspectArchive", "/dev/urandom", char],
    ["inspectArchive", fifo, pipe],
    ["datasetIdentity", "/dev/zero", char],
    ["datasetIdentity", fifo, pipe],
    ["datasetIdentity", `${dir.path}/idx`, pipe],
    ["loadExperiment", "/dev/zero", char],
    ["loadExperiment", `${dir.path}/exp.json`, pipe],
  ];
  // One child for all cases: each prints a line before it starts and one when it ends.
  const code = `
    import { inspectArchive, loadDataset, readArchive } from "${ROOT}mod.ts";
    import { datasetIdentity } from "${ROOT}src/data/identity.ts";
    import { loadExperiment } from "${ROOT}src/sweep/plan.ts";
    const fns = { readArchive, inspectArchive, datasetIdentity, loadExperiment,
      loadDataset: (path) => loadDataset({ path }) };
    for (const [fn, path] of ${JSON.stringify(cases.map(([fn, path]) => [fn, path]))}) {
      console.log("start", fn, path);
      try {
        fns[fn](path);
        console.log(JSON.stringify({ fn, path, message: "no error" }));
      } catch (err) {
        console.log(JSON.stringify({ fn, path, name: err.name, message: err.message }));
      }
    }`;
  const { out } = await runChild(["eval", code], 60_000);
  const results = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  assertEquals(results.length, cases.length, out);
  for (const [i, [fn, path, problem]] of cases.entries()) {
    const r = results[i];
    assertEquals([r.fn, r.path, r.name], [fn, path, "NetsweepError"], r.message);
    const named = path.endsWith("/idx") ? fifoInIdx : path;
    assert(r.message.startsWith(`${named}: `), `${fn}(${path}): ${r.message}`);
    assertMatch(r.message, problem);
  }
});

Deno.test("deno task sweep --plan refuses /dev/zero as the experiment file", async () => {
  const { err } = await runChild(
    ["run", "--allow-all", "src/cli/sweep.ts", "/dev/zero", "--plan"],
    60_000,
  );
  assertEquals(err.trim(), "error: /dev/zero: not a regular file (a character device)");
});

/** A directory with the fixture's IDX files, each copied or linked as `how` says. */
function idxDir(path: string, how: Record<string, "copy" | "link" | "none">): string {
  Deno.mkdirSync(path);
  for (const [name, mode] of Object.entries(how)) {
    const source = `${TESTDATA}mnist/${name}`;
    if (mode === "copy") Deno.copyFileSync(source, `${path}/${name}`);
    if (mode === "link") Deno.symlinkSync(source, `${path}/${name}`);
  }
  return path;
}

const FILES = [
  "train-images-idx3-ubyte.gz",
  "train-labels-idx1-ubyte.gz",
  "t10k-images-idx3-ubyte.gz",
  "t10k-labels-idx1-ubyte.gz",
];

Deno.test("IDX folders: symbolic links are followed, gaps and twins are refused", async (t) => {
  using dir = tempDir();
  const real = readArchive(`${TESTDATA}mnist`);
  await t.step("a folder of symbolic links loads as the folder itself", () => {
    const links = idxDir(`${dir.path}/links`, Object.fromEntries(FILES.map((f) => [f, "link"])));
    const got = readArchive(links);
    assertEquals(Object.keys(got.splits).sort(), ["t10k", "train"]);
    assertEquals(got.splits.train.images, real.splits.train.images);
    assertEquals(got.splits.t10k.labels, real.splits.t10k.labels);
    // The same data reached another way is the same data: the same trial ids.
    assertEquals(datasetIdentity(links), datasetIdentity(`${TESTDATA}mnist`));
  });
  await t.step("one linked training file beside regular files keeps the training split", () => {
    const mixed = idxDir(`${dir.path}/mixed`, {
      [FILES[0]]: "link",
      [FILES[1]]: "copy",
      [FILES[2]]: "copy",
      [FILES[3]]: "copy",
    });
    const got = readArchive(mixed);
    assertEquals(got.splits.train.count, 120);
    assertEquals(got.splits.train.images, real.splits.train.images);
  });
  await t.step("labels without their images are refused, not dropped", () => {
    const gap = idxDir(`${dir.path}/gap`, {
      [FILES[1]]: "copy",
      [FILES[2]]: "copy",
      [FILES[3]]: "copy",
    });
    assertBadInput(
      () => readArchive(gap),
      `${gap}/${FILES[1]}`,
      /no matching train-images file in /,
    );
  });
  await t.step("a broken link is named as one", () => {
    const broken = idxDir(`${dir.path}/broken`, { [FILES[1]]: "copy" });
    Deno.symlinkSync(`${dir.path}/nowhere`, `${broken}/${FILES[0]}`);
    assertBadInput(
      () => readArchive(broken),
      `${broken}/${FILES[0]}`,
      /broken symbolic link to .*nowhere$/,
    );
  });
  await t.step("a .gz and a plain copy of one file are refused, naming both", () => {
    const twins = idxDir(`${dir.path}/twins`, Object.fromEntries(FILES.map((f) => [f, "copy"])));
    Deno.writeFileSync(
      `${twins}/train-images-idx3-ubyte`,
      gunzipSync(Deno.readFileSync(`${twins}/${FILES[0]}`)),
    );
    const problem =
      /^train-images-idx3-ubyte and train-images-idx3-ubyte\.gz both hold train-images; remove or rename all but one$/;
    const err = assertBadInput(() => readArchive(twins), twins, /both hold/);
    assertMatch(err.problem, problem);
    // The same through one file of the folder: its partner is ambiguous the same way.
    const pair = assertBadInput(() => readArchive(`${twins}/${FILES[1]}`), twins, /both hold/);
    assertMatch(pair.problem, problem);
  });
});

/**
 * A gzip file of `header` then `zeros` zero bytes (1 + a multiple of 258), with a true trailer,
 * made by hand: one fixed-Huffman block of a literal 0 and then copies of 258 bytes at
 * distance 1, 13 bits each. Hundreds of megabytes in a file of a few: a compression bomb.
 */
function zerosAfter(header: Uint8Array, zeros: number): Uint8Array {
  const matches = (zeros - 1) / 258;
  assert(Number.isInteger(matches), "zeros is 1 + 258 k");
  const out = new Uint8Array(
    10 + 5 + header.length + Math.ceil((3 + 8 + 13 * matches + 7) / 8) + 8,
  );
  out.set([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  let at = 10;
  // A stored block for the header: BFINAL 0, BTYPE 00, LEN, NLEN, the bytes.
  out.set([
    0,
    header.length & 255,
    header.length >> 8,
    ~header.length & 255,
    (~header.length >> 8) & 255,
  ], at);
  out.set(header, at + 5);
  at += 5 + header.length;
  let acc = 0;
  let bits = 0;
  const put = (value: number, n: number) => { // LSB first, as deflate packs everything
    acc |= value << bits;
    bits += n;
    while (bits >= 8) {
      out[at++] = acc & 255;
      acc >>>= 8;
      bits -= 8;
    }
  };
  // Huffman codes go most significant bit first: reversed into the LSB-first stream.
  const code = (c: number, n: number) => {
    let r = 0;
    for (let i = 0; i < n; i++) r |= ((c >> i) & 1) << (n - 1 - i);
    put(r, n);
  };
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE 01: fixed codes
  code(0x30, 8); // literal 0
  for (let i = 0; i < matches; i++) {
    code(0xc5, 8); // length 258 (symbol 285)
    code(0, 5); // distance 1
  }
  code(0, 7); // end of block
  if (bits > 0) put(0, 8 - bits);
  let crc = crc32(0, header);
  const block = new Uint8Array(1 << 20);
  for (let left = zeros; left > 0; left -= block.length) {
    crc = crc32(crc, block.subarray(0, Math.min(left, block.length)));
  }
  const trailer = new DataView(out.buffer, at, 8);
  trailer.setUint32(0, crc >>> 0, true);
  trailer.setUint32(4, (header.length + zeros) % 2 ** 32, true);
  return out.subarray(0, at + 8);
}

function idxHeader(dims: number[]): Uint8Array {
  const h = new Uint8Array(4 + 4 * dims.length);
  h.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => new DataView(h.buffer).setUint32(4 + 4 * i, d, false));
  return h;
}

/** Asserts `fn` is refused as `assertBadInput` says, in well under a second. */
function assertRefusedAtOnce(fn: () => unknown, file: string, problem: RegExp): void {
  const start = performance.now();
  assertBadInput(fn, file, problem);
  const ms = performance.now() - start;
  assert(ms < 1000, `refused after ${ms.toFixed(0)} ms`);
}

Deno.test("an IDX header declaring what the file cannot hold is refused before inflating", async (t) => {
  using dir = tempDir();
  await t.step("a valid header then 300 MB of zeros (the trailer says so)", () => {
    const bomb = idxDir(`${dir.path}/bomb`, { [FILES[1]]: "none" });
    // 120 labels, then 300 MB more zeros: 3 GB of them would only take longer to make.
    Deno.writeFileSync(`${bomb}/${FILES[1]}`, zerosAfter(idxHeader([120]), 1 + 258 * 1162790));
    Deno.copyFileSync(`${TESTDATA}mnist/${FILES[0]}`, `${bomb}/${FILES[0]}`);
    assertRefusedAtOnce(
      () => readArchive(bomb),
      `${bomb}/${FILES[1]}`,
      /its IDX header \(shape \[120\]\) declares 128 bytes, but the gzip trailer says the data is 299999829$/,
    );
  });
  await t.step("a header declaring 2 GB in a file of kilobytes", () => {
    const huge = idxDir(`${dir.path}/huge`, { [FILES[0]]: "copy" });
    Deno.writeFileSync(
      `${huge}/${FILES[1]}`,
      zerosAfter(idxHeader([2_000_000_000]), 1 + 258 * 4000),
    );
    assertRefusedAtOnce(
      () => readArchive(huge),
      `${huge}/${FILES[1]}`,
      /declares 2000000008 bytes, more than the \d+-byte gzip file can inflate to$/,
    );
  });
  await t.step("a plain IDX file shorter than its header says", () => {
    const short = idxDir(`${dir.path}/short`, { [FILES[0]]: "copy" });
    const data = new Uint8Array(8 + 100);
    data.set(idxHeader([120]));
    Deno.writeFileSync(`${short}/train-labels-idx1-ubyte`, data);
    assertRefusedAtOnce(
      () => readArchive(short),
      `${short}/train-labels-idx1-ubyte`,
      /declares 128 bytes, but the file holds 108$/,
    );
  });
});

/** A .npy file's bytes (version 1.0 header). */
function npy(descr: string, shape: number[], data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")},), }`;
  header += " ".repeat(63 - ((header.length + 10) % 64)) + "\n";
  const out = new Uint8Array(10 + header.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(data, 10 + header.length);
  return out;
}

Deno.test("NaN and infinite pixels are refused at load, naming the image", async (t) => {
  using dir = tempDir();
  const labels = new Uint8Array(30);
  const cases: [string, "<f4" | "<f8", number][] = [
    ["nan.npz", "<f4", NaN],
    ["inf.npz", "<f4", -Infinity],
    ["big.npz", "<f8", 1e300], // finite in float64, infinite as the float32 it becomes
  ];
  for (const [name, descr, value] of cases) {
    await t.step(`${name}: ${value}`, () => {
      const pixels = descr === "<f4" ? new Float32Array(30 * 784) : new Float64Array(30 * 784);
      pixels.fill(0.5);
      pixels[17 * 784 + 300] = value;
      const f = `${dir.path}/${name}`;
      Deno.writeFileSync(
        f,
        zipSync({
          "x_train.npy": npy(descr, [30, 784], new Uint8Array(pixels.buffer)),
          "y_train.npy": npy("|u1", [30], labels),
        }),
      );
      assertBadInput(
        () => readArchive(f),
        f,
        /: train image 17 has a pixel that is (NaN|-?Infinity) \(pixel 300\); float pixels must be finite numbers$/,
      );
    });
  }
  await t.step("the last pixel of an odd-sized array, and finite extremes are kept", () => {
    const pixels = new Float32Array(3 * 5 * 5).fill(-3.4028234663852886e38);
    pixels[1] = 1e-45;
    const f = `${dir.path}/ok.npz`;
    const write = () =>
      Deno.writeFileSync(
        f,
        zipSync({
          "x_train.npy": npy("<f4", [3, 5, 5], new Uint8Array(pixels.buffer)),
          "y_train.npy": npy("|u1", [3], new Uint8Array(3)),
        }),
      );
    write();
    assertEquals(readArchive(f).splits.train.images, pixels);
    pixels[74] = Infinity;
    write();
    assertBadInput(
      () => readArchive(f),
      f,
      /: train image 2 has a pixel that is Infinity \(pixel 24\)/,
    );
  });
  await t.step("in a pickle", () => {
    const images = new Float32Array(10 * 784);
    images[3 * 784 + 5] = NaN;
    const split = { images, labels: new Uint8Array(10), count: 10 };
    const f = `${dir.path}/nan.pkl.gz`;
    Deno.writeFileSync(f, gzipSync(mnistPickle([split, split], "py2")));
    assertBadInput(
      () => readArchive(f),
      f,
      /: training image 3 has a pixel that is NaN \(pixel 5\)/,
    );
  });
});

/** A pickle's bytes from latin-1 text and byte arrays. */
function bytesOf(...parts: (string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) =>
    typeof p === "string" ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : p
  );
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

const u32 = (n: number) => Uint8Array.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, n >>> 24]);

Deno.test("pickles of megabyte strings and long lists are refused, not overflowing", async (t) => {
  using dir = tempDir();
  const MiB = new Uint8Array(1 << 20).fill(0x61);
  const write = (name: string, bytes: Uint8Array) => {
    Deno.writeFileSync(`${dir.path}/${name}`, bytes);
    return `${dir.path}/${name}`;
  };
  await t.step("a 1 MiB bytes object (protocol 4, as pickle.dumps(b'a' * 2**20) writes)", () => {
    const f = write("bytes.pkl", bytesOf("\x80\x04B", u32(MiB.length), MiB, "\x94."));
    assertBadInput(() => readArchive(f), f, /pickle does not hold MNIST/);
  });
  await t.step("a 1 MiB str (Python 2)", () => {
    const f = write("str.pkl", bytesOf("\x80\x02T", u32(MiB.length), MiB, "q\x00."));
    assertBadInput(() => readArchive(f), f, /pickle does not hold MNIST/);
  });
  await t.step("a 1 MiB global name: refused, and quoted short", () => {
    const f = write("global.pkl", bytesOf("\x80\x04B", u32(MiB.length), MiB, "\x8c\x01b\x93."));
    const err = assertBadInput(() => readArchive(f), f, /global 'a{80}\.\.\.', which is refused/);
    assert(err.message.length < 300, `a message of ${err.message.length} characters`);
  });
  await t.step("a list of 200,000 items (APPENDS; push(...items) overflows from 130,000)", () => {
    const items = new Uint8Array(200_000).fill(0x4e); // NONE
    const f = write("list.pkl", bytesOf("\x80\x02](", items, "e."));
    assertBadInput(() => readArchive(f), f, /more than 100000 values/);
  });
});

Deno.test("an error inside the decoder names the file and is not called corrupt data", async (t) => {
  using dir = tempDir();
  const raw = new Uint8Array(100_000).fill(7);
  for (
    const [name, bytes, compression] of [
      ["x.bin", raw, "none"],
      ["x.gz", gzipSync(raw), "gzip"],
    ] as const
  ) {
    await t.step(compression, () => {
      const f = `${dir.path}/${name}`;
      Deno.writeFileSync(f, bytes);
      using file = Deno.openSync(f);
      assertBadInput(
        () =>
          decodeStream(file, f, 0, bytes.length, compression, () => {
            throw new TypeError("a bug, not the file's fault");
          }),
        f,
        /: cannot read \(TypeError: a bug, not the file's fault\)$/,
      );
    });
  }
  await t.step("fileError keeps one line", () => {
    const err = fileError("f.gz", new RangeError("first\nsecond"));
    assertEquals(err.message, "f.gz: cannot read (RangeError: first)");
    assertEquals(
      fileError("f.gz", new Deno.errors.NotFound("x")).problem,
      "no such file or directory",
    );
  });
});
