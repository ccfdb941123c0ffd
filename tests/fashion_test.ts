// Fashion-MNIST by name (issue 19, item 5): where it is looked for, the one line saying how to
// install it, its identity (its content: the same wherever and however compressed, not
// MNIST's), loading it (numpy's values for Debian's package, where installed), `deno task
// inspect fashion-mnist`, experiments naming it, and experiments/fashion-mnist.json.
import { gunzipSync, gzipSync } from "fflate";
import { Ajv2020 } from "ajv/dist/2020.js";
import { assert, assertEquals, assertMatch, assertStrictEquals } from "./_assert.ts";
import { EXPECTED, type ExpectedSplit, tempDir, TESTDATA } from "./_testdata.ts";
import { quietAndBusy } from "./_hogs.ts";
import { ROOT } from "./_newcomer.ts";
import { NetsweepError } from "../src/core/mod.ts";
import { datasetPlaces, type EnvReader, locateDataset } from "../src/data/catalogue.ts";
import { datasetIdentity, namedIdentity } from "../src/data/identity.ts";
import { loadDataset } from "../src/data/mod.ts";
import { experimentJsonSchema, parseExperiment } from "../src/experiment/mod.ts";
import { identifyTrials } from "../src/sweep/plan.ts";
import { runSweep } from "../src/sweep/mod.ts";
import { compareSweeps, readSweeps } from "../src/results/mod.ts";

const DEBIAN = "/usr/share/datasets/fashion-mnist";
const FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];
const INSTALLED = FILES.every((f) => {
  try {
    return Deno.statSync(`${DEBIAN}/${f}.gz`).isFile;
  } catch {
    return false;
  }
});
const MISSING = `${DEBIAN} is missing (sudo apt install dataset-fashion-mnist)`;

/**
 * Registers a test on Debian's package: skipped with a message where it is not installed,
 * except in CI (CI=true), which installs it (.ci/run): there its absence fails the test.
 */
function testOnPackage(definition: Deno.TestDefinition): void {
  if (INSTALLED) return Deno.test(definition);
  if (Deno.env.get("CI") === "true") {
    return Deno.test({
      ...definition,
      fn() {
        throw new Error(`${MISSING}; CI installs it, so it must be there`);
      },
    });
  }
  console.log(`skipped "${definition.name}": ${MISSING}`);
  Deno.test({ ...definition, ignore: true });
}

/** An environment of `vars` only. */
const envOf = (vars: Record<string, string>): EnvReader => (name) => vars[name];

/**
 * Runs `fn` with the process's NETSWEEP_FASHION_MNIST set to `dir` ("": as if unset), awaited
 * before it is restored (the tests of a file run one at a time).
 */
