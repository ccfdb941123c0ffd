// Search beyond grids: sampled settings that are the same on any number of workers and shards,
// distributions with the right statistics, and successive halving whose survivors depend only
// on the results (hand-made curves; 1 or 2 workers; 1 or 3 shards; killed and resumed).
import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { tempDir } from "./_testdata.ts";
import { type DistributionName, DISTRIBUTIONS } from "../src/experiment/distributions.ts";
import { expandTrials } from "../src/experiment/expand.ts";
import { parseExperiment } from "../src/experiment/parse.ts";
import { rungs, successiveHalving } from "../src/sweep/halving.ts";
import { SweepOutput } from "../src/sweep/output.ts";
import { PruneScheduler } from "../src/sweep/prune.ts";
import type { Task } from "../src/sweep/_messages.ts";
import { planSweep } from "../src/sweep/plan.ts";
import { Rng } from "../src/core/prng.ts";
import { recordFile, recordText, type TrialRecord } from "../src/store/records.ts";
import type { TrialStatus } from "../src/store/status.ts";
import { runningRecord } from "../src/sweep/running_record.ts";

// ---------------------------------------------------------------- distributions and sampling

Deno.test("a log-uniform draw's logarithm is uniform (Kolmogorov-Smirnov, 20,000 draws)", () => {
  const rng = new Rng(11);
  const n = 20_000;
  const [lo, hi] = [1e-6, 1e-2];
  const logs = Array.from({ length: n }, () => {
    const v = DISTRIBUTIONS.logUniform.draw([lo, hi], rng.nextFloat()) as number;
    assert(v >= lo && v <= hi, `${v} outside [${lo}, ${hi}]`);
    return (Math.log10(v) + 6) / 4; // in [0, 1]
  }).sort((a, b) => a - b);
  let d = 0;
  for (let i = 0; i < n; i++) {
    d = Math.max(d, Math.abs(logs[i] - (i + 1) / n), Math.abs(logs[i] - i / n));
  }
  // The 1% critical value of the KS statistic is 1.63/sqrt(n) = 0.0115.
  assert(d < 1.63 / Math.sqrt(n), `KS distance ${d}`);
  // Each decade holds a quarter of the draws (a plain uniform would put 90% in the last one).
  const decade = (k: number) => logs.filter((x) => x >= k / 4 && x < (k + 1) / 4).length / n;
  for (let k = 0; k < 4; k++) {
    assert(Math.abs(decade(k) - 0.25) < 0.02, `decade ${k}: ${decade(k)}`);
  }
});

Deno.test("integer and choice distributions give every value equally often", () => {
  const rng = new Rng(5);
  const n = 30_000;
  const count = (name: DistributionName, args: unknown[]) => {
    const c = new Map<unknown, number>();
    for (let i = 0; i < n; i++) {
      const v = DISTRIBUTIONS[name].draw(args, rng.nextFloat());
      c.set(v, (c.get(v) ?? 0) + 1);
    }
    return c;
  };
  const ints = count("intUniform", [5, 9]);
  assertEquals([...ints.keys()].sort(), [5, 6, 7, 8, 9]);
  for (const k of ints.values()) assert(Math.abs(k / n - 0.2) < 0.015, `${k / n}`);
  const choice = count("choice", [10, 20, 50, 100]);
  assertEquals([...choice.keys()].sort((a, b) => (a as number) - (b as number)), [10, 20, 50, 100]);
  for (const k of choice.values()) assert(Math.abs(k / n - 0.25) < 0.015, `${k / n}`);
  // intLogUniform over [1, 100]: values 1..9 take about half the draws (log10 of 10 / log10 of 101).
  const logInts = count("intLogUniform", [1, 100]);
  const low = [...logInts.entries()].filter(([v]) => (v as number) < 10)
    .reduce((s, [, k]) => s + k, 0) / n;
  assert(Math.abs(low - Math.log(10) / Math.log(101)) < 0.015, `${low}`);
  assert(
    [...logInts.keys()].every((v) =>
      Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 100
    ),
  );
});

function experiment(extra: Record<string, unknown> = {}) {
  return parseExperiment(
    {
      name: "s",
      base: { sizes: [784, 10, 10], epochs: 3 },
      sample: {
        eta: { logUniform: [0.001, 10] },
        lmbda: { uniform: [0, 10] },
        miniBatchSize: { choice: [10, 20, 50, 100] },
        epochs: { intUniform: [5, 30] },
      },
      trials: 50,
      ...extra,
    },
    "s.json",
  );
}

