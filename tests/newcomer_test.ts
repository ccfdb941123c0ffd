// What a newcomer meets when following the README (issue 20), and should not: settings chosen on
// the test set, results on different data ranked together, `--out` folders other commands
// refuse, a misplaced key without a hint, and small inconsistencies of the command lines.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { cli, experimentFile, handSweep } from "./_newcomer.ts";
import {
  compare,
  compareSweeps,
  formatComparison,
  loadSweep,
  NetsweepError,
  parseExperiment,
  readSweeps,
  runSweep,
  sweep,
} from "../mod.ts";
import type { TrialRecord } from "../src/store/mod.ts";

const close = (a: number, b: number, what: string) =>
  assert(Math.abs(a - b) < 1e-6, `${what}: ${a} is not ${b}`);

/** Per setting (eta), the mean over repeats of f(trial). */
function perEta(records: TrialRecord[], f: (t: TrialRecord) => number): Map<number, number> {
  const sums = new Map<number, number[]>();
  for (const r of records) sums.set(r.setting.eta, [...(sums.get(r.setting.eta) ?? []), f(r)]);
  return new Map([...sums].map(([eta, xs]) => [eta, xs.reduce((a, b) => a + b, 0) / xs.length]));
}

// Setting eta=0.5 has the best test accuracy of any epoch (95%, at epoch 2), eta=3 the best
// validation accuracy (95%, at epoch 1, where its test accuracy is 90%). Chosen on validation
// data, as the books do, eta=3 wins, and its test accuracy is reported at epoch 1.
const TEST_SET_FAVOURS_05 = [
  {
    setting: { eta: 0.5, monitor: ["testAccuracy", "validationAccuracy"] as const },
    epochs: [
      { validationAccuracy: 0.8, testAccuracy: 0.8 },
      { validationAccuracy: 0.9, testAccuracy: 0.85 },
      { validationAccuracy: 0.85, testAccuracy: 0.95 },
    ],
  },
  {
    setting: { eta: 3, monitor: ["testAccuracy", "validationAccuracy"] as const },
    epochs: [
      { validationAccuracy: 0.85, testAccuracy: 0.85 },
      { validationAccuracy: 0.95, testAccuracy: 0.9 },
      { validationAccuracy: 0.9, testAccuracy: 0.9 },
    ],
  },
];