function withFolder<T>(dir: string, fn: () => T): T {
  const before = Deno.env.get("NETSWEEP_FASHION_MNIST");
  Deno.env.set("NETSWEEP_FASHION_MNIST", dir);
  const restore = () => {
    if (before === undefined) Deno.env.delete("NETSWEEP_FASHION_MNIST");
    else Deno.env.set("NETSWEEP_FASHION_MNIST", before);
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    restore();
    throw err;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** The fixture's four IDX files (real MNIST images) copied into `dir`, each made by `make`. */
function idxFolder(dir: string, make: (name: string, gz: Uint8Array) => [string, Uint8Array]) {
  Deno.mkdirSync(dir, { recursive: true });
  for (const f of FILES) {
    const [name, bytes] = make(f, Deno.readFileSync(`${TESTDATA}mnist/${f}.gz`));
    Deno.writeFileSync(`${dir}/${name}`, bytes);
  }
  return dir;
}

/** Asserts `fn` throws one line, a NetsweepError about `source` matching every pattern. */
function assertOneLine(fn: () => unknown, source: string, ...patterns: RegExp[]): string {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert(err instanceof NetsweepError, `expected a NetsweepError, got ${err}`);
  assertEquals(err.source, source, err.message);
  assert(!err.message.includes("\n"), `one line: ${err.message}`);
  for (const p of patterns) assertMatch(err.message, p);
  return err.message;
}

const INSTALL =
  /sudo apt install dataset-fashion-mnist.*github\.com\/zalandoresearch\/fashion-mnist/;

Deno.test("fashion-mnist is looked for in the XDG data folders, Debian's and Keras'", () => {
  assertEquals(datasetPlaces("fashion-mnist", envOf({ HOME: "/home/u" })), [
    "/home/u/.local/share/datasets/fashion-mnist",
    "/usr/local/share/datasets/fashion-mnist",
    "/usr/share/datasets/fashion-mnist",
    "/home/u/.keras/datasets/fashion-mnist",
  ]);
  // XDG's variables replace the defaults; relative entries are ignored, as the spec says;
  // Debian's folder stays, once.
  const env = { HOME: "/h", XDG_DATA_HOME: "/x/", XDG_DATA_DIRS: "/a:rel:/usr/share/" };
  assertEquals(datasetPlaces("fashion-mnist", envOf(env)), [
    "/x/datasets/fashion-mnist",
    "/a/datasets/fashion-mnist",
    "/usr/share/datasets/fashion-mnist",
    "/h/.keras/datasets/fashion-mnist",
  ]);
  assertEquals(datasetPlaces("fashion-mnist", envOf({})), [
    "/usr/local/share/datasets/fashion-mnist",
    "/usr/share/datasets/fashion-mnist",
  ]);
  assertEquals(datasetPlaces("mnist", envOf({ HOME: "/h" })), [], "embedded: nowhere to look");
});

Deno.test("fashion-mnist is found in the first place holding it, or the variable's folder", () => {
  using dir = tempDir();
  const empty = `${dir.path}/empty`;
  Deno.mkdirSync(empty);
  const full = idxFolder(`${dir.path}/full`, (f, gz) => [`${f}.gz`, gz]);
  const other = idxFolder(`${dir.path}/other`, (f, gz) => [`${f}.gz`, gz]);
  const places = [`${dir.path}/none`, empty, full, other];
  assertEquals(locateDataset("fashion-mnist", envOf({}), places), full);
  // The variable wins over every place, and is the only one looked at.
  const env = envOf({ NETSWEEP_FASHION_MNIST: other });
  assertEquals(locateDataset("fashion-mnist", env, places), other);
  assertEquals(locateDataset("fashion-mnist", env, []), other);
});

Deno.test("fashion-mnist missing: one line naming where it looked and how to install it", () => {
  using dir = tempDir();
  const empty = `${dir.path}/empty`;
  Deno.mkdirSync(empty);
  // The package missing, simulated by the override naming an empty folder.
  const message = assertOneLine(
    () => locateDataset("fashion-mnist", envOf({ NETSWEEP_FASHION_MNIST: empty })),
    empty,
    /: no Fashion-MNIST files here \(NETSWEEP_FASHION_MNIST names this folder\); install it/,
    INSTALL,
  );
  assertEquals(message.match(/apt install/g)?.length, 1, "one way per system, said once");
  // Through loadDataset and datasetIdentity too, with the process's variable.
  withFolder(empty, () => {
    assertOneLine(() => loadDataset({ name: "fashion-mnist" }), empty, INSTALL);
    assertOneLine(() => datasetIdentity(null, "fashion-mnist"), empty, INSTALL);
  });
  // Nowhere at all: the places it looked in, in order.
  const places = [`${dir.path}/a`, empty];
  assertOneLine(
    () => locateDataset("fashion-mnist", envOf({}), places),
    "fashion-mnist",
    new RegExp(`^fashion-mnist: not found \\(looked in ${dir.path}/a, ${empty}\\); install it`),
    INSTALL,
  );
  // The variable naming a file, or nothing that exists.
  const file = `${dir.path}/file`;
  Deno.writeTextFileSync(file, "x");
  for (const bad of [file, `${dir.path}/gone`]) {
    assertOneLine(
      () => locateDataset("fashion-mnist", envOf({ NETSWEEP_FASHION_MNIST: bad })),
      bad,
      /: not a folder \(NETSWEEP_FASHION_MNIST names it for Fashion-MNIST\); install it/,
    );
  }
  // Half a download: the files it lacks are named, not a parse error later.
  const half = `${dir.path}/half`;
  Deno.mkdirSync(half);
  Deno.copyFileSync(
    `${TESTDATA}mnist/train-images-idx3-ubyte.gz`,
    `${half}/train-images-idx3-ubyte.gz`,
  );
  Deno.copyFileSync(
    `${TESTDATA}mnist/train-labels-idx1-ubyte.gz`,
    `${half}/train-labels-idx1-ubyte.gz`,
  );
  assertOneLine(
    () => locateDataset("fashion-mnist", envOf({}), [empty, half]),
    half,
    /: Fashion-MNIST is incomplete here \(no t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, gzipped or not\); install it/,
  );
  // A name and a path at once, and an unknown name, through the API.
  assertOneLine(
    () => loadDataset({ name: "fashion-mnist", path: `${TESTDATA}mnist` }),
    "fashion-mnist",
    /give a name or a path, not both/,
  );
  assertOneLine(
    () => loadDataset({ name: "cifar" as "mnist" }),
    "cifar",
    /no dataset of this name \(known: mnist, fashion-mnist\)/,
  );
});

Deno.test("the identity of fashion-mnist is its content: not where it is, nor how it is gzipped", () => {
  using dir = tempDir();
  const gz = idxFolder(`${dir.path}/a`, (f, b) => [`${f}.gz`, b]);
  const moved = idxFolder(`${dir.path}/deep/er/b`, (f, b) => [`${f}.gz`, b]);
  const plain = idxFolder(`${dir.path}/plain`, (f, b) => [f, gunzipSync(b)]);
  // Zalando's own files name themselves in their gzip headers; Debian's do not.
  const named = idxFolder(`${dir.path}/named`, (f, b) => [
    `${f}.gz`,
    gzipSync(gunzipSync(b), { filename: f, mtime: 1e9 * 1000, level: 9 }),
  ]);
  // Two gzip members: the trailer holds the last one's sum only, so the data is inflated.
  const members = idxFolder(`${dir.path}/members`, (f, b) => {
    const data = gunzipSync(b);
    const cut = data.length >> 1;
    const first = gzipSync(data.subarray(0, cut));
    const second = gzipSync(data.subarray(cut));
    const both = new Uint8Array(first.length + second.length);
    both.set(first);
    both.set(second, first.length);
    return [`${f}.gz`, both];
  });
  assert(Deno.readFileSync(`${named}/t10k-labels-idx1-ubyte.gz`)[3] === 0x08, "FNAME is set");
  // Python: len(gzip.open(f).read()) and zlib.crc32 of it, for each of the fixture's files.
  const expected = "fashion-mnist:t10k-images:15696:93db32d2 t10k-labels:28:789e6127 " +
    "train-images:94096:564caaa4 train-labels:128:e49c0989";
  for (const folder of [gz, moved, plain, named, members, `${dir.path}/deep/../a`]) {
    assertEquals(namedIdentity("fashion-mnist", folder), expected, folder);
    assertEquals(withFolder(folder, () => datasetIdentity(null, "fashion-mnist")), expected);
  }
  // Other bytes, another identity; MNIST's (embedded, or these files by path) is another still.
  const changed = idxFolder(`${dir.path}/changed`, (f, b) => {
    const data = gunzipSync(b);
    if (f === "train-labels-idx1-ubyte") data[100] = (data[100] + 1) % 10;
    return [`${f}.gz`, gzipSync(data)];
  });
  const other = namedIdentity("fashion-mnist", changed);
  assert(other !== expected && other.startsWith("fashion-mnist:"), other);
  assert(datasetIdentity(null) !== expected && datasetIdentity(gz) !== expected);
});

Deno.test("trial ids: Fashion-MNIST's differ from MNIST's and do not depend on its folder", () => {
  using dir = tempDir();
  const a = idxFolder(`${dir.path}/a`, (f, b) => [`${f}.gz`, b]);
  const b = idxFolder(`${dir.path}/b`, (f, b) => [f, gunzipSync(b)]);
  const ids = (dataset: Record<string, unknown>) => {
    const json = { name: "t", dataset, base: { epochs: 1 }, grid: { eta: [0.5, 3] } };
    return identifyTrials(parseExperiment(json, "t.json")).trials.map((t) => t.id);
  };
  const inA = withFolder(a, () => ids({ name: "fashion-mnist" }));
  const inB = withFolder(b, () => ids({ name: "fashion-mnist" }));
  assertEquals(inA, inB);
  const mnist = ids({});
  assertEquals(new Set([...inA, ...mnist]).size, 4, "no id shared with MNIST's trials");
  // `name: "mnist"` is the embedded MNIST of old: the same trials.
  assertEquals(ids({ name: "mnist" }), mnist);
  assertEquals(ids({ name: null, path: null }), mnist);
});

Deno.test("experiment files: a name or a path, both checks agree", () => {
  const validate = new Ajv2020({ strict: false }).compile(experimentJsonSchema());
  const cases: [Record<string, unknown>, boolean][] = [
    [{ name: "fashion-mnist" }, true],
    [{ name: "mnist", path: null }, true],
    [{ name: null, path: "x.pkl.gz" }, true],
    [{ name: "fashion-mnist", path: "x.pkl.gz" }, false],
    [{ name: "fashion" }, false],
    [{ name: "" }, false],
  ];
  for (const [dataset, ok] of cases) {
    const json = { name: "t", dataset };
    assertEquals(validate(json), ok, `schema: ${JSON.stringify(dataset)}`);
    let message = "";
    try {
      parseExperiment(structuredClone(json), "t.json");
    } catch (err) {
      assert(err instanceof NetsweepError);
      message = err.message;
    }
    assertEquals(message === "", ok, `checker: ${JSON.stringify(dataset)} ${message}`);
    if (!ok) assertMatch(message, /^t\.json: \$\.dataset\.name: /);
  }
  assertOneLine(
    () => parseExperiment({ name: "t", dataset: { name: "fashion-mnist", path: "x" } }, "t.json"),
    "t.json",
    /\$\.dataset\.name: give a name or a path, not both \(name "fashion-mnist", path "x"\)$/,
  );
});

Deno.test("experiments/fashion-mnist.json compares the chapter-1 network and the conv net on it", () => {
  const file = `${ROOT}experiments/fashion-mnist.json`;
  const exp = parseExperiment(JSON.parse(Deno.readTextFileSync(file)), file);
  assertEquals(exp.dataset.name, "fashion-mnist");
  assertEquals(exp.dataset.path, null);
  assertMatch(exp.description, /arXiv:1708\.07747/);
  assertMatch(exp.description, /github\.com\/zalandoresearch\/fashion-mnist/);
  const [mlp, conv] = exp.cases.map((c) => ({ ...exp.base, ...c }));
  assertEquals(
    [mlp.sizes, mlp.activation, mlp.cost, mlp.eta, mlp.miniBatchSize],
    [[784, 30, 10], "sigmoid", "quadratic", 3, 10],
  );
  assertEquals(conv.layers, [
    { type: "conv", maps: 20, kernel: 5 },
    { type: "pool", size: 2 },
    { type: "dense", size: 100 },
    { type: "dense", size: 10 },
  ]);
  assertEquals([conv.cost, conv.init, conv.eta, conv.miniBatchSize], [
    "log-likelihood",
    "network3",
    0.1,
    10,
  ]);
  // The conv case is nielsen-ch6-conv.json's second, on other data.
  const book = JSON.parse(Deno.readTextFileSync(`${ROOT}experiments/nielsen-ch6-conv.json`));
  assertEquals(conv.layers, book.cases[1].layers);
});

/** Numpy's values for one split: count, label histogram, first labels, sum of raw pixels. */
function assertSplit(
  got: { images: Float32Array; labels: Uint8Array; count: number },
  want: Omit<ExpectedSplit, "image_shape">,
  what: string,
) {
  const histogram = new Array(10).fill(0);
  for (let i = 0; i < got.count; i++) histogram[got.labels[i]]++;
  let sum = 0;
  for (let i = 0; i < got.images.length; i++) sum += got.images[i];
  let first = 0;
  for (let i = 0; i < 784; i++) first += got.images[i];
  assertEquals(
    [got.count, histogram, [...got.labels.subarray(0, 10)], sum, first],
    [
      want.count,
      want.label_histogram,
      want.first_labels,
      want.pixel_sum,
      want.first_image_pixel_sum,
    ],
    what,
  );
}

// numpy on Debian's files (0.0~git20200523.55506a9-1):
//   X = np.frombuffer(gzip.open(f).read(), np.uint8, offset=16).reshape(-1, 784).astype(np.int64)
//   y = np.frombuffer(gzip.open(f).read(), np.uint8, offset=8); np.bincount(y[a:b]), X[a:b].sum()
const FASHION = {
  training: {
    count: 50000,
    label_histogram: [4977, 5012, 4992, 4979, 4950, 5004, 5030, 5045, 5032, 4979],
    first_labels: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5],
    pixel_sum: 2853847097,
    first_image_pixel_sum: 76247,
  },
  validation: {
    count: 10000,
    label_histogram: [1023, 988, 1008, 1021, 1050, 996, 970, 955, 968, 1021],
    first_labels: [9, 2, 1, 0, 2, 7, 9, 3, 1, 1],
    pixel_sum: 577267072,
    first_image_pixel_sum: 50221,
  },
  test: {
    count: 10000,
    label_histogram: new Array(10).fill(1000),
    first_labels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7],
    pixel_sum: 573469082,
    first_image_pixel_sum: 33456,
  },
};
// Python: len(gzip.open(f).read()) and zlib.crc32 of it, for each of Debian's files.
const FASHION_IDENTITY = "fashion-mnist:t10k-images:7840016:678fe0b1 " +
  "t10k-labels:10008:80142c1f train-images:47040016:b4f29f28 train-labels:60008:741a4657";

