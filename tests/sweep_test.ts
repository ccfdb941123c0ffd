import * as zarr from "zarrita";
import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { quietAndBusy } from "./_hogs.ts";
import { freeze } from "./_process.ts";
import {
  applyOverrides,
  expandTrials,
  experimentJsonSchema,
  NetsweepError,
  parseExperiment,
  parseShard,
  readSweep,
  runSweep,
  selectShard,
  shardFromEnv,
} from "../mod.ts";
import { FileSystemStore } from "@zarrita/storage";
import { progressReporter } from "../src/sweep/progress.ts";
import { parseRecord, type TrialRecord } from "../src/store/records.ts";

const FIXTURE = `${TESTDATA}mnist.pkl.gz`;

/** Writes an experiment file over the fixture into `dir`. */
function experimentFile(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const exp = {
    name,
    dataset: { path: FIXTURE },
    base: {
      sizes: [784, 12, 10],
      epochs: 3,
      miniBatchSize: 10,
      monitor: ["testAccuracy", "trainingCost"],
    },
    grid: { eta: [0.5, 3.0] },
    seed: 11,
    ...extra,
  };
  const file = `${dir}/${name}.json`;
  Deno.writeTextFileSync(file, JSON.stringify(exp));
  return file;
}

Deno.test("expandTrials() crosses cases, grid and repeats", async (t) => {
  await t.step("counts and order", () => {
    const exp = parseExperiment({
      name: "more-data",
      grid: { eta: [0.1, 0.5] },
      cases: [{ trainSize: 1000, lmbda: 0.1 }, { trainSize: 10000, lmbda: 1 }],
      repeats: 3,
    }, "x.json");
    const trials = expandTrials(exp);
    assertEquals(trials.length, 12);
    assertEquals(trials.map((t) => t.index), [...Array(12).keys()]);
    assertEquals([trials[0].setting.trainSize, trials[0].setting.eta, trials[0].repeat], [
      1000,
      0.1,
      0,
    ]);
    assertEquals([trials[11].setting.trainSize, trials[11].setting.eta, trials[11].repeat], [
      10000,
      0.5,
      2,
    ]);
    assertEquals(new Set(trials.map((t) => t.id)).size, 12);
    assertEquals(new Set(trials.map((t) => t.seed)).size, 12);
  });
  await t.step("ids and seeds depend on the setting and experiment seed only", () => {
    const a = expandTrials(
      parseExperiment({ name: "a", grid: { eta: [1, 2] }, seed: 5 }, "a.json"),
    );
    const b = expandTrials(
      parseExperiment({ name: "b", grid: { eta: [2, 1, 3] }, seed: 5 }, "b.json"),
    );
    assertEquals(b[0].id, a[1].id);
    assertEquals(b[0].seed, a[1].seed);
    const c = expandTrials(
      parseExperiment({ name: "a", grid: { eta: [1, 2] }, seed: 6 }, "a.json"),
    );
    assert(c[0].seed !== a[0].seed && c[0].id !== a[0].id);
  });
  await t.step("shards partition the trials", () => {
    const trials = expandTrials(
      parseExperiment({ name: "s", grid: { eta: [1, 2, 3, 4, 5] } }, "s.json"),
    );
    const parts = [0, 1, 2].map((i) =>
      selectShard(trials, { index: i, count: 3 }).map((t) => t.index)
    );
    assertEquals(parts, [[0, 3], [1, 4], [2]]);
    assertEquals(
      shardFromEnv({
        SLURM_ARRAY_TASK_ID: "3",
        SLURM_ARRAY_TASK_COUNT: "4",
        SLURM_ARRAY_TASK_MIN: "1",
      }),
      {
        index: 2,
        count: 4,
      },
    );
    assertEquals(shardFromEnv({ JOB_COMPLETION_INDEX: "1", NETSWEEP_SHARDS: "2" }), {
      index: 1,
      count: 2,
    });
    assertEquals(shardFromEnv({}), undefined);
    assertThrows(() => parseShard("3/3"), /0 <= i < n/);
  });
  await t.step("--set overrides the base, the grid and the cases", () => {
    const json = { name: "o", grid: { eta: [1, 2] }, cases: [{ eta: 5, lmbda: 1 }] };
    const exp = parseExperiment(
      applyOverrides(json, ["eta=0.5", "epochs=2", "sizes=[784,20,10]"]),
      "o.json",
    );
    const trials = expandTrials(exp);
    assertEquals(trials.length, 1);
    assertEquals([trials[0].setting.eta, trials[0].setting.epochs, trials[0].setting.lmbda], [
      0.5,
      2,
      1,
    ]);
    assertEquals(trials[0].setting.sizes, [784, 20, 10]);
    assertThrows(
      () => applyOverrides(json, ["etta=1"]),
      /--set: unknown key 'etta' \(did you mean 'eta'\?\)/,
    );
    assertThrows(
      () => applyOverrides(json, ["eta=-1"]),
      /--set: \$\.base\.eta: must be > 0, got -1/,
    );
    assertThrows(() => applyOverrides(json, ["eta"]), /expected key=value/);
  });
});

