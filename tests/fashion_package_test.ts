// Fashion-MNIST by name, for real: Debian's package loaded (numpy's values) and identified
// (where it is installed; in CI it must be), `deno task inspect fashion-mnist` and `deno task
// sweep --plan` with it found or missing, and a sweep on it whose results name it.
import { assert, assertEquals, assertMatch, assertStrictEquals } from "./_assert.ts";
import { EXPECTED, type ExpectedSplit, tempDir } from "./_testdata.ts";
import { quietAndBusy } from "./_hogs.ts";
import { ROOT } from "./_newcomer.ts";
import {
  DEBIAN,
  FILES,
  idxFolder,
  INSTALL,
  INSTALLED,
  testOnPackage,
  withFolder,
} from "./_fashion.ts";
import { datasetIdentity, namedIdentity } from "../src/data/identity.ts";
import { loadDataset } from "../src/data/mod.ts";
import { runSweep } from "../src/sweep/mod.ts";
import { compareSweeps, readSweeps } from "../src/results/mod.ts";

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