Deno.test("raising trials from 50 to 100 keeps the first 50; grid and repeats cross each draw", () => {
  const fifty = expandTrials(experiment());
  const hundred = expandTrials(experiment({ trials: 100 }));
  assertEquals(
    hundred.slice(0, 50).map((t) => [t.id, t.setting]),
    fifty.map((t) => [t.id, t.setting]),
  );
  assertEquals(new Set(hundred.map((t) => t.id)).size, 100);
  const crossed = expandTrials(
    experiment({ grid: { activation: ["sigmoid", "relu"] }, repeats: 2 }),
  );
  assertEquals(crossed.length, 200);
  // Each draw appears with both activations and both repeats, its sampled values unchanged.
  const first = crossed.filter((t) => t.draw === 0);
  assertEquals(first.length, 4);
  assertEquals(new Set(first.map((t) => t.setting.eta)).size, 1);
  assertEquals(first[0].setting.eta, fifty[0].setting.eta);
  // An epochs draw does not change a trial's seed (short runs are prefixes of long ones) but
  // the other draws do.
  for (const t of fifty) {
    assert(t.setting.epochs >= 5 && t.setting.epochs <= 30 && Number.isInteger(t.setting.epochs));
    assert([10, 20, 50, 100].includes(t.setting.miniBatchSize));
  }
});

Deno.test("sample blocks are checked: names, bounds and conflicts", async (t) => {
  const fails = (extra: Record<string, unknown>, re: RegExp) =>
    assertThrows(
      () => experiment(extra),
      (e: Error) => re.test(e.message) && /^s\.json/.test(e.message),
    );
  await t.step(
    "unknown distribution",
    () => fails({ sample: { eta: { logUnifrom: [0.1, 1] } } }, /did you mean 'logUniform'/),
  );
  await t.step(
    "log range not positive",
    () => fails({ sample: { eta: { logUniform: [0, 1] } } }, /log range must be positive/),
  );
  await t.step(
    "low above high",
    () => fails({ sample: { eta: { uniform: [2, 1] } } }, /low < high/),
  );
  await t.step(
    "no trials count",
    () => fails({ trials: undefined }, /\$\.trials: is required with a sample block/),
  );
  await t.step(
    "sampled and set in a case",
    () => fails({ cases: [{ eta: 1 }] }, /is also sampled/),
  );
});

// ---------------------------------------------------------------- halving on hand-made curves

const prune = { metric: "validationAccuracy" as const, minEpochs: 1, factor: 3 };

/** A record with validation accuracies `curve` and status. */
function rec(id: string, curve: number[], status = "paused"): TrialRecord {
  return {
    id,
    status,
    epochs: curve.map((v, epoch) => ({ epoch, trainSeconds: 1, validationAccuracy: v })),
  } as unknown as TrialRecord;
}

Deno.test("halving: rungs at minEpochs·factor^k, the best third goes on, ties to the lower index", () => {
  assertEquals(rungs(prune, 30), [1, 3, 9, 27]);
  assertEquals(rungs({ ...prune, minEpochs: 5 }, 50), [5, 15, 45]);
  const trials = [..."abcdefghi"].map((id, index) => ({ id, index, planned: 9 }));
  const none = successiveHalving(trials, new Map(), prune);
  assertEquals([...none.actions.values()], Array(9).fill({ action: "run", until: 1 }));
  assertEquals([none.rung, none.population, none.reached], [1, 9, 0]);

  // Rung 1 reached by all but i: everybody waits for i.
  const first = [0.5, 0.9, 0.7, 0.9, 0.1, 0.3, 0.2, 0.8];
  const records = new Map(first.map((v, i) => [trials[i].id, rec(trials[i].id, [v])]));
  const waiting = successiveHalving(trials, records, prune);
  assertEquals(waiting.actions.get("a"), { action: "wait" });
  assertEquals(waiting.actions.get("i"), { action: "run", until: 1 });
  assertEquals([waiting.reached, waiting.population], [8, 9]);

  // All there: 9 / 3 = 3 go on. b and d tie at 0.9 (both kept), h 0.8 beats c 0.7.
  records.set("i", rec("i", [0.75]));
  const second = successiveHalving(trials, records, prune);
  for (const id of "bdh") assertEquals(second.actions.get(id), { action: "run", until: 3 });
  for (const id of "acefgi") assertEquals(second.actions.get(id), { action: "pruned", rung: 1 });

  // Rung 3: only one of three goes on; b and d tie at the rung, the lower index (b) wins and,
  // alone, trains to its planned end without pausing again.
  records.set("b", rec("b", [0.9, 0.91, 0.95]));
  records.set("d", rec("d", [0.9, 0.99, 0.95]));
  records.set("h", rec("h", [0.8, 0.85, 0.94]));
  const third = successiveHalving(trials, records, prune);
  assertEquals(third.actions.get("b"), { action: "run", until: 9 });
  assertEquals(third.actions.get("d"), { action: "pruned", rung: 3 });
  assertEquals(third.actions.get("h"), { action: "pruned", rung: 3 });
  records.set("b", rec("b", [0.9, 0.91, 0.95, 0.96, 0.96, 0.97, 0.97, 0.97, 0.98], "done"));
  const end = successiveHalving(trials, records, prune);
  assertEquals(end.rung, null);
  assertEquals(end.actions.get("b"), { action: "complete" });
});