Deno.test("parseExperiment() names the file and JSON path of every mistake", async (t) => {
  const cases: [string, unknown, RegExp][] = [
    [
      "unknown key, with a suggestion",
      { name: "x", base: { etta: 1 } },
      /x\.json: \$\.base\.etta: unknown key 'etta' \(did you mean 'eta'\?\)/,
    ],
    [
      "unknown top-level key",
      { name: "x", grids: {} },
      /\$\.grids: unknown key 'grids' \(did you mean 'grid'\?\)/,
    ],
    [
      "wrong type",
      { name: "x", base: { epochs: "ten" } },
      /\$\.base\.epochs: must be an integer, got "ten"/,
    ],
    ["eta <= 0", { name: "x", grid: { eta: [0.1, 0] } }, /\$\.grid\.eta\[1\]: must be > 0, got 0/],
    [
      "empty grid list",
      { name: "x", grid: { eta: [] } },
      /\$\.grid\.eta: must be a non-empty list/,
    ],
    [
      "enum typo",
      { name: "x", base: { cost: "cross_entropy" } },
      /\$\.base\.cost: must be one of .* \(did you mean 'cross-entropy'\?\)/,
    ],
    [
      "bad sizes",
      { name: "x", base: { sizes: [784] } },
      /\$\.base\.sizes: must be a list of two or more/,
    ],
    ["bad name", { name: "a/b" }, /\$\.name: must be a name/],
    ["not an object", [1, 2], /\$: must be an object/],
  ];
  for (const [what, json, pattern] of cases) {
    await t.step(what, () => {
      const err = assertThrowsNetsweep(() => parseExperiment(json, "x.json"));
      assertMatch(err.message, pattern);
    });
  }
  await t.step("sizes that do not fit the data, before any training", async () => {
    using dir = tempDir();
    const file = experimentFile(dir.path, "fit", { base: { sizes: [784, 30, 2], epochs: 1 } });
    await assertRejectsNetsweep(
      () => runSweep({ file, out: dir.path }),
      /trial 0 \(eta=0\.5\)\.sizes: last layer 2 does not fit the data's 10 classes/,
    );
    assertThrows(() => Deno.statSync(`${dir.path}/fit`));
  });
  await t.step("invalid JSON and missing files", async () => {
    using dir = tempDir();
    Deno.writeTextFileSync(`${dir.path}/bad.json`, "{ name: 1 }");
    await assertRejectsNetsweep(
      () => runSweep({ file: `${dir.path}/bad.json` }),
      /bad\.json: invalid JSON/,
    );
    await assertRejectsNetsweep(
      () => runSweep({ file: `${dir.path}/none.json` }),
      /none\.json: no such file/,
    );
  });
  await t.step("experiments/schema.json is generated from the same table", () => {
    const committed = JSON.parse(
      Deno.readTextFileSync(new URL("../experiments/schema.json", import.meta.url)),
    );
    assertEquals(committed, JSON.parse(JSON.stringify(experimentJsonSchema())));
  });
  await t.step("every experiment in experiments/ is valid", () => {
    for (const e of Deno.readDirSync(new URL("../experiments/", import.meta.url))) {
      if (e.name === "schema.json" || !e.name.endsWith(".json")) continue;
      const json = JSON.parse(
        Deno.readTextFileSync(new URL(`../experiments/${e.name}`, import.meta.url)),
      );
      const exp = parseExperiment(json, e.name);
      assert(exp.description.length > 20, `${e.name} describes itself`);
      for (const t of expandTrials(exp)) {
        // Ten outputs, one per digit: the last layer's size, or the last of `sizes`.
        const last = t.setting.layers?.at(-1);
        assertEquals(last && "size" in last ? last.size : t.setting.sizes.at(-1), 10, e.name);
      }
    }
  });
});

