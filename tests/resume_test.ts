// Nothing finished is lost: SIGTERM and SIGHUP stop a sweep like Ctrl-C, a signal during the
// data load stops it before any training, and a sweep killed with SIGKILL at random moments,
// then re-run, ends with exactly the numbers of an uninterrupted run (each stopped trial
// continues from its checkpoint: weights, optimiser state, generators).
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir } from "./_testdata.ts";
import { readSweep } from "../mod.ts";

function experimentFile(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const path = `${dir}/${name}.json`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      name,
      dataset: { split: "nielsen" }, // the embedded MNIST: a load of most of a second
      base: {
        sizes: [784, 30, 10],
        trainSize: 1000,
        epochs: 25,
        monitor: ["testAccuracy", "trainingCost"],
      },
      cases: [
        { optimizer: "momentum", eta: 0.5, lmbda: 1 },
        { optimizer: "adam", eta: 0.002, cost: "log-likelihood", dropout: 0.2 },
        { sampling: "replacement", iterations: 2400, miniBatchSize: 10, eta: 2, epochs: 1 },
      ],
      seed: 3,
      ...extra,
    }),
  );
  return path;
}

function sweep(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/sweep.ts", ...args],
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

/** epochs.csv without the columns that measure time. */
function epochsWithoutTimes(dir: string): string {
  const rows = Deno.readTextFileSync(`${dir}/epochs.csv`).trim().split("\n").map((l) =>
    l.split(",")
  );
  const drop = new Set(["train_seconds", "eval_seconds"].map((c) => rows[0].indexOf(c)));
  return rows.map((r) => r.filter((_, i) => !drop.has(i)).join(",")).sort().join("\n");
}

Deno.test("kill -9 at random moments, then resume: every metric as an uninterrupted run", async () => {
  using dir = tempDir();
  const file = experimentFile(dir.path, "kill");
  const whole = await sweep([file, "--out", `${dir.path}/whole`, "--workers", "1"]).output();
  assertEquals(whole.code, 0, new TextDecoder().decode(whole.stderr));
  // Kills during the load, and in the middle of trials (once a running trial has a few more
  // epochs than when the process started: mid-epoch or between two, wherever it falls).
  const running = async () => {
    try {
      return (await readSweep(`${dir.path}/killed/kill`)).trials.find((t) => t.status === "running")
        ?.epochs.length ?? -1;
    } catch {
      return -1;
    }
  };
  let kills = 0;
  const logs: string[] = [];
  for (const wait of [-1, 4, 7, 3, 9, 5]) {
    const child = sweep([file, "--out", `${dir.path}/killed`, "--workers", "1"]);
    let exited = false;
    child.status.then(() => (exited = true));
    if (wait < 0) await new Promise((r) => setTimeout(r, 300));
    else {
      const deadline = Date.now() + 30_000;
      let start = -1;
      while (Date.now() < deadline && !exited) {
        const n = await running();
        if (start < 0 && n >= 0) start = n;
        if (start >= 0 && n >= start + wait) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    try {
      child.kill("SIGKILL");
      kills++;
    } catch { /* it had finished */ }
    logs.push(new TextDecoder().decode((await child.output()).stderr));
  }
  assert(kills >= 4, `killed ${kills} times`);
  const last = await sweep([file, "--out", `${dir.path}/killed`, "--workers", "1"]).output();
  assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
  logs.push(new TextDecoder().decode(last.stderr));
  assert(
    logs.some((l) => /resuming after epoch \d+/.test(l)),
    `a trial resumed from its checkpoint: ${logs.map((l) => l.slice(0, 300)).join("\n---\n")}`,
  );
  assertEquals(
    epochsWithoutTimes(`${dir.path}/killed/kill`),
    epochsWithoutTimes(`${dir.path}/whole/kill`),
  );
  const records = (await readSweep(`${dir.path}/killed/kill`)).trials;
  assertEquals(records.map((r) => r.status), ["done", "done", "done"]);
});

for (const [signal, code] of [["SIGTERM", 143], ["SIGHUP", 129]] as const) {
  Deno.test(`${signal} stops a sweep like Ctrl-C, keeping every finished epoch`, async () => {
    using dir = tempDir();
    const file = experimentFile(dir.path, "sig", {
      base: { sizes: [784, 30, 10], trainSize: 1000, epochs: 100000 },
    });
    const child = sweep([file, "--out", dir.path, "--workers", "1"]);
    const trials = `${dir.path}/sig/trials`;
    const epochs = async () => {
      try {
        return (await readSweep(`${dir.path}/sig`)).trials.reduce((s, t) => s + t.epochs.length, 0);
      } catch {
        return 0;
      }
    };
    const deadline = Date.now() + 60_000;
    while ((await epochs()) < 3 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const sent = Date.now();
    child.kill(signal);
    const out = await child.output();
    assert(Date.now() - sent < 5000, "stopped within 5 s");
    assertEquals(out.code, code);
    assertMatch(new TextDecoder().decode(out.stderr), new RegExp(`${signal}: stopping`));
    const sweep2 = await readSweep(`${dir.path}/sig`);
    const stopped = sweep2.trials.filter((t) => t.status === "interrupted");
    assertEquals(stopped.length, 1); // the one worker's trial
    assert(stopped.every((t) => t.epochs.length >= 1));
    const csv = Deno.readTextFileSync(`${dir.path}/sig/trials.csv`);
    assertMatch(csv, /,interrupted,/);
    assert(
      [...Deno.readDirSync(trials)].every((e) => !e.name.endsWith(".claim")),
      "claims released",
    );
  });
}

Deno.test("Ctrl-C while the data loads stops the sweep before any training", async () => {
  using dir = tempDir();
  const file = experimentFile(dir.path, "early");
  const child = sweep([file, "--out", dir.path]);
  await new Promise((r) => setTimeout(r, 250));
  const sent = Date.now();
  child.kill("SIGINT");
  const out = await child.output();
  assertEquals(out.code, 130);
  assert(Date.now() - sent < 5000, "stopped within 5 s");
  const trials = (await readSweep(`${dir.path}/early`).catch(() => null))?.trials ?? [];
  assert(trials.every((t) => t.epochs.length === 0), "nothing trained");
});
