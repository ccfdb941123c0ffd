// Results that are always right: the trial records are the source of truth, every table reads
// them, the zarr store is rebuilt from them, and nothing about a trial's identity or numbers
// depends on where the files are, how many processes ran it, or what else is in the folder.
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { compareSweeps, formatComparison, readSweep, readSweeps, runSweep } from "../mod.ts";
import { identifyTrials, loadExperiment, planSweep } from "../src/sweep/plan.ts";
import { readRecords } from "../src/store/record_files.ts";
import { recordFile, recordText } from "../src/store/records.ts";
import { SweepOutput } from "../src/sweep/output.ts";
import { scheduler } from "../src/sweep/runner.ts";
import { runningRecord } from "../src/sweep/running_record.ts";

function experiment(
  dir: string,
  file: string,
  extra: Record<string, unknown> = {},
  data = `${TESTDATA}mnist.pkl.gz`,
) {
  const path = `${dir}/${file}.json`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      name: "shared",
      dataset: { path: data },
      base: { sizes: [784, 10, 10], epochs: 3, monitor: ["testAccuracy"] },
      grid: { eta: [1.0, 3.0] },
      seed: 5,
      ...extra,
    }),
  );
  return path;
}

function cli(args: string[]): Deno.CommandOutput {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    stdout: "piped",
    stderr: "piped",
  })
    .outputSync();
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

async function storeValues(dir: string, name: string): Promise<number[]> {
  const root = zarr.root(new FileSystemStore(`${dir}/sweep.zarr`));
  const arr = await zarr.open.v3(root.resolve(name), { kind: "array" });
  return [...(await zarr.get(arr, arr.shape.map(() => null))).data as Float32Array];
}

Deno.test("two experiment files sharing a name keep their own numbers", async () => {
  using dir = tempDir();
  const a = await runSweep({ file: experiment(dir.path, "a"), out: dir.path, workers: 1 });
  const b = await runSweep({
    file: experiment(dir.path, "b", {
      grid: { eta: [5.0, 0.5] },
      base: { sizes: [784, 10, 10], epochs: 5 },
    }),
    out: dir.path,
    workers: 1,
  });
  const sweep = await readSweep(a.dir);
  assertEquals(sweep.trials.length, 4);
  assertEquals(sweep.metas.size, 2);
  for (const t of sweep.trials) {
    const own = [...a.records, ...b.records].find((r) => r.id === t.id)!;
    assertEquals(t.epochs.map((e) => e.testAccuracy), own.epochs.map((e) => e.testAccuracy));
  }
  const c = compareSweeps([sweep]);
  for (const row of c.rows) {
    const trial = sweep.trials.find((t) => t.setting.eta === row.params.eta)!;
    assert(
      row.bestEpoch < trial.setting.epochs,
      `best epoch ${row.bestEpoch} of ${trial.setting.epochs}`,
    );
    assertEquals(row.best.mean, Math.max(...trial.epochs.map((e) => e.testAccuracy!)));
  }
  // The store holds all four trials in the records' order, with their own values.
  const acc = await storeValues(a.dir, "test_accuracy");
  const E = 5;
  sweep.trials.forEach((t, i) =>
    t.epochs.forEach((e, j) => assertEquals(acc[i * E + j], Math.fround(e.testAccuracy!)))
  );
});

Deno.test("130 values of a categorical parameter stay 130 rows", async () => {
  using dir = tempDir();
  const widths = Array.from({ length: 130 }, (_, i) => i + 1);
  const file = experiment(dir.path, "wide", {
    name: "wide",
    base: { epochs: 1, trainSize: 10, monitor: ["testAccuracy"] },
    grid: { sizes: widths.map((w) => [784, w, 10]) },
  });
  const result = await runSweep({ file, out: dir.path, workers: 2 });
  const c = compareSweeps([await readSweep(result.dir)], { sort: "sizes" });
  assertEquals(c.rows.length, 130);
  assert(c.rows.every((r) => r.best.n === 1));
  const meta = JSON.parse(Deno.readTextFileSync(`${result.dir}/sweep.zarr/sizes/zarr.json`));
  assertEquals(meta.data_type, "int32");
  assertEquals(meta.attributes.labels.length, 130);
  const root = zarr.root(new FileSystemStore(`${result.dir}/sweep.zarr`));
  const codes = await zarr.get(await zarr.open.v3(root.resolve("sizes"), { kind: "array" }), [
    null,
  ]);
  assertEquals(new Set(codes.data as Int32Array).size, 130);
  assert([...codes.data as Int32Array].every((x) => x >= 0 && x < 130));
});