Deno.test("halving: lower-is-better metrics, diverged and unmeasured trials last, short plans", () => {
  const byCost = { metric: "validationCost" as const, minEpochs: 2, factor: 2 };
  const trials = [..."abcd"].map((id, index) => ({ id, index, planned: id === "c" ? 1 : 8 }));
  const cost = (id: string, costs: number[], status = "paused") =>
    ({
      id,
      status,
      epochs: costs.map((v, epoch) => ({ epoch, trainSeconds: 1, validationCost: v })),
    }) as unknown as TrialRecord;
  const records = new Map([
    ["a", cost("a", [3, 2])],
    ["b", cost("b", [3, 1])],
    // c planned one epoch: done at 1, ranked by its last value (the best cost of all) and
    // complete whether kept or not.
    ["c", cost("c", [0.5], "done")],
    ["d", cost("d", [NaN, NaN], "diverged")],
  ]);
  const s = successiveHalving(trials, records, byCost);
  // 4 / 2 = 2 kept: c (0.5) and b (1). c has nothing left but keeps its place: b trains on to
  // the next rung, where the two are ranked again (c by its last value).
  assertEquals(s.actions.get("b"), { action: "run", until: 4 });
  assertEquals(s.actions.get("c"), { action: "complete" });
  assertEquals(s.actions.get("a"), { action: "pruned", rung: 2 });
  assertEquals(s.actions.get("d"), { action: "complete" });
  // A trial whose metric was never measured at the rung ranks last.
  const unmeasured = new Map(records);
  unmeasured.set("b", {
    ...cost("b", [3, 1]),
    epochs: [{ epoch: 0, trainSeconds: 1 }, { epoch: 1, trainSeconds: 1 }],
  } as unknown as TrialRecord);
  const u = successiveHalving(trials, unmeasured, byCost);
  assertEquals(u.actions.get("a"), { action: "run", until: 4 });

  assertEquals(u.actions.get("b"), { action: "pruned", rung: 2 });
  // At least one trial always goes on, whatever the factor.
  const two = successiveHalving(trials.slice(0, 2), records, { ...byCost, factor: 10 });
  assertEquals(two.actions.get("b"), { action: "run", until: 8 });
});

Deno.test("halving: a record killed past its rung or at its end is continued, not re-decided", () => {
  const trials = [..."abc"].map((id, index) => ({ id, index, planned: 9 }));
  const records = new Map([
    ["a", rec("a", [0.9, 0.91, 0.92, 0.93], "running")], // promoted, killed at epoch 4
    ["b", rec("b", [0.5, 0.6, 0.7], "pruned")],
    ["c", rec("c", [0.4, 0.6, 0.7], "pruned")],
  ]);
  const s = successiveHalving(trials, records, prune);
  assertEquals(s.actions.get("a"), { action: "run", until: 9 });
  assertEquals(s.actions.get("b"), { action: "pruned", rung: 1 });
  records.set("a", rec("a", Array(9).fill(0.9), "running")); // killed before its final status
  assertEquals(successiveHalving(trials, records, prune).actions.get("a"), {
    action: "run",
    until: 9,
  });
});

// ---------------------------------------------------------------- real pruned sweeps