Deno.test("item 1: settings are chosen on validation data where it is monitored", async (t) => {
  const sweep = handSweep(
    TEST_SET_FAVOURS_05.map((x) => ({
      ...x,
      setting: { ...x.setting, monitor: [...x.setting.monitor] },
    })),
  );
  await t.step("the default order is best validation accuracy, the test shown at its epoch", () => {
    const c = compareSweeps([sweep]);
    assertEquals([c.metric, c.sort], ["testAccuracy", "validation"]);
    assertEquals(c.rows.map((r) => r.params.eta), [3, 0.5]);
    assertEquals(c.rows.map((r) => r.isBest), [true, false]);
    assertEquals(c.rows.map((r) => r.validation?.mean), [0.95, 0.9]);
    assertEquals(c.rows.map((r) => r.validationEpoch), [1, 1]);
    assertEquals(c.rows.map((r) => r.atBestValidation?.mean), [0.9, 0.85]);
    const table = formatComparison(c, "table", 200);
    const header = table.split("\n")[0];
    assertMatch(header, /^\s+eta\s+best validation\s+epoch\s+test accuracy at best val\./);
    assert(!/best test accuracy/.test(header), header);
    assertMatch(table, /^\*\s+3\s+95\.00%\s+1\s+90\.00% \(18 \/ 20\)/m);
    assertMatch(table, /^ranked by best validation accuracy; test accuracy shown at the epoch/m);
    const json = JSON.parse(formatComparison(c, "json"));
    assertEquals([json.sort, json.metric], ["validation", "testAccuracy"]);
  });
  await t.step("asked for by --sort best, the test ranking says what it is", () => {
    const c = compareSweeps([sweep], { sort: "best" });
    assertEquals(c.rows.map((r) => r.params.eta), [0.5, 3]);
    assertEquals(c.rows.map((r) => r.isBest), [false, true], "the star stays on validation");
    assertMatch(formatComparison(c, "table", 200), /that chooses settings on the test data/);
  });
  await t.step("without validation data, test accuracy ranks, and the note says so", () => {
    const testOnly = handSweep(TEST_SET_FAVOURS_05.map((x) => ({
      setting: { eta: x.setting.eta, monitor: ["testAccuracy" as const] },
      epochs: x.epochs.map((e) => ({ testAccuracy: e.testAccuracy })),
    })));
    const c = compareSweeps([testOnly]);
    assertEquals(c.sort, "best");
    assertEquals(c.rows.map((r) => r.params.eta), [0.5, 3]);
    assertEquals(c.rows.map((r) => r.best.mean), [0.95, 0.9]);
    assertMatch(
      formatComparison(c, "table", 200),
      /ranked by best test accuracy: no validation accuracy was monitored \(monitor validationAccuracy/,
    );
  });
  await t.step("a real sweep: compare's JSON is in the order of best validation", async () => {
    using dir = tempDir();
    const result = await runSweep({ file: experimentFile(dir.path, "val"), out: dir.path });
    const r = cli("compare.ts", [result.dir, "--format", "json"]);
    assertEquals(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assertEquals([json.sort, json.metric], ["validation", "testAccuracy"]);
    // Independently: per setting, the mean over repeats of each trial's best validation
    // accuracy, and of its test accuracy at the (last) epoch of that best.
    const bestVal = perEta(
      result.records,
      (t) => Math.max(...t.epochs.map((e) => e.validationAccuracy!)),
    );
    const testAtBest = perEta(result.records, (t) => {
      const best = Math.max(...t.epochs.map((e) => e.validationAccuracy!));
      return t.epochs.findLast((e) => e.validationAccuracy === best)!.testAccuracy!;
    });
    const order = [...bestVal].sort((a, b) => b[1] - a[1]).map(([eta]) => eta);
    const rows = json.rows as {
      params: { eta: number };
      validation: { mean: number };
      atBestValidation: { mean: number };
    }[];
    if (bestVal.get(0.5) !== bestVal.get(3)) assertEquals(rows.map((x) => x.params.eta), order);
    for (const row of rows) {
      close(row.validation.mean, bestVal.get(row.params.eta)!, "best validation");
      close(row.atBestValidation.mean, testAtBest.get(row.params.eta)!, "test at best validation");
    }
    assertMatch(cli("compare.ts", [result.dir]).out, /^ranked by best validation accuracy/m);
  });
});

Deno.test("item 4: results on different data are ranked apart, each group saying its data", async () => {
  using dir = tempDir();
  // One name, two datasets, one results folder: the fixture (20 test images) and the embedded
  // MNIST (10,000 test images).
  const shared = {
    grid: { eta: [1.0, 3.0] },
    repeats: 1,
    base: { sizes: [784, 10, 10], epochs: 1, trainSize: 100, monitor: ["testAccuracy"] },
  };
  await runSweep({ file: experimentFile(dir.path, "shared", shared), out: dir.path });
  const big = await runSweep({
    file: experimentFile(dir.path, "shared", { ...shared, dataset: { path: null } }),
    out: dir.path,
  });
  const c = compareSweeps(await readSweeps([big.dir]));
  const small = "mnist.pkl.gz: 100 training, 20 validation, 20 test images";
  const embedded = "the embedded MNIST: 50000 training, 10000 validation, 10000 test images";
  assertEquals(new Set(c.datasets), new Set([small, embedded]));
  assertEquals(c.rows.length, 4, "one row per setting and dataset, never a mix of both");
  assert(c.rows.every((r) => r.best.n === 1));
  for (const [dataset, count] of [[small, 20], [embedded, 10000]] as const) {
    const own = c.rows.filter((r) => r.dataset === dataset);
    assertEquals(own.map((r) => r.evaluatedOn), [count, count]);
    assertEquals(own.filter((r) => r.isBest).length, 1, `one best on ${dataset}`);
    assert(own[0].best.mean >= own[1].best.mean, "ranked within its dataset");
    // Rows of one dataset are together.
    const at = c.rows.indexOf(own[0]);
    assertEquals(c.rows.slice(at, at + 2), own);
  }
  const table = formatComparison(c, "table", 200);
  assertEquals(
    table.match(/^dataset: .*$/gm)?.sort(),
    [`dataset: ${small}`, `dataset: ${embedded}`].sort(),
  );
  assertEquals(table.match(/^\s+eta\s+best test accuracy/gm)?.length, 2, "two tables");
  assertEquals(table.match(/^\*/gm)?.length, 2);
  assertMatch(table, /\d+ \/ 10000\)/);
  const csv = formatComparison(c, "csv").trim().split("\n");
  assertMatch(csv[0], /^dataset,eta,/);
  assertEquals(csv.filter((l) => l.startsWith(`"${embedded}"`)).length, 2);
  const md = formatComparison(c, "md");
  assertEquals(md.match(/^\*\*dataset: /gm)?.length, 2);
  // Hand-written: a dataset whose trials monitored no validation accuracy still gets its best,
  // by test accuracy, while the other is ranked by validation.
  const withVal = handSweep(
    TEST_SET_FAVOURS_05.map((x) => ({
      ...x,
      setting: { ...x.setting, monitor: [...x.setting.monitor] },
    })),
  );
  const testOnly = handSweep([
    { setting: { eta: 0.5 }, epochs: [{ testAccuracy: 0.9 }] },
    { setting: { eta: 3 }, epochs: [{ testAccuracy: 0.95 }] },
  ], { name: "other", counts: { training: 50000, validation: null, test: 10000 } });
  const mixed = compareSweeps([withVal, testOnly]);
  assertEquals(mixed.datasets.length, 2);
  assertEquals(
    mixed.rows.map((r) => [r.experiment, r.params.eta, r.isBest]),
    [["hand", 3, true], ["hand", 0.5, false], ["other", 3, true], ["other", 0.5, false]],
  );
});

Deno.test("item 5: a folder of sweeps (`--out DIR`) is accepted wherever a sweep is", async (t) => {
  using dir = tempDir();
  const out = `${dir.path}/runs`;
  const a = await runSweep({
    file: experimentFile(dir.path, "first", {
      repeats: 1,
      base: { sizes: [784, 10, 10], epochs: 1 },
    }),
    out,
  });
  await runSweep({
    file: experimentFile(dir.path, "second", {
      seed: 4,
      repeats: 1,
      base: { sizes: [784, 10, 10], epochs: 1 },
    }),
    out,
  });
  assertEquals(a.dir, `${out}/first`);
  await t.step("compare DIR", () => {
    const r = cli("compare.ts", [out, "--format", "csv"]);
    assertEquals(r.code, 0, r.err);
    const lines = r.out.trim().split("\n");
    assertMatch(lines[0], /^experiment,eta,/);
    assertEquals(lines.slice(1).map((l) => l.split(",")[0]).sort(), [
      "first",
      "first",
      "second",
      "second",
    ]);
  });
  await t.step("plot DIR", () => {
    // runSweep writes the records; the report is plot's.
    assert(!Deno.readDirSync(`${out}/first`).some((e) => e.name === "report.html"));
    const r = cli("plot.ts", [out]);
    assertEquals(r.code, 0, r.err);
    assert(Deno.statSync(`${out}/first/report.html`).isFile);
    assertMatch(r.out, /second\/report\.html/);
  });
  await t.step("the notebook's loadSweep and compare", async () => {
    const view = await loadSweep(out);
    assertEquals(view.sweeps.map((s) => s.experiment.name), ["first", "second"]);
    assertEquals(view.records.length, 4);
    const table = await compare([out]);
    assertEquals(table.comparison.rows.length, 4);
  });
  await t.step("a folder with no sweep in it or below still says so", () => {
    Deno.mkdirSync(`${dir.path}/empty`);
    const r = cli("compare.ts", [`${dir.path}/empty`]);
    assertEquals(r.code, 1);
    assertMatch(r.err, /^error: .*empty: not a sweep result, nor a folder of them/);
  });
  await t.step("sweep --help says what --out is", () => {
    const r = cli("sweep.ts", ["--help"]);
    assertEquals(r.code, 0);
    assertMatch(
      r.out,
      /--out DIR\s+the parent folder of the results: they go to DIR\/<experiment name>/,
    );
  });
});

Deno.test("item 6: a key in the wrong section is pointed to where it belongs", () => {
  const message = (json: unknown) => {
    try {
      parseExperiment(json, "x.json");
    } catch (err) {
      assert(err instanceof NetsweepError);
      return err.message;
    }
    throw new Error("accepted");
  };
  assertEquals(
    message({ name: "a", dataset: { trainSize: 1000 } }),
    "x.json: $.dataset.trainSize: unknown key 'trainSize' (did you mean '$.base.trainSize' or '$.dataset.trainingImages'?)",
  );
  assertEquals(
    message({ name: "a", base: { trainingImages: 1000 } }),
    "x.json: $.base.trainingImages: unknown key 'trainingImages' (did you mean '$.dataset.trainingImages' or '$.base.trainSize'?)",
  );
  assertMatch(
    message({ name: "a", grid: { validationImages: [10] } }),
    /did you mean '\$\.dataset\.validationImages'\?\)$/,
  );
  assertMatch(message({ name: "a", base: { repeats: 3 } }), /did you mean '\$\.repeats'\?\)$/);
  // A plain misspelling keeps its short answer.
  assertMatch(
    message({ name: "a", dataset: { trainingImage: 10 } }),
    /did you mean 'trainingImages'\?\)$/,
  );
});

