// Fashion-MNIST by name (issue 19, item 5): where it is looked for, the one line saying how to
// install it, its identity (its content: the same wherever and however compressed, not
// MNIST's), trial ids, experiment files naming it, and experiments/fashion-mnist.json. Loading
// Debian's package, the tasks and a sweep: tests/fashion_package_test.ts.
import { gunzipSync, gzipSync } from "fflate";
import { Ajv2020 } from "ajv/dist/2020.js";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { ROOT } from "./_newcomer.ts";
import { assertOneLine, envOf, idxFolder, INSTALL, withFolder } from "./_fashion.ts";
import { NetsweepError } from "../src/core/mod.ts";
import { datasetPlaces, locateDataset } from "../src/data/catalogue.ts";
import { datasetIdentity, namedIdentity } from "../src/data/identity.ts";
import { loadDataset } from "../src/data/mod.ts";
import { experimentJsonSchema, parseExperiment } from "../src/experiment/mod.ts";
import { identifyTrials } from "../src/sweep/plan.ts";

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