function pruneFile(dir: string, name: string, trials = 12): string {
  const path = `${dir}/${name}.json`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      name,
      dataset: { split: "standard", trainingImages: 1500, validationImages: 300 },
      base: {
        sizes: [784, 16, 10],
        cost: "cross-entropy",
        init: "default",
        epochs: 9,
        monitor: ["validationAccuracy"],
      },
      sample: { eta: { logUniform: [0.01, 10] }, miniBatchSize: { choice: [10, 30] } },
      trials,
      prune: { metric: "validationAccuracy", minEpochs: 1, factor: 2 },
      seed: 4,
    }),
  );
  return path;
}

function sweep(args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/sweep.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  });
}

/** A CSV file's rows without the columns that measure time, sorted. */
function withoutTimes(path: string): string {
  const rows = Deno.readTextFileSync(path).trim().split("\n").map((l) => l.split(","));
  const drop = new Set(
    ["train_seconds", "eval_seconds", "seconds_per_epoch"].map((c) => rows[0].indexOf(c)),
  );
  return rows.map((r) => r.filter((_, i) => !drop.has(i)).join(",")).sort().join("\n");
}

function statuses(path: string): Record<string, number> {
  const rows = Deno.readTextFileSync(path).trim().split("\n").map((l) => l.split(","));
  const col = rows[0].indexOf("status");
  const out: Record<string, number> = {};
  for (const r of rows.slice(1)) out[r[col]] = (out[r[col]] ?? 0) + 1;
  return out;
}

async function run(cmd: Deno.Command): Promise<string> {
  const out = await cmd.output();
  const err = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, err);
  return err;
}

Deno.test("a pruned sweep: same table with 1 or 2 workers and with 1 or 3 shards", async () => {
  using dir = tempDir();
  const file = pruneFile(dir.path, "halve");
  await run(sweep([file, "--out", `${dir.path}/one`, "--workers", "1"]));
  const csv = (d: string, f: string) => `${dir.path}/${d}/halve/${f}`;
  // 12 trials: 6 go on after epoch 1, 3 after 2, 1 after 4; 11 pruned, one trained to 9.
  assertEquals(statuses(csv("one", "trials.csv")), { pruned: 11, done: 1 });
  const epochs = Deno.readTextFileSync(csv("one", "epochs.csv")).trim().split("\n").length - 1;
  assertEquals(epochs, 12 * 1 + 6 * 1 + 3 * 2 + 1 * 5);

  await run(sweep([file, "--out", `${dir.path}/two`, "--workers", "2"]));
  const shards = [0, 1, 2].map((i) =>
    sweep([file, "--out", `${dir.path}/shards`, "--shard", `${i}/3`, "--workers", "1"]).spawn()
  );
  const outs = await Promise.all(shards.map((p) => p.output()));
  outs.forEach((o) => assertEquals(o.code, 0, new TextDecoder().decode(o.stderr)));
  for (const f of ["epochs.csv", "trials.csv"]) {
    assertEquals(withoutTimes(csv("two", f)), withoutTimes(csv("one", f)), f);
    assertEquals(withoutTimes(csv("shards", f)), withoutTimes(csv("one", f)), f);
  }
  // A shard that finished its own part waited for the others' rung results, saying so.
  assert(
    outs.some((o) => /waiting: rung \d+ epochs/.test(new TextDecoder().decode(o.stderr))),
    "no shard said it waited",
  );
});