function assertThrowsNetsweep(fn: () => unknown): NetsweepError {
  try {
    fn();
  } catch (err) {
    assert(err instanceof NetsweepError, `expected NetsweepError, got ${err}`);
    assert(!err.message.includes("\n"));
    return err;
  }
  throw new Error("expected an error");
}

async function assertRejectsNetsweep(fn: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await fn();
  } catch (err) {
    assert(err instanceof NetsweepError, `expected NetsweepError, got ${err}`);
    assertMatch(err.message, pattern);
    return;
  }
  throw new Error("expected a rejection");
}

/** Reads a float32 (trial, epoch) array of one chunk from the raw files, without zarrita. */
function rawFloat32(store: string, name: string): { shape: number[]; rows: Float32Array[] } {
  const meta = JSON.parse(Deno.readTextFileSync(`${store}/${name}/zarr.json`));
  assertEquals(meta.zarr_format, 3);
  assertEquals(meta.data_type, "float32");
  assertEquals(meta.codecs, [{ name: "bytes", configuration: { endian: "little" } }]);
  assertEquals(meta.fill_value, "NaN");
  const [T, E] = meta.shape;
  assertEquals(meta.chunk_grid.configuration.chunk_shape, [T, E]); // small sweeps: one chunk
  const bytes = Deno.readFileSync(`${store}/${name}/c/0/0`);
  assertEquals(bytes.length, T * E * 4);
  const all = new Float32Array(bytes.slice().buffer);
  return {
    shape: meta.shape,
    rows: Array.from({ length: T }, (_, i) => all.slice(i * E, (i + 1) * E)),
  };
}

/** The records in a results directory's trials/, parsed. */
function recordsIn(dir: string): TrialRecord[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.name.endsWith(".jsonl"))
      .map((e) => parseRecord(Deno.readTextFileSync(`${dir}/${e.name}`), e.name)!)
      .filter(Boolean);
  } catch {
    return [];
  }
}

function parseCsv(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split("\n");
  const cols = header.split(",");
  return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
}