Deno.test("a damaged store is reported and rebuilt from the records", async () => {
  using dir = tempDir();
  const result = await runSweep({ file: experiment(dir.path, "dmg"), out: dir.path });
  const want = await storeValues(result.dir, "test_accuracy");
  const before = formatComparison(compareSweeps([await readSweep(result.dir)]), "csv");
  Deno.removeSync(`${result.dir}/sweep.zarr/test_accuracy/c/0/0`);
  Deno.writeFileSync(`${result.dir}/sweep.zarr/status/c/0`, new Uint8Array([9, 9]));
  // The digest still matches: compare shows the records (which are right) either way.
  assertEquals(formatComparison(compareSweeps([await readSweep(result.dir)]), "csv"), before);
  // A changed record makes the store stale, and compare says how to rebuild it.
  const rec = `${result.dir}/trials/${result.records[0].id}.jsonl`;
  Deno.writeTextFileSync(rec, `{"status":"done","at":"later"}\n`, { append: true });
  assertMatch(
    formatComparison(compareSweeps([await readSweep(result.dir)]), "table", 300),
    /deno task plot/,
  );
  // A build a killed run left behind (a minute ago, no heartbeat) is cleaned up by the next
  // rebuild; one of a live run is not.
  const left = `${result.dir}/sweep.zarr.building-00000000deadbeef`;
  Deno.mkdirSync(left);
  const minuteAgo = new Date(Date.now() - 61_000);
  Deno.utimeSync(left, minuteAgo, minuteAgo);
  const plot = cli(["src/cli/plot.ts", result.dir]);
  assertEquals(plot.code, 0, text(plot.stderr));
  assertEquals(await storeValues(result.dir, "test_accuracy"), want);
  assert(!(await readSweep(result.dir)).storeStale);
  assertEquals(
    [...Deno.readDirSync(result.dir)].filter((e) => e.name.startsWith("sweep.zarr.")).length,
    0,
  );
  // And a re-run of the sweep repairs a garbage chunk even when the digest is current.
  Deno.writeFileSync(`${result.dir}/sweep.zarr/test_accuracy/c/0/0`, new Uint8Array(24).fill(7));
  await runSweep({ file: experiment(dir.path, "dmg"), out: dir.path });
  assertEquals(await storeValues(result.dir, "test_accuracy"), want);
});

Deno.test("trials are the same wherever the data and results lie", async () => {
  using dir = tempDir();
  Deno.mkdirSync(`${dir.path}/one`);
  Deno.mkdirSync(`${dir.path}/two`);
  Deno.copyFileSync(`${TESTDATA}mnist.pkl.gz`, `${dir.path}/one/mnist.pkl.gz`);
  Deno.copyFileSync(`${TESTDATA}mnist.pkl.gz`, `${dir.path}/two/data.pkl.gz`);
  const first = await runSweep({
    file: experiment(dir.path, "one/exp", {}, "mnist.pkl.gz"),
    out: `${dir.path}/one/results`,
  });
  // The results folder copied next to the data under another name: nothing re-runs.
  Deno.mkdirSync(`${dir.path}/two/results/shared/trials`, { recursive: true });
  for (const e of Deno.readDirSync(`${first.dir}/trials`)) {
    Deno.copyFileSync(
      `${first.dir}/trials/${e.name}`,
      `${dir.path}/two/results/shared/trials/${e.name}`,
    );
  }
  const ids = (p: string) => identifyTrials(loadExperiment(p).experiment).trials.map((t) => t.id);
  const file2 = experiment(dir.path, "two/exp", {}, "data.pkl.gz");
  assertEquals(ids(file2), ids(`${dir.path}/one/exp.json`));
  const events: string[] = [];
  await runSweep({
    file: file2,
    out: `${dir.path}/two/results`,
    onEvent: (e) =>
      void (e.type === "start" && events.push(`${e.toRun} to run, ${e.skipped} complete`)),
  });
  assertEquals(events, ["0 to run, 2 complete"]);
  // One folder given twice, or the copy beside the original: each trial counts once.
  const twice = compareSweeps(
    await readSweeps([first.dir, `${first.dir}/`, `${dir.path}/two/results/shared`]),
  );
  assertEquals(twice.rows.map((r) => r.best.n), [1, 1]);
});

Deno.test("a trial's numbers do not depend on epochs or monitor", async () => {
  using dir = tempDir();
  const run = async (name: string, base: Record<string, unknown>) =>
    (await runSweep({
      file: experiment(dir.path, name, {
        name,
        grid: { eta: [3.0] },
        base: { sizes: [784, 10, 10], ...base },
      }),
      out: dir.path,
    })).records[0].epochs;
  const two = await run("e2", { epochs: 2, monitor: ["testAccuracy"] });
  const three = await run("e3", {
    epochs: 3,
    monitor: ["testAccuracy", "trainingCost", "validationAccuracy"],
  });
  assertEquals(three.slice(0, 2).map((e) => e.testAccuracy), two.map((e) => e.testAccuracy));
  assert(three[0].trainingCost !== undefined);
});