Deno.test("a pruned sweep killed with SIGKILL at random moments, then resumed, is the same", async () => {
  using dir = tempDir();
  const file = pruneFile(dir.path, "killed");
  await run(sweep([file, "--out", `${dir.path}/whole`, "--workers", "2"]));
  const trialsDir = `${dir.path}/cut/killed/trials`;
  const logged = () => {
    let n = 0;
    try {
      for (const e of Deno.readDirSync(trialsDir)) {
        if (e.name.endsWith(".jsonl")) {
          n += Deno.readTextFileSync(`${trialsDir}/${e.name}`).split('"epoch"').length - 1;
        }
      }
    } catch { /* not yet */ }
    return n;
  };
  const rng = new Rng(99);
  let kills = 0;
  for (let k = 0; k < 5; k++) {
    const child = sweep([file, "--out", `${dir.path}/cut`, "--workers", "2"]).spawn();
    let exited = false;
    child.status.then(() => (exited = true));
    const target = logged() + 1 + Math.floor(rng.nextFloat() * 5);
    const deadline = Date.now() + 30_000;
    while (!exited && logged() < target && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    if (!exited) {
      child.kill("SIGKILL");
      kills++;
    }
    await child.output();
  }
  // A loaded machine can stall this loop while the sweep finishes: the comparison below holds
  // whatever number of kills landed, but at least one must have.
  assert(kills >= 1, `no kill landed`);
  await run(sweep([file, "--out", `${dir.path}/cut`, "--workers", "1"]));
  for (const f of ["epochs.csv", "trials.csv"]) {
    assertEquals(
      withoutTimes(`${dir.path}/cut/killed/${f}`),
      withoutTimes(`${dir.path}/whole/killed/${f}`),
      f,
    );
  }
});

/** Writes trial `task`'s record as its worker would, with these validation accuracies. */
function writeTrial(dir: string, task: Task, accuracies: number[], status: TrialStatus): void {
  const rec = runningRecord(
    task,
    accuracies.map((validationAccuracy, epoch) => ({
      epoch,
      eta: 1,
      trainSeconds: 0.1,
      evalSeconds: 0.1,
      validationAccuracy,
    })),
  );
  rec.status = status;
  Deno.writeTextFileSync(recordFile(dir, task.trial.id), recordText(rec));
}

Deno.test("a trial that starts and ends while the records are being read is not forgotten", async () => {
  // Found as a shard running a pruned trial one epoch past its rung: the records read from
  // disk while the trial ran replaced the ones read after it ended, halving saw the trial
  // short of its rung and handed it out again. Interleaved deterministically: the folder scan
  // reads the running record, then the trial ends and is read again, then the scan keeps
  // what it read.
  using dir = tempDir();
  const plan = planSweep(pruneFile(dir.path, "race", 2), [], {});
  const out = `${dir.path}/out`;
  const output = await SweepOutput.open(out, plan.meta);
  try {
    const [trial] = plan.trials;
    const task = { trial, experiment: plan.meta.hash, planned: 9, until: 1, claim: "" };
    writeTrial(out, task, [], "running");
    await output.trials.reload(() => {
      writeTrial(out, task, [0.5], "paused");
      output.trials.refresh(trial.id);
    });
    assertEquals(output.trials.get(trial.id)?.status, "paused");
    assertEquals(output.trials.get(trial.id)?.epochs.length, 1);
    const state = successiveHalving(
      plan.trials.map((t) => ({ id: t.id, index: t.index, planned: 9 })),
      output.trials.records,
      plan.experiment.prune!,
    );
    assertEquals(state.actions.get(trial.id), { action: "wait" });
  } finally {
    output.close();
  }
});

Deno.test("a trial that finishes while halving decides is not handed out again", async () => {
  // Found as a 2-worker pruned sweep training a trial one epoch past its rung (8 runs in 30):
  // the verdict computed before an await was used after it, when the trial had finished.
  using dir = tempDir();
  const plan = planSweep(pruneFile(dir.path, "handed", 4), [], {});
  const out = `${dir.path}/out`;
  const output = await SweepOutput.open(out, plan.meta);
  const sched = new PruneScheduler(plan, output, plan.trials);
  const finish = (task: Task, accuracies: number[]) => {
    writeTrial(out, task, accuracies, "paused");
    sched.done(task, output.trials.refresh(task.trial.id));
  };
  try {
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await sched.next())!);
    assertEquals(first.map((t) => t.until), [1, 1, 1, 1]);
    const acc = [0.9, 0.8, 0.3, 0.2];
    first.forEach((t, i) => finish(t, [acc[i]]));
    // The best two go on to 2 epochs.
    const [a, b] = [(await sched.next())!, (await sched.next())!];
    assertEquals([a.trial.id, a.until, b.trial.id, b.until], [
      first[0].trial.id,
      2,
      first[1].trial.id,
      2,
    ]);
    const next = sched.next(); // decides, then awaits (marking the pruned ones) ...
    finish(a, [0.9, 0.95]); // ... while `a` reaches its rung
    finish(b, [0.8, 0.85]);
    const task = (await next)!;
    // `a` wins the rung and, alone, trains to its end: not `a` again to 2 epochs.
    assertEquals([task.trial.id, task.until], [a.trial.id, 9]);
  } finally {
    output.close();
  }
});
