// Recovery from what goes wrong mid-sweep: a damaged checkpoint is named and never used, a
// trial whose claim another run took stops at once, and a trial whose worker fails is tried a
// bounded number of times, then ranks last without blocking a pruning rung.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { quietAndBusy } from "./_hogs.ts";
import { readSweep, runSweep, type SweepEvent } from "../mod.ts";
import { aliveFile, claimFile, Heartbeat, STALE_MS, thisRun } from "../src/coordination/mod.ts";
import { planSweep } from "../src/sweep/plan.ts";
import { SweepOutput } from "../src/sweep/output.ts";
import { PruneScheduler } from "../src/sweep/prune.ts";
import { PlainScheduler } from "../src/sweep/schedule.ts";
import type { Task } from "../src/sweep/_messages.ts";
import { runningRecord } from "../src/sweep/running_record.ts";
import { recordFile, recordText } from "../src/store/records.ts";
import type { TrialStatus } from "../src/store/status.ts";

function experiment(dir: string, extra: Record<string, unknown> = {}): string {
  const file = `${dir}/recover.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "recover",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { sizes: [784, 30, 10], epochs: 8, monitor: ["testAccuracy", "trainingCost"] },
      seed: 2,
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
  "a damaged checkpoint is named, never used, and the trial's numbers stay right",
  async () => {
    // Seen: bytes flipped in trials/<id>.ckpt, then resume: epochs 3-7 differed from an
    // uninterrupted run, without a word.
    using dir = tempDir();
    const file = experiment(dir.path);
    // Stopped once its checkpoint is on disk (from epoch 2 on). A worker writes one when enough
    // time has passed since the last, and a stop ends it at once: stopped at a fixed epoch, a
    // busy machine left no checkpoint. The worker also runs ahead of its events (once past all
    // 8 planned epochs before it saw the stop): this run plans more epochs than it can reach,
    // and the runs below go a few epochs past wherever it stopped.
    const stop = new AbortController();
    const first = await runSweep({
      file,
      out: `${dir.path}/cut`,
      workers: 1,
      sets: ["epochs=100000"],
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type !== "epoch" || e.metrics.epoch < 2) return;
        try {
          Deno.statSync(`${dir.path}/cut/recover/trials/${e.trial.id}.ckpt`);
          stop.abort();
        } catch { /* not written yet */ }
      },
    });
    assertEquals(first.records[0].status, "interrupted");
    const end = [`epochs=${first.records[0].epochs.length + 3}`];
    const whole = await runSweep({ file, out: `${dir.path}/whole`, workers: 1, sets: end });
    const want = await numbers(whole.dir);
    const ckpt = `${first.dir}/trials/${first.records[0].id}.ckpt`;
    const bytes = Deno.readFileSync(ckpt);
    bytes[bytes.length - 7] ^= 0x40; // a weight's exponent bit
    Deno.writeFileSync(ckpt, bytes);
    const notes: string[] = [];
    const resumed = await runSweep({
      file,
      out: `${dir.path}/cut`,
      workers: 1,
      sets: end,
      onEvent: (e: SweepEvent) => void (e.type === "note" && notes.push(e.text)),
    });
    assertEquals(resumed.records[0].status, "done");
    assertEquals(notes.length, 1, notes.join("\n"));
    assertMatch(notes[0], /\.ckpt: not a usable checkpoint \(checksum .* damaged\)/);
    assertMatch(notes[0], /continues from the \d+ epochs of its record/);
    assertEquals(await numbers(resumed.dir), want);
  },
);

/** The epoch lines of a record file. */
function epochLines(path: string): number {
  return Deno.readTextFileSync(path).split("\n").filter((l) => l.startsWith('{"epoch"')).length;
}

quietAndBusy("a worker stops at once when another run took its trial's claim", async () => {
  using dir = tempDir();
  // Epochs of 100 images take milliseconds: enough of them that the run cannot end first.
  const file = experiment(dir.path, { base: { sizes: [784, 30, 10], epochs: 2000 } });
  const thief = { ...thisRun(), run: "00000000000071ef" };
  let beat: Heartbeat | null = null;
  let writtenAtTheft = -1;
  const events: SweepEvent[] = [];
  const result = await runSweep({
    file,
    out: dir.path,
    workers: 1,
    onEvent: (e) => {
      events.push(e);
      if (e.type === "epoch" && e.metrics.epoch === 1 && beat === null) {
        // A live run of this machine takes the claim over (as if it had judged this run dead).
        beat = Heartbeat.start(`${dir.path}/recover`, thief);
        Deno.writeTextFileSync(
          claimFile(`${dir.path}/recover`, e.trial.id),
          JSON.stringify({ run: thief.run, host: thief.host, pid: thief.pid, nonce: "stolen" }),
        );
        // The worker runs ahead of its events: count what its record holds once the claim is
        // taken. Every epoch it writes later had passed its claim check before the theft, and
        // only one can be between its check and its write.
        writtenAtTheft = epochLines(recordFile(`${dir.path}/recover`, e.trial.id));
      }
    },
  });
  try {
    assert(events.some((e) => e.type === "trial-lost"), "the trial is reported lost");
    assertEquals(result.elsewhere, 1);
    const rec = result.records[0];
    assertEquals(rec.status, "running", "no outcome written by the run that lost it");
    // At most the epoch in progress when the claim was taken is written after it.
    assert(writtenAtTheft >= 2, `${writtenAtTheft} epochs in the record at the theft`);
    assert(
      rec.epochs.length <= writtenAtTheft + 1,
      `${rec.epochs.length} epochs written, ${writtenAtTheft} when the claim was taken`,
    );
  } finally {
    (beat as Heartbeat | null)?.stop();
  }
});

Deno.test("another machine's run that died just before: its trial runs here, not 'elsewhere'", async (t) => {
  // Seen: a restart on a second machine right after the first crashed ended with "1 trial is
  // being run by other processes" when nobody ran it: at first sight a heartbeat of another
  // machine is presumed alive. The sweep now asks again before it ends.
  const far = (dir: string, run: string) => {
    Deno.mkdirSync(`${dir}/recover/.alive`, { recursive: true });
    Deno.mkdirSync(`${dir}/recover/trials`, { recursive: true });
    Deno.writeTextFileSync(
      aliveFile(`${dir}/recover`, run),
      JSON.stringify({ run, host: "far", machine: "far:1", pid: 7 }),
    );
    return aliveFile(`${dir}/recover`, run);
  };
  const claimAll = (dir: string, run: string, ids: string[]) => {
    for (const id of ids) {
      Deno.writeTextFileSync(
        claimFile(`${dir}/recover`, id),
        JSON.stringify({ run, host: "far", pid: 7, nonce: `n-${id}` }),
      );
    }
  };
  await t.step(
    "a heartbeat that never moves: dead after the staleness time, trials run",
    async () => {
      using dir = tempDir();
      const file = experiment(dir.path, { base: { sizes: [784, 10, 10], epochs: 2 } });
      const ids = planSweep(file, [], {}).trials.map((x) => x.id);
      far(dir.path, "00000000000000fa");
      claimAll(dir.path, "00000000000000fa", ids);
      const start = Date.now();
      const result = await runSweep({ file, out: dir.path, workers: 1 });
      assertEquals(result.elsewhere, 0);
      assertEquals(result.records.map((r) => r.status), ids.map(() => "done"));
      assert(Date.now() - start >= STALE_MS, "it waited for the heartbeat to go stale");
    },
  );
  await t.step("a heartbeat that moves: the trials are left to that run", async () => {
    using dir = tempDir();
    const file = experiment(dir.path, { base: { sizes: [784, 10, 10], epochs: 2 } });
    const ids = planSweep(file, [], {}).trials.map((x) => x.id);
    const beat = far(dir.path, "00000000000000fb");
    claimAll(dir.path, "00000000000000fb", ids);
    const timer = setInterval(() => {
      const now = new Date();
      Deno.utimeSync(beat, now, now);
    }, 500);
    try {
      const start = Date.now();
      const result = await runSweep({ file, out: dir.path, workers: 1 });
      assertEquals(result.elsewhere, ids.length);
      assert(Date.now() - start < STALE_MS / 2, "settled by a heartbeat or two");
    } finally {
      clearInterval(timer);
    }
  });
});

// ------------------------------------------------------------------------- attempt policy

function pruneFile(dir: string): string {
  const path = `${dir}/fail.json`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      name: "fail",
      dataset: { path: `${TESTDATA}mnist.pkl.gz`, split: "standard" },
      base: { sizes: [784, 10, 10], epochs: 9, monitor: ["testAccuracy"] },
      grid: { eta: [0.1, 0.5, 1.0, 2.0] },
      prune: { metric: "testAccuracy", minEpochs: 1, factor: 2 },
      seed: 4,
    }),
  );
  return path;
}

function write(dir: string, task: Task, accuracies: number[], status: TrialStatus, attempts = 0) {
  const rec = runningRecord(
    task,
    accuracies.map((testAccuracy, epoch) => ({
      epoch,
      eta: 1,
      trainSeconds: 0,
      evalSeconds: 0,
      testAccuracy,
    })),
  );
  rec.status = status;
  if (attempts) rec.attempts = attempts;
  Deno.writeTextFileSync(recordFile(dir, task.trial.id), recordText(rec));
}

Deno.test("a failed trial is tried again until it failed 3 times, then ranks last and blocks no rung", async () => {
  // Seen: a pruned sweep handing a failed trial out forever; its rung never completed.
  using dir = tempDir();
  const plan = planSweep(pruneFile(dir.path), [], {});
  const out = `${dir.path}/out`;
  const output = await SweepOutput.open(out, plan.meta);
  try {
    const sched = new PruneScheduler(plan, output, plan.trials);
    const first: Task[] = [];
    for (let i = 0; i < 4; i++) first.push((await sched.next())!);
    const [broken, ...rest] = first;
    rest.forEach((t, i) => {
      write(out, t, [0.5 + i / 10], "paused");
      sched.done(t, output.trials.refresh(t.trial.id));
    });
    // Its worker failed once: it is handed out again, to the same rung.
    write(out, broken, [], "failed", 1);
    sched.done(broken, output.trials.refresh(broken.trial.id));
    const again = (await sched.next())!;
    assertEquals([again.trial.id, again.until], [broken.trial.id, 1]);
    // The third failure is its last: the rung completes without it, and it is pruned.
    write(out, again, [], "failed", 3);
    sched.done(again, output.trials.refresh(again.trial.id));
    const next = (await sched.next())!;
    assert(next.trial.id !== broken.trial.id, "not handed out a fourth time");
    assertEquals(next.until, 2, "the next rung");
    assertEquals(output.trials.get(broken.trial.id)?.status, "failed");
  } finally {
    output.close();
  }
  await Promise.resolve();
});

Deno.test("a plain sweep tries a failed trial again after the others, 3 times at most", async () => {
  using dir = tempDir();
  const plan = planSweep(pruneFile(dir.path), [], {});
  const out = `${dir.path}/out`;
  const output = await SweepOutput.open(out, plan.meta);
  try {
    const sched = new PlainScheduler(plan, output, plan.trials.slice(0, 2));
    const a = (await sched.next())!;
    write(out, a, [], "failed", 1);
    sched.done(a, output.trials.refresh(a.trial.id));
    const b = (await sched.next())!;
    assert(b.trial.id !== a.trial.id, "the others first");
    write(out, b, [0.9], "done");
    sched.done(b, output.trials.refresh(b.trial.id));
    const a2 = (await sched.next())!;
    assertEquals(a2.trial.id, a.trial.id, "then the failed one again");
    write(out, a2, [], "failed", 3);
    sched.done(a2, output.trials.refresh(a2.trial.id));
    assertEquals(await sched.next(), null, "not after its third failure");
  } finally {
    output.close();
  }
});