const LOAD_BY_NAME =
  "fashion-mnist by name loads Debian's package: numpy's counts, labels and pixel sums";
function loadByName() {
  const data = withFolder("", () => loadDataset({ name: "fashion-mnist", scale: 1 }));
  assertEquals(data.source, DEBIAN);
  assertEquals([data.inputSize, data.classes, data.imageShape], [784, 10, [28, 28]]);
  assertSplit(data.training, FASHION.training, "training");
  assertSplit(data.validation!, FASHION.validation, "validation");
  assertSplit(data.test, FASHION.test, "test");
}
if (INSTALLED) quietAndBusy(LOAD_BY_NAME, loadByName);
else testOnPackage({ name: LOAD_BY_NAME, fn: loadByName });

testOnPackage({
  name: "Debian's Fashion-MNIST: its identity is its content's, the same through another folder",
  fn() {
    using dir = tempDir();
    assertEquals(withFolder("", () => datasetIdentity(null, "fashion-mnist")), FASHION_IDENTITY);
    // The same files reached through symbolic links in another folder.
    const links = `${dir.path}/links`;
    Deno.mkdirSync(links);
    for (const f of FILES) Deno.symlinkSync(`${DEBIAN}/${f}.gz`, `${links}/${f}.gz`);
    assertEquals(withFolder(links, () => datasetIdentity(null, "fashion-mnist")), FASHION_IDENTITY);
    assert(datasetIdentity(null) !== FASHION_IDENTITY, "not MNIST's");
  },
});