Deno.test("files in trials/ that are not records are named and skipped", async () => {
  using dir = tempDir();
  const file = experiment(dir.path, "foreign", { name: "foreign" });
  const trials = `${dir.path}/foreign/trials`;
  Deno.mkdirSync(trials, { recursive: true });
  Deno.writeTextFileSync(`${trials}/notes.json`, JSON.stringify({ note: "mine" }));
  Deno.writeTextFileSync(`${trials}/empty.json`, "{}");
  Deno.writeTextFileSync(`${trials}/garbage.jsonl`, "not json\n");
  // A trial killed in the moment it started: its log created, its header not yet written.
  const [first] = identifyTrials(loadExperiment(file).experiment).trials;
  Deno.writeTextFileSync(`${trials}/${first.id}.jsonl`, "");
  const before = await readRecords(`${dir.path}/foreign`);
  assertEquals(before.skipped.length, 3, before.skipped.join("; ")); // the three foreign files
  assertEquals(before.records.size, 0);
  const out = cli(["src/cli/sweep.ts", file, "--out", dir.path]);
  assertEquals(out.code, 0, text(out.stderr));
  assert(!text(out.stdout).includes(first.id), "an empty log is not a foreign file");
  assertMatch(text(out.stdout), /skipped .*notes\.json: not a trial record/);
  assertMatch(text(out.stdout), /skipped .*garbage\.jsonl: not a trial record/);
  assertEquals((await readSweep(`${dir.path}/foreign`)).trials.map((t) => t.status), [
    "done",
    "done",
  ]);
});

Deno.test("a failed write names the path, keeps every result and leaves no temporary file", async () => {
  using dir = tempDir();
  const file = experiment(dir.path, "rofs", { name: "rofs", grid: { eta: [1.0, 2.0, 3.0] } });
  const [, second] = identifyTrials(loadExperiment(file).experiment).trials;
  // A directory where the second trial's record must go.
  Deno.mkdirSync(`${dir.path}/rofs/trials/${second.id}.jsonl/x`, { recursive: true });
  const out = cli(["src/cli/sweep.ts", file, "--out", dir.path, "--workers", "1"]);
  assertEquals(out.code, 1);
  const err = text(out.stderr).trim().split("\n").at(-1)!;
  assertMatch(
    err,
    new RegExp(`^error: .*${second.id}\\.jsonl: cannot write \\(a directory is in the way\\)$`),
  );
  const first = (await readSweep(`${dir.path}/rofs`)).trials.find((t) => t.index === 0)!;
  assertEquals([first.status, first.epochs.length], ["done", 3]);
  const left = [...Deno.readDirSync(`${dir.path}/rofs/trials`)].filter((e) =>
    e.name.endsWith(".tmp")
  );
  assertEquals(left, []);
});

Deno.test("a trial another process finished since this one read the records is not run again", async () => {
  // Seen as a trial trained by both of two runs into one folder (2 runs in 20): the second
  // took the claim the first had just released, trusting the records it had read before.
  using dir = tempDir();
  const file = experiment(dir.path, "twice", { name: "twice", grid: { eta: [1.0, 2.0] } });
  const plan = planSweep(file, [], {});
  const output = await SweepOutput.open(`${dir.path}/twice`, plan.meta);
  try {
    const sched = scheduler(plan, output, plan.trials);
    // Meanwhile another process trains the first trial to its end.
    const [first, second] = plan.trials;
    const done = runningRecord(
      { trial: first, experiment: plan.meta.hash, planned: 3, until: 3, claim: "" },
      [0, 1, 2].map((epoch) => ({ epoch, eta: 1, trainSeconds: 0, evalSeconds: 0 })),
    );
    done.status = "done";
    Deno.writeTextFileSync(recordFile(`${dir.path}/twice`, first.id), recordText(done));
    assertEquals((await sched.next(0))?.trial.id, second.id);
    assertEquals(output.trials.get(first.id)?.status, "done");
  } finally {
    output.close();
  }
});

Deno.test("two runs of one sweep into one folder share the trials", async () => {
  using dir = tempDir();
  const file = experiment(dir.path, "two", {
    name: "two",
    base: { sizes: [784, 20, 10], epochs: 40, monitor: ["testAccuracy"] },
    grid: { eta: [0.5, 1.0, 2.0, 3.0, 4.0, 5.0] },
  });
  const args = ["run", "-A", "src/cli/sweep.ts", file, "--out", dir.path, "--workers", "1"];
  const procs = [0, 1].map(() =>
    new Deno.Command(Deno.execPath(), { args, stdout: "piped", stderr: "piped" }).spawn()
  );
  const outs = await Promise.all(procs.map((p) => p.output()));
  outs.forEach((o) => assertEquals(o.code, 0, text(o.stderr)));
  // Every trial's first epoch was trained by exactly one of the two processes.
  const firsts = outs.flatMap((o) =>
    text(o.stderr).match(/trial \d+ \(eta=[\d.]+\) epoch 0 \[/g) ?? []
  );
  assertEquals(firsts.length, 6);
  assertEquals(new Set(firsts).size, 6);
  const sweep = await readSweep(`${dir.path}/two`);
  assertEquals(sweep.trials.map((t) => t.status), Array(6).fill("done"));
});