Deno.test("item 11: the command lines agree with each other", async (t) => {
  await t.step("every wrong command line exits 2 with the usage, --shard and --set too", () => {
    const tiny = `${TESTDATA}experiments/tiny.json`;
    for (
      const [args, problem] of [
        [["--shard", "5/2"], /^error: --shard: expected i\/n with 0 <= i < n, got '5\/2'$/m],
        [["--shard", "x"], /^error: --shard: expected i\/n/m],
        [["--set", "bogus"], /^error: --set: expected key=value, got 'bogus'$/m],
        [["--set", "etta=3"], /^error: --set: unknown key 'etta' \(did you mean 'eta'\?\)$/m],
      ] as const
    ) {
      const r = cli("sweep.ts", [tiny, ...args, "--plan"]);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.err}`);
      assertMatch(r.err, problem);
      assertMatch(r.err, /^usage: deno task sweep/m);
    }
  });
  await t.step("a notebook's sweep() names its overrides, not --set", async () => {
    const tiny = `${TESTDATA}experiments/tiny.json`;
    using out = tempDir();
    let message = "";
    try {
      await sweep(tiny, { etta: 3 } as Record<string, unknown>, { out: out.path, progress: false });
    } catch (err) {
      assert(err instanceof NetsweepError, String(err));
      message = err.message;
    }
    assertEquals(message, "sweep() overrides: unknown key 'etta' (did you mean 'eta'?)");
  });
  await t.step("CSV across sweeps of different epochs has one column per name", () => {
    const short = handSweep([{ setting: { epochs: 2 }, epochs: [{ testAccuracy: 0.5 }, {}] }]);
    const long = handSweep([{ setting: { epochs: 3 }, epochs: [{}, {}, { testAccuracy: 0.6 }] }], {
      name: "longer",
    });
    const c = compareSweeps([short, long]);
    assert(c.varying.includes("epochs"));
    const header = formatComparison(c, "csv").split("\n")[0].split(",");
    assertEquals(header.length, new Set(header).size, header.join(","));
    const csv = formatComparison(c, "csv").trim().split("\n").map((l) => l.split(","));
    const run = header.indexOf("epochs_run");
    const setting = header.indexOf("epochs");
    assertEquals(csv.slice(1).map((r) => [r[setting], r[run]]).sort(), [["2", "2"], ["3", "3"]]);
  });
  await t.step("--metric takes the experiment files' names, and the CSV columns", async () => {
    const help = cli("compare.ts", ["--help"]);
    assertMatch(
      help.out,
      /--metric\s+as experiment files name it .*:\s+testAccuracy, testCost, validationAccuracy/,
    );
    const wrong = cli("compare.ts", [TESTDATA, "--metric", "validationAcuracy"]);
    assertEquals(wrong.code, 2);
    assertMatch(
      wrong.err,
      /unknown --metric 'validationAcuracy' \(did you mean 'validationAccuracy'\?\)/,
    );
    using dir = tempDir();
    const result = await runSweep({
      file: experimentFile(dir.path, "metric", {
        repeats: 1,
        base: { sizes: [784, 10, 10], epochs: 1, monitor: ["testAccuracy", "trainingCost"] },
      }),
      out: dir.path,
    });
    const camel = cli("compare.ts", [result.dir, "--metric", "trainingCost", "--format", "json"]);
    const snake = cli("compare.ts", [result.dir, "--metric", "training_cost", "--format", "json"]);
    assertEquals(camel.code, 0, camel.err);
    assertEquals(camel.out, snake.out);
    assertEquals(JSON.parse(camel.out).metric, "trainingCost");
  });
});