Deno.test("runSweep() writes zarr and CSV results that read back", async () => {
  using dir = tempDir();
  const file = experimentFile(dir.path, "e2e", { repeats: 2 });
  const result = await runSweep({ file, out: dir.path, workers: 2 });
  assertEquals(result.records.map((r) => r.status), ["done", "done", "done", "done"]);
  const store = `${dir.path}/e2e/sweep.zarr`;

  // zarrita reads what was written.
  const root = zarr.root(new FileSystemStore(store));
  const group = await zarr.open.v3(root, { kind: "group" });
  assertEquals(group.attrs.trial_ids as string[], result.records.map((r) => r.id));
  const [meta] = Object.values(
    group.attrs.experiments as Record<string, { name: string; environment: { deno: string } }>,
  );
  assertEquals(meta.name, "e2e");
  assert(typeof meta.environment.deno === "string");
  const acc = await zarr.open.v3(root.resolve("test_accuracy"), { kind: "array" });
  assertEquals(acc.shape, [4, 3]);
  assertEquals(
    JSON.parse(Deno.readTextFileSync(`${store}/test_accuracy/zarr.json`)).dimension_names,
    ["trial", "epoch"],
  );
  const chunk = await zarr.get(acc, [null, null]);
  result.records.forEach((r, i) =>
    r.epochs.forEach((e) =>
      assertEquals((chunk.data as Float32Array)[i * 3 + e.epoch], Math.fround(e.testAccuracy!))
    )
  );
  const status = await zarr.open.v3(root.resolve("status"), { kind: "array" });
  assertEquals([...(await zarr.get(status, [null])).data as Int8Array], [2, 2, 2, 2]);
  const eta = await zarr.get(await zarr.open.v3(root.resolve("eta"), { kind: "array" }), [null]);
  assertEquals([...eta.data as Float64Array], [0.5, 0.5, 3, 3]);

  // An independent reader of the raw files agrees, and so does epochs.csv.
  const raw = rawFloat32(store, "test_accuracy");
  const epochs = parseCsv(Deno.readTextFileSync(`${dir.path}/e2e/epochs.csv`));
  assertEquals(epochs.length, 12);
  for (const row of epochs) {
    const i = result.records.findIndex((r) => r.id === row.trial);
    assertEquals(raw.rows[i][Number(row.epoch)], Math.fround(Number(row.test_accuracy)));
  }
  const dims: Record<string, string[]> = {
    trial: ["trial"],
    epoch: ["epoch"],
    status: ["trial"],
    eta: ["trial"],
    sizes: ["trial"],
    test_accuracy: ["trial", "epoch"],
    training_cost: ["trial", "epoch"],
  };
  for (const [name, want] of Object.entries(dims)) {
    const meta = JSON.parse(Deno.readTextFileSync(`${store}/${name}/zarr.json`));
    assertEquals(meta.dimension_names, want, `${name} has dimension_names`);
  }
  const sizesMeta = JSON.parse(Deno.readTextFileSync(`${store}/sizes/zarr.json`));
  assertEquals(sizesMeta.attributes.labels, ["784-12-10"]);
  const trials = parseCsv(Deno.readTextFileSync(`${dir.path}/e2e/trials.csv`));
  assertEquals(trials.map((r) => r.status), ["done", "done", "done", "done"]);
  assertEquals(trials.map((r) => r.eta), ["0.5", "0.5", "3", "3"]);
  assert(trials.every((r) => Number(r.best_test_accuracy) >= Number(r.final_test_accuracy)));

  // The same command again runs nothing and changes nothing.
  const before = Deno.readTextFileSync(`${dir.path}/e2e/epochs.csv`);
  const again = await runSweep({ file, out: dir.path, workers: 2 });
  assertEquals(again.records.map((r) => r.status), ["done", "done", "done", "done"]);
  assertEquals(Deno.readTextFileSync(`${dir.path}/e2e/epochs.csv`), before);

  // A changed file adds trials and keeps the old ones.
  const bigger = experimentFile(dir.path, "e2e", { repeats: 2, grid: { eta: [0.5, 3.0, 1.0] } });
  const more = await runSweep({ file: bigger, out: dir.path, workers: 2 });
  assertEquals(more.records.length, 6);
  assertEquals(more.records.slice(0, 4).map((r) => r.id), result.records.map((r) => r.id));
  assertEquals(rawFloat32(store, "test_accuracy").rows[0], raw.rows[0]);
});

Deno.test("a diverging trial is recorded and the sweep goes on", async () => {
  using dir = tempDir();
  const file = experimentFile(dir.path, "div", {
    base: { sizes: [784, 10, 10], activation: "relu", epochs: 2 },
    grid: { eta: [1e39, 0.5] },
  });
  const result = await runSweep({ file, out: dir.path, workers: 1 });
  assertEquals(result.records.map((r) => r.status), ["diverged", "done"]);
  assertEquals(result.records[0].divergedEpoch, 0);
  const trials = parseCsv(Deno.readTextFileSync(`${dir.path}/div/trials.csv`));
  assertEquals([trials[0].status, trials[0].diverged_epoch], ["diverged", "0"]);
});

function sweepCommand(args: string[], output: "piped" | "null" = "piped"): Deno.Command {
  // "null" for long runs: a pipe nobody reads fills up and blocks the child's progress lines.
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/sweep.ts", ...args],
    stdout: output,
    stderr: output,
  });
}

function withoutTimes(csv: string): string {
  const rows = csv.trim().split("\n").map((l) => l.split(","));
  const drop = new Set(
    ["train_seconds", "eval_seconds", "seconds_per_epoch"].map((c) => rows[0].indexOf(c)),
  );
  return rows.map((r) => r.filter((_, i) => !drop.has(i)).join(",")).join("\n");
}