/** Runs a task's script with NETSWEEP_FASHION_MNIST set to `folder`. */
function run(task: string, args: string[], folder: string) {
  const permissions = (JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks[task] as string)
    .split(" ").filter((w) => w.startsWith("--allow-"));
  const o = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, `${ROOT}src/cli/${task}.ts`, ...args],
    cwd: ROOT,
    stdin: "null",
    env: { NO_COLOR: "1", NETSWEEP_FASHION_MNIST: folder },
  }).outputSync();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: o.code, out: text(o.stdout), err: text(o.stderr) };
}

Deno.test("deno task inspect and sweep take the name; missing, one line and exit code 1", () => {
  using dir = tempDir();
  const empty = `${dir.path}/empty`;
  Deno.mkdirSync(empty);
  const fixture = idxFolder(`${dir.path}/fixture`, (f, b) => [`${f}.gz`, b]);
  const shown = run("inspect", ["fashion-mnist"], fixture);
  assertEquals(shown.code, 0, shown.err);
  assertMatch(shown.out, new RegExp(`^fashion-mnist \\(${fixture}\\): idx\\+gzip, loaded in`));
  const want = EXPECTED["mnist/"] as Record<string, ExpectedSplit>;
  const sums = [...shown.out.matchAll(/pixel sum +(\d+)/g)].map((m) => Number(m[1]));
  assertEquals(sums, [want.train.pixel_sum, want.t10k.pixel_sum]);
  const json = JSON.parse(run("inspect", ["fashion-mnist", "--json"], fixture).out);
  assertEquals([json.dataset, json.path, json.splits.t10k.count], ["fashion-mnist", fixture, 20]);
  // A folder called fashion-mnist is reached as ./fashion-mnist.
  const byPath = run("inspect", [`./tests/testdata/mnist`], empty);
  assertEquals(byPath.code, 0, byPath.err);
  for (
    const [task, args] of [
      ["inspect", ["fashion-mnist"]],
      ["sweep", ["experiments/fashion-mnist.json", "--plan"]],
    ] as const
  ) {
    const r = run(task, [...args], empty);
    assertEquals(r.code, 1, `${task}: ${r.out}${r.err}`);
    const lines = r.err.trim().split("\n");
    assertEquals(lines.length, 1, r.err);
    assertMatch(lines[0], new RegExp(`^error: ${empty}: no Fashion-MNIST files here`));
    assertMatch(lines[0], INSTALL);
  }
});

Deno.test("a sweep on fashion-mnist by name: results say which data they are", async () => {
  using dir = tempDir();
  const fixture = idxFolder(`${dir.path}/fashion`, (f, b) => [`${f}.gz`, b]);
  const file = `${dir.path}/named.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "named",
      dataset: { name: "fashion-mnist" },
      base: { sizes: [784, 10, 10], epochs: 1, monitor: ["testAccuracy"] },
      grid: { eta: [3.0] },
    }),
  );
  const result = await withFolder(fixture, () => runSweep({ file, out: dir.path, workers: 1 }));
  const c = compareSweeps(await readSweeps([result.dir]));
  assertEquals(c.rows.map((r) => r.dataset), [
    "fashion-mnist: 100 training, 20 validation, 20 test images",
  ]);
  const meta = [...Deno.readDirSync(`${result.dir}/experiments`)];
  assertEquals(meta.length, 1);
  const saved = JSON.parse(Deno.readTextFileSync(`${result.dir}/experiments/${meta[0].name}`));
  assertStrictEquals(saved.dataset, namedIdentity("fashion-mnist", fixture));
});
