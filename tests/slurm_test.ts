// A real one-node SLURM cluster (slurmctld, slurmd and munged from Debian's slurm-wlm and munge,
// started as root) runs the job script the docs ship, docs/slurm/sweep.sbatch, as a job array
// into one results folder: the results equal one process's; and an array task stopped with
// SIGTERM (what SLURM sends at a time limit), then resubmitted, ends with the same numbers.
// Skipped, with a message, where the packages are missing or the tests do not run as root;
// failed in CI, which installs them and runs as root.
import { assert, assertEquals } from "./_assert.ts";
import { freeze } from "./_process.ts";
import { Cluster, removeWhenUnused, run, signal, slurmMissing } from "./_slurm.ts";
import { until } from "./_wait.ts";
import { TESTDATA } from "./_testdata.ts";
import { testNeeding } from "./_tools.ts";
import { readSweep } from "../mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Epochs of the trial that is stopped with SIGTERM (seconds of training; the others 1500). */
const TRIAL1_EPOCHS = 10_000;

/** True when process `pid` has a SIGTERM waiting (it is stopped), or is gone. */
function termPending(pid: number): boolean {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const mask = (name: string) =>
      BigInt(`0x${new RegExp(`^${name}:\\s*([0-9a-f]+)`, "m").exec(status)![1]}`);
    return ((mask("SigPnd") | mask("ShdPnd")) & (1n << 14n)) !== 0n;
  } catch {
    return true;
  }
}

function epochs(dir: string): string {
  const rows = Deno.readTextFileSync(`${dir}/epochs.csv`).trim().split("\n").map((l) =>
    l.split(",")
  );
  const drop = new Set(["train_seconds", "eval_seconds"].map((c) => rows[0].indexOf(c)));
  return rows.map((r) => r.filter((_, i) => !drop.has(i)).join(",")).sort().join("\n");
}

/** The same sweep in one process, on 2 workers, as the reference. */
async function single(file: string, out: string): Promise<void> {
  const r = await run(
    Deno.execPath(),
    [
      "run",
      "-A",
      `${ROOT}src/cli/sweep.ts`,
      file,
      "--out",
      out,
      "--workers",
      "2",
    ],
    {},
    300_000,
  );
  assertEquals(r.code, 0, r.err);
}

testNeeding(slurmMissing(), {
  name:
    "a SLURM job array of the documented script gives one process's results, and survives SIGTERM",
  fn: async (t) => {
    // Removed once nothing uses it (tempDir's removal at once failed when a process, one run
    // in about ten, still wrote into it: named below if it happens again).
    const dir = { path: Deno.makeTempDirSync({ prefix: "netsweep-test-" }) };
    let failed = true;
    try {
      await arrayTests(t, dir);
      failed = false;
    } finally {
      // A failure to remove must not hide the test's own failure.
      await removeWhenUnused(dir.path).catch((err) => {
        if (!failed) throw err;
        console.error(String(err));
      });
    }
  },
});

/** The two steps, on a cluster of their own in `dir`. */
async function arrayTests(t: Deno.TestContext, dir: { path: string }): Promise<void> {
  const cluster = await Cluster.start(`${dir.path}/cluster`, dir.path);
  try {
    // The shipped job script as an array (`tasks`: 0-2, or 1 for a resubmission) of `file`.
    const submit = (tasks: string, file: string, out: string) =>
      cluster.submit(ROOT, [`--array=${tasks}`, "docs/slurm/sweep.sbatch", file, out]);
    await t.step("three array tasks into one folder", async () => {
      const file = `${dir.path}/array.json`;
      Deno.writeTextFileSync(
        file,
        JSON.stringify({
          name: "array",
          dataset: { path: `${TESTDATA}mnist.pkl.gz` },
          base: { sizes: [784, 12, 10], epochs: 20, monitor: ["testAccuracy", "trainingCost"] },
          grid: { eta: [0.5, 1, 2, 3] },
          repeats: 2,
        }),
      );
      const job = await submit("0-2", file, `${dir.path}/cluster-out`);
      // Seconds of work for the three tasks; each wait here is far above its usual time, and all
      // of them together stay inside the time limit that CI puts on the whole suite (55 min).
      await cluster.wait(job, 300_000);
      await single(file, `${dir.path}/single-out`);
      assertEquals(
        epochs(`${dir.path}/cluster-out/array`),
        epochs(`${dir.path}/single-out/array`),
      );
    });
    await t.step("SIGTERM to one array task, then the task resubmitted", async () => {
      const file = `${dir.path}/term.json`;
      Deno.writeTextFileSync(
        file,
        JSON.stringify({
          name: "term",
          dataset: { path: `${TESTDATA}mnist.pkl.gz` },
          base: { sizes: [784, 30, 10], epochs: 1500, monitor: ["testAccuracy"] },
          // Trial 1, the one stopped, is long: it must still be training when the test, which
          // polls the records (one run beside CPU hogs saw 1,500 epochs go by first), pauses it.
          cases: [{ eta: 0.5 }, { eta: 1, epochs: TRIAL1_EPOCHS }, { eta: 2 }],
        }),
      );
      const job = await submit("0-2", file, `${dir.path}/term-out`);
      // Trial 1 is task 1's: stop it once it has trained an epoch.
      const trial1 = async () =>
        (await readSweep(`${dir.path}/term-out/term`).catch(() => null))?.trials[1];
      assert(
        await until(async () => ((await trial1())?.epochs.length ?? 0) >= 1, 300_000),
        `trial 1 did not train an epoch\n${await cluster.account(job)}`,
      );
      // The task's sweep is paused until the signal has reached it, so that how many epochs
      // it trains meanwhile does not depend on how fast they go: it stops far before its end.
      const pid = (await trial1())!.pid!;
      await freeze(pid);
      const pausedAt = (await trial1())!.epochs.length;
      try {
        const cancel = await run(
          "scancel",
          ["--batch", "--signal=TERM", `${job}_1`],
          cluster.env,
        );
        assertEquals(cancel.code, 0, cancel.err);
        assert(await until(() => termPending(pid), 60_000), `SIGTERM did not reach ${pid}`);
      } finally {
        signal(pid, "SIGCONT");
      }
      // Tasks 0 and 2 train their 1500 epochs (seconds); task 1 ends with the signal.
      await cluster.wait(job, 300_000, false);
      const kept = (await trial1())!;
      console.log(`trial 1: paused at ${pausedAt} epochs, ${kept.epochs.length} kept`);
      assertEquals(kept.status, "interrupted");
      assert(
        kept.epochs.length >= pausedAt && kept.epochs.length < TRIAL1_EPOCHS,
        `${kept.epochs.length} epochs kept`,
      );
      const again = await submit("1", file, `${dir.path}/term-out`);
      await cluster.wait(again, 300_000);
      assertEquals((await trial1())!.status, "done");
      await single(file, `${dir.path}/term-single`);
      assertEquals(epochs(`${dir.path}/term-out/term`), epochs(`${dir.path}/term-single/term`));
    });
  } finally {
    await cluster.stop();
  }
}

Deno.test("the docs show the job script as it is shipped", () => {
  const doc = Deno.readTextFileSync(`${ROOT}docs/scheduling.md`);
  const script = Deno.readTextFileSync(`${ROOT}docs/slurm/sweep.sbatch`);
  assert(
    doc.includes("```sh\n" + script + "```"),
    "docs/scheduling.md includes docs/slurm/sweep.sbatch verbatim",
  );
});