Deno.test("three shard processes write the results of one process", async () => {
  using dir = tempDir();
  const file = experimentFile(dir.path, "shards", { grid: { eta: [0.5, 1.0, 3.0] }, repeats: 2 });
  const shards = [0, 1, 2].map((i) =>
    sweepCommand([file, "--out", `${dir.path}/sharded`, "--shard", `${i}/3`, "--workers", "1"])
      .spawn()
  );
  const outs = await Promise.all(shards.map((p) => p.output()));
  outs.forEach((o) => assertEquals(o.code, 0, new TextDecoder().decode(o.stderr)));
  const single = await sweepCommand([file, "--out", `${dir.path}/single`, "--workers", "2"])
    .output();
  assertEquals(single.code, 0);
  for (const csv of ["epochs.csv", "trials.csv"]) {
    assertEquals(
      withoutTimes(Deno.readTextFileSync(`${dir.path}/sharded/shards/${csv}`)),
      withoutTimes(Deno.readTextFileSync(`${dir.path}/single/shards/${csv}`)),
    );
  }
  const a = rawFloat32(`${dir.path}/sharded/shards/sweep.zarr`, "test_accuracy");
  const b = rawFloat32(`${dir.path}/single/shards/sweep.zarr`, "test_accuracy");
  assertEquals(a, b);
});

