// What a hostile user does to a results folder after the fact: stops a sweep at awkward
// moments, runs it again with fewer epochs, appends to a record that a crash left torn. Each
// test names what was seen before its fix.
import { assert, assertEquals } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { quietAndBusy } from "./_hogs.ts";
import { readSweep, runSweep, type SweepEvent } from "../mod.ts";
import { parseRecord, recordFile, recordText } from "../src/store/records.ts";
import { planSweep } from "../src/sweep/plan.ts";
import { SweepOutput } from "../src/sweep/output.ts";
import { runningRecord } from "../src/sweep/running_record.ts";
import { Coordinator, runIdentity, tempPath } from "../src/coordination/mod.ts";
import { readRecords } from "../src/store/record_files.ts";
import { writeCsvs } from "../src/store/csv.ts";

/** The permission flags of `deno task <name>` in deno.json: run as users run it. */
function taskFlags(name: string): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)))
    .tasks as Record<string, string>;
  const words = tasks[name].split(/\s+/);
  return words.slice(words.indexOf("run") + 1, words.findIndex((w) => w.endsWith(".ts")));
}

function experiment(dir: string, base: Record<string, unknown>, extra = {}): string {
  const file = `${dir}/abuse.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "abuse",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { sizes: [784, 12, 10], monitor: ["testAccuracy", "trainingCost"], ...base },
      seed: 4,
      ...extra,
    }),
  );
  return file;
}

const numbers = async (dir: string) =>
  (await readSweep(dir)).trials.map((t) =>
    JSON.stringify(t.epochs.map((e) => [e.epoch, e.testAccuracy, e.trainingCost]))
  );

quietAndBusy(
  "a trial stopped past a shorter run's epochs is not cut back and trained again",
  async () => {
    // Seen: 8 of 10 epochs, Ctrl-C, then `--set epochs=5`: the record was cut to 5 epochs (the
    // first 5 trained again to get there, the checkpoint of epoch 8 replaced); back at 10, epochs
    // 5-7 were trained a second time.
    using dir = tempDir();
    const file = experiment(dir.path, { epochs: 20 });
    const out = `${dir.path}/cut`;
    const stop = new AbortController();
    // The worker runs ahead of its events (on a busy machine, past all 20 planned epochs before
    // it saw the stop): this run plans more epochs than it can reach, the last run below goes 5
    // past wherever it stopped.
    const first = await runSweep({
      file,
      out,
      workers: 1,
      sets: ["epochs=100000"],
      signal: stop.signal,
      onEvent: (e) => void (e.type === "epoch" && e.metrics.epoch === 5 && stop.abort()),
    });
    const kept = first.records[0].epochs.length;
    assertEquals(first.records[0].status, "interrupted");
    assert(kept > 5, `${kept} epochs`);
    const end = [`epochs=${kept + 5}`];
    const want = await numbers(
      (await runSweep({ file, out: `${dir.path}/whole`, workers: 1, sets: end })).dir,
    );
    const events: SweepEvent[] = [];
    const shorter = await runSweep({
      file,
      out,
      workers: 1,
      sets: ["epochs=5"],
      onEvent: (e) => void events.push(e),
    });
    const start = events.find((e) => e.type === "start");
    assertEquals(start?.type === "start" && start.toRun, 0);
    assertEquals(shorter.records[0].epochs.length, kept, "the record keeps its epochs");
    let trained = 0;
    const longer = await runSweep({
      file,
      out,
      workers: 1,
      sets: end,
      onEvent: (e) => void (e.type === "epoch" && trained++),
    });
    assertEquals([longer.records[0].status, trained], ["done", 5]);
    assertEquals(await numbers(longer.dir), want);
  },
);

quietAndBusy(
  "a trial its worker started as the sweep stopped is interrupted, not left running",
  async () => {
    // Seen: Ctrl-C just as a worker went on to its next trial: that trial's record (and
    // trials.csv, and the table) said "running" after the sweep had exited. Its worker had
    // written the record before its "start" message reached the main thread, which took the
    // trial for one not started. Here the main thread is held in the first trial's last epoch
    // until the second trial's record says it runs; then the sweep stops. The second trial's
    // epochs are long, so its worker is terminated inside one, as a busy machine has it.
    using dir = tempDir();
    const sizes = [[784, 12, 10], [784, 3000, 10]];
    const file = experiment(dir.path, { epochs: 2 }, { grid: { sizes } });
    const trials = `${dir.path}/abuse/trials`;
    const stop = new AbortController();
    const result = await runSweep({
      file,
      out: dir.path,
      workers: 1,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type !== "epoch" || e.trial.index !== 0 || e.metrics.epoch !== 1) return;
        const end = Date.now() + 60_000;
        const running = () =>
          [...Deno.readDirSync(trials)].some((f) => {
            if (!f.name.endsWith(".jsonl") || f.name.startsWith(e.trial.id)) return false;
            const text = Deno.readTextFileSync(`${trials}/${f.name}`);
            return parseRecord(text, f.name)?.status === "running";
          });
        while (!running()) assert(Date.now() < end, "the second trial never started");
        stop.abort();
      },
    });
    assert(result.interrupted);
    const [first, second] = result.records;
    assertEquals([first.index, first.status, first.epochs.length], [0, "done", 2]);
    // The second may have finished an epoch before the stop reached its worker (a loaded
    // machine delays the message), never both.
    assertEquals([second.index, second.status], [1, "interrupted"]);
    assert(second.epochs.length < 2, `the second trial trained ${second.epochs.length} epochs`);
    const csv = Deno.readTextFileSync(`${result.dir}/trials.csv`);
    assert(!csv.includes(",running,"), csv);
  },
);

Deno.test("a status the main thread appends after a torn last line is read back", async () => {
  // Seen: a record whose last line a killed process (or a full disk) left torn, then marked
  // pruned: the status line was glued to the torn one, the record read as damaged with the
  // status it had before, and every later mark was ignored with it.
  using dir = tempDir();
  const plan = planSweep(experiment(dir.path, { epochs: 4 }), [], {});
  const output = await SweepOutput.open(`${dir.path}/out`, plan.meta);
  try {
    const task = { trial: plan.trials[0], experiment: plan.meta.hash, planned: 4, until: 4 };
    const rec = runningRecord({ ...task, claim: "" }, [
      { epoch: 0, eta: 1, trainSeconds: 0, evalSeconds: 0, testAccuracy: 0.5 },
    ]);
    const path = recordFile(output.dir, task.trial.id);
    Deno.writeTextFileSync(path, recordText(rec) + '{"epoch":1,"eta":1,"trainSe');
    const marked = output.mark({ ...task, claim: "" }, "pruned", { stoppedBy: "pruned at 1" });
    assertEquals([marked?.status, marked?.epochs.length, marked?.damaged], [
      "pruned",
      1,
      undefined,
    ]);
    const again = parseRecord(Deno.readTextFileSync(path), path);
    assertEquals([again?.status, again?.stoppedBy, again?.damaged], [
      "pruned",
      "pruned at 1",
      undefined,
    ]);
  } finally {
    output.close();
  }
});

Deno.test("plot run as a sweep ends does not write the CSV files from records read before", async () => {
  // Seen: `deno task plot` started as a sweep ended read the records (a trial still running),
  // waited for the folder's lock while the sweep wrote its final trials.csv, then wrote its
  // own over it: trials.csv said "running" for good.
  using dir = tempDir();
  const file = experiment(dir.path, { epochs: 2 });
  const done = await runSweep({ file, out: dir.path, workers: 1 });
  const path = recordFile(done.dir, done.records[0].id);
  const final = Deno.readTextFileSync(path);
  const lines = final.split("\n");
  // The record as it stood mid-sweep: header, "running", one epoch.
  Deno.writeTextFileSync(path, [lines[0], lines[1], lines[2], ""].join("\n"));
  assertEquals(parseRecord(Deno.readTextFileSync(path), path)?.status, "running");
  // This process plays the sweep: it holds the lock while the plot waits for it.
  const sweep = Coordinator.open(done.dir);
  let plot: Deno.ChildProcess | null = null;
  try {
    await sweep.withLock(async () => {
      const flags = taskFlags("plot");
      plot = new Deno.Command(Deno.execPath(), {
        args: ["run", ...flags, "src/cli/plot.ts", done.dir],
        stdout: "null",
        stderr: "piped",
      }).spawn();
      // The plot has read the records once its heartbeat is there.
      const alive = `${done.dir}/.alive`;
      const end = Date.now() + 60_000;
      while ([...Deno.readDirSync(alive)].length < 2) {
        assert(Date.now() < end, "the plot never opened the folder");
        await new Promise((r) => setTimeout(r, 10));
      }
      Deno.writeTextFileSync(path, final);
      const { records } = await readRecords(done.dir);
      await writeCsvs(done.dir, [...records.values()]);
    });
  } finally {
    sweep.close();
  }
  const out = await plot!.output();
  assert(out.success, new TextDecoder().decode(out.stderr));
  const csv = Deno.readTextFileSync(`${done.dir}/trials.csv`);
  assert(csv.includes(",done,") && !csv.includes(",running,"), csv);
});

Deno.test("two sweeps of one process into one folder: the first to end leaves the other alive", () => {
  // Seen (a notebook running two sweeps into one folder at once): the first to finish removed
  // the process's heartbeat, so every other process took the second's trials as a dead run's,
  // and removed its temporary files, a checkpoint being written among them.
  using dir = tempDir();
  const first = Coordinator.open(dir.path);
  const second = Coordinator.open(dir.path);
  try {
    const writing = tempPath(`${dir.path}/trials/abc.ckpt`);
    Deno.mkdirSync(`${dir.path}/trials`);
    Deno.writeFileSync(writing, new Uint8Array(10));
    first.close();
    assert(runIdentity(dir.path, second.me.run) !== null, "the heartbeat is gone");
    assert(Deno.statSync(writing).isFile);
    second.close();
    assertEquals(runIdentity(dir.path, second.me.run), null);
    assertEquals([...Deno.readDirSync(`${dir.path}/trials`)].length, 0, "own temporaries go last");
  } finally {
    first.close();
    second.close();
  }
});