Deno.test("a sweep killed with SIGKILL loses nothing completed and resumes", async () => {
  using dir = tempDir();
  const file = experimentFile(dir.path, "resume", {
    base: { sizes: [784, 8, 10], epochs: 150, miniBatchSize: 10, monitor: ["testAccuracy"] },
    grid: { eta: [0.5, 1.0, 2.0, 3.0] },
  });
  const child = sweepCommand([file, "--out", dir.path, "--workers", "1"], "null").spawn();
  const trialsDir = `${dir.path}/resume/trials`;
  const doneIds = (): string[] =>
    recordsIn(trialsDir).filter((r) => r.status === "done").map((r) => r.id);
  const deadline = Date.now() + 60_000;
  while (doneIds().length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // Frozen first, so that what is judged below is what it had done at the kill (a loaded
  // machine can stall this loop while the sweep goes on), then killed.
  await freeze(child.pid);
  const completed = doneIds();
  child.kill("SIGKILL");
  const killed = await child.output();
  assert(!killed.success);
  assert(
    completed.length >= 1 && completed.length < 4,
    `killed mid-sweep (${completed.length} done)`,
  );

  // The results read back from the records, with the completed trials in them.
  const sweep = await readSweep(`${dir.path}/resume`);
  assertEquals(sweep.trials.filter((t) => t.status === "done").length, completed.length);
  const doneRecords = completed.map((id) => Deno.readTextFileSync(`${trialsDir}/${id}.jsonl`));

  // Re-running skips them and finishes the rest.
  const resumed = await sweepCommand([file, "--out", dir.path, "--workers", "2"]).output();
  assertEquals(resumed.code, 0);
  assertMatch(
    new TextDecoder().decode(resumed.stderr),
    new RegExp(`${completed.length} already complete`),
  );
  completed.forEach((id, i) =>
    assertEquals(Deno.readTextFileSync(`${trialsDir}/${id}.jsonl`), doneRecords[i])
  );
  const trials = parseCsv(Deno.readTextFileSync(`${dir.path}/resume/trials.csv`));
  assertEquals(
    trials.map((t) => [t.status, t.epochs_done]),
    Array(4).fill(["done", "150"]),
    // What to look at when it fails: the resumed run's words and the records it left.
    `${new TextDecoder().decode(resumed.stderr)}\n${
      [...Deno.readDirSync(trialsDir)].map((e) => {
        const size = Deno.statSync(`${trialsDir}/${e.name}`).size;
        const r = e.name.endsWith(".jsonl")
          ? parseRecord(Deno.readTextFileSync(`${trialsDir}/${e.name}`), e.name)
          : null;
        return `${e.name} ${size} B${r ? ` ${r.status} ${r.epochs.length}` : ""}`;
      }).join("\n")
    }`,
  );
});

quietAndBusy("Ctrl-C stops a sweep promptly and keeps finished epochs", async () => {
  using dir = tempDir();
  const file = experimentFile(dir.path, "sigint", {
    base: { sizes: [784, 8, 10], epochs: 100000, monitor: ["testAccuracy"] },
    grid: { eta: [1.0] },
  });
  const child = sweepCommand([file, "--out", dir.path, "--workers", "1"], "null").spawn();
  const rec = () => recordsIn(`${dir.path}/sigint/trials`)[0] ?? null;
  const deadline = Date.now() + 60_000;
  while ((rec()?.epochs.length ?? 0) < 3 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const sent = Date.now();
  child.kill("SIGINT");
  const out = await child.output();
  assert(Date.now() - sent < 5000, "stopped within 5 s");
  assertEquals(out.code, 130);
  const record = rec();
  assertEquals(record.status, "interrupted");
  assert(record.epochs.length >= 3);
  const trials = parseCsv(Deno.readTextFileSync(`${dir.path}/sigint/trials.csv`));
  assertEquals(trials[0].status, "interrupted");
  assertEquals(Number(trials[0].epochs_done), record.epochs.length);
});

Deno.test("progressReporter() counts down every planned epoch of the sweep", () => {
  const experiment = parseExperiment(
    { name: "p", base: { epochs: 3 }, grid: { eta: [0.1, 1, 3] } },
    "p.json",
  );
  const [a, b] = expandTrials(experiment);
  const out: string[] = [];
  const report = progressReporter(true, (text) => out.push(text));
  const eta = () => /sweep: (\d+) epochs to go/.exec(out.at(-1)!)?.[1];
  report({
    type: "start",
    experiment,
    total: 3,
    toRun: 3,
    epochs: 9,
    skipped: 0,
    workers: 2,
    dir: "d",
    varying: ["eta"],
  });
  report({ type: "trial-start", trial: a, worker: 0, epochs: 3, from: 0 });
  assertEquals(eta(), "9"); // every trial's epochs, not only the started ones
  const metrics = { epoch: 0, eta: 0.1, trainSeconds: 1, evalSeconds: 0, testAccuracy: 0.5 };
  report({ type: "epoch", trial: a, worker: 0, metrics, epochs: 3 });
  assertEquals(eta(), "8");
  assertMatch(out.at(-1)!, /\[w0\] trial 0 \(eta=0.1\) epoch 0 \[1\/3\]: test 50.00%/);
  report({ type: "trial-start", trial: b, worker: 1, epochs: 3, from: 0 });
  // An early stop after one epoch drops the trial's two unrun epochs.
  report({
    type: "trial-done",
    trial: a,
    worker: 0,
    record: { ...a, format: 2, experiment: "e", status: "early-stopped", epochs: [metrics] },
  });
  assertEquals(eta(), "6");
});

Deno.test("progressReporter()'s ETA is never shorter than a running trial's own", () => {
  // Two workers: trial a has 10 epochs of 2 s, trial b 2 epochs of 0.1 s. Shared out, the 11
  // epochs to go take 11·1.05/2 = 5.8 s; a alone still needs 9·2 = 18 s.
  const experiment = parseExperiment({ name: "p", grid: { eta: [0.1, 1] } }, "p.json");
  const [a, b] = expandTrials(experiment);
  const out: string[] = [];
  const report = progressReporter(true, (text) => out.push(text));
  report({
    type: "start",
    experiment,
    total: 2,
    toRun: 2,
    epochs: 12,
    skipped: 0,
    workers: 2,
    dir: "d",
    varying: ["eta"],
  });
  report({ type: "trial-start", trial: a, worker: 0, epochs: 10, from: 0 });
  report({ type: "trial-start", trial: b, worker: 1, epochs: 2, from: 0 });
  const epoch = (trialSeconds: number) => ({
    epoch: 0,
    eta: 1,
    trainSeconds: trialSeconds,
    evalSeconds: 0,
  });
  report({ type: "epoch", trial: a, worker: 0, metrics: epoch(2), epochs: 10 });
  report({ type: "epoch", trial: b, worker: 1, metrics: epoch(0.1), epochs: 2 });
  report({ type: "waiting", what: "x" }); // redraws
  assertMatch(out.at(-1)!, /sweep: 10 epochs to go, ETA 18s/);
});

Deno.test("init auto: network.py's for sizes networks, network2.py's for layers, as given otherwise", () => {
  const exp = parseExperiment({
    name: "i",
    cases: [
      { sizes: [784, 30, 10] },
      { layers: [{ type: "dense", size: 10 }] },
      { layers: [{ type: "dense", size: 10 }], init: "network3" },
    ],
  }, "i.json");
  assertEquals(expandTrials(exp).map((t) => t.setting.init), ["large", "default", "network3"]);
});
