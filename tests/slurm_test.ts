// A real one-node SLURM cluster (slurmctld, slurmd and munged from Debian's slurm-wlm and munge,
// started as root) runs the job script the docs ship, docs/slurm/sweep.sbatch, as a job array
// into one results folder: the results equal one process's; and an array task stopped with
// SIGTERM (what SLURM sends at a time limit), then resubmitted, ends with the same numbers.
// Skipped, with a message, where the packages are missing or the tests do not run as root;
// failed in CI, which installs them and runs as root.
import { assert, assertEquals } from "./_assert.ts";
import { freeze } from "./_process.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { testNeeding } from "./_tools.ts";
import { readSweep } from "../mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BINARIES = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"];

function available(): string | null {
  if (Deno.uid() !== 0) return "not root (the test starts SLURM's daemons)";
  for (const b of BINARIES) {
    try {
      Deno.statSync(b);
    } catch {
      return `no ${b} (apt-get install slurm-wlm munge)`;
    }
  }
  return null;
}

const why = available();

function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): { code: number; out: string; err: string } {
  const o = new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).outputSync();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout),
    err: new TextDecoder().decode(o.stderr),
  };
}

/** A port nothing listens on now (the daemons bind it a moment later). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* gone */ }
}

/** True while process `pid` runs (a zombie does not). */
function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2));
  } catch {
    return false;
  }
}

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

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `done` until it is true; false after `ms`. */
async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() >= deadline) return false;
    await delay(100);
  }
  return true;
}

/** The cluster's logs, for a failure message. */
function logs(dir: string): string {
  return ["slurmctld.log", "slurmd.log"].map((f) => {
    try {
      return `${f}:\n${Deno.readTextFileSync(`${dir}/log/${f}`).slice(-2000)}`;
    } catch {
      return `${f}: none`;
    }
  }).join("\n");
}

/** A one-node cluster in `dir`; returns SLURM_CONF and a stop function. */
async function startCluster(
  dir: string,
): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  if (run("sh", ["-c", "munge -n | unmunge"]).code !== 0) {
    for (const d of ["/run/munge", "/var/log/munge", "/var/lib/munge"]) {
      Deno.mkdirSync(d, { recursive: true });
    }
    const m = run("/usr/sbin/munged", ["--force"]);
    assert(run("sh", ["-c", "munge -n | unmunge"]).code === 0, `munged did not start: ${m.err}`);
  }
  const host = run("hostname", ["-s"]).out.trim();
  const cpus = navigator.hardwareConcurrency;
  const [port, slurmdPort] = [freePort(), freePort()];
  for (const d of ["state", "spool", "log"]) Deno.mkdirSync(`${dir}/${d}`, { recursive: true });
  const conf = `${dir}/slurm.conf`;
  Deno.writeTextFileSync(
    conf,
    [
      "ClusterName=netsweep-test",
      `SlurmctldHost=${host}`,
      "SlurmUser=root",
      "SlurmdUser=root",
      "AuthType=auth/munge",
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/log/slurmctld.log`,
      `SlurmdLogFile=${dir}/log/slurmd.log`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${slurmdPort}`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "ReturnToService=2",
      "MpiDefault=none",
      "JobCompType=jobcomp/none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      `NodeName=${host} CPUs=${cpus} RealMemory=1000 State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
      "",
    ].join("\n"),
  );
  const env = { SLURM_CONF: conf };
  // The daemons are gone before the folder they write into is removed.
  const stop = async () => {
    const pids: number[] = [];
    for (const pid of ["slurmd.pid", "slurmctld.pid"]) {
      try {
        pids.push(Number(Deno.readTextFileSync(`${dir}/${pid}`).trim()));
      } catch { /* never started */ }
    }
    for (const pid of pids) signal(pid, "SIGTERM");
    if (!(await until(() => pids.every((p) => !running(p)), 60_000))) {
      for (const pid of pids) signal(pid, "SIGKILL");
      await until(() => pids.every((p) => !running(p)), 60_000);
    }
  };
  try {
    assertEquals(run("/usr/sbin/slurmctld", ["-f", conf]).code, 0, "slurmctld started");
    assertEquals(run("/usr/sbin/slurmd", ["-f", conf]).code, 0, "slurmd started");
    const ready = () => /idle|mix|alloc/.test(run("sinfo", ["-h", "-o", "%t"], env).out);
    assert(await until(ready, 120_000), `the node did not become ready:\n${logs(dir)}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { env, stop };
}

function epochs(dir: string): string {
  const rows = Deno.readTextFileSync(`${dir}/epochs.csv`).trim().split("\n").map((l) =>
    l.split(",")
  );
  const drop = new Set(["train_seconds", "eval_seconds"].map((c) => rows[0].indexOf(c)));
  return rows.map((r) => r.filter((_, i) => !drop.has(i)).join(",")).sort().join("\n");
}

function single(file: string, out: string): void {
  const r = run(Deno.execPath(), [
    "run",
    "-A",
    `${ROOT}src/cli/sweep.ts`,
    file,
    "--out",
    out,
    "--workers",
    "2",
  ]);
  assertEquals(r.code, 0, r.err);
}

testNeeding(why, {
  name:
    "a SLURM job array of the documented script gives one process's results, and survives SIGTERM",
  fn: async (t) => {
    using dir = tempDir();
    const cluster = await startCluster(`${dir.path}/cluster`);
    try {
      const sbatch = (args: string[]) =>
        run(
          "sbatch",
          ["--chdir", ROOT, "--output", `${dir.path}/task-%a.out`, ...args],
          cluster.env,
        );
      await t.step("three array tasks into one folder", () => {
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
        const r = sbatch([
          "--wait",
          "--array=0-2",
          "docs/slurm/sweep.sbatch",
          file,
          `${dir.path}/cluster-out`,
        ]);
        assertEquals(
          r.code,
          0,
          `${r.out}${r.err}${Deno.readTextFileSync(`${dir.path}/task-1.out`)}`,
        );
        single(file, `${dir.path}/single-out`);
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
            grid: { eta: [0.5, 1, 2] },
          }),
        );
        const r = sbatch(["--array=0-2", "docs/slurm/sweep.sbatch", file, `${dir.path}/term-out`]);
        assertEquals(r.code, 0, r.err);
        const job = /Submitted batch job (\d+)/.exec(r.out)![1];
        // Trial 1 is task 1's: stop it once it has trained for a while.
        const trial1 = async () =>
          (await readSweep(`${dir.path}/term-out/term`).catch(() => null))?.trials[1];
        assert(
          await until(async () => ((await trial1())?.epochs.length ?? 0) >= 100, 600_000),
          "trial 1 did not reach 100 epochs",
        );
        // The task's sweep is paused until the signal has reached it, so that how many epochs
        // it trains meanwhile does not depend on how fast they go: it stops far before 1500.
        const pid = (await trial1())!.pid!;
        await freeze(pid);
        const pausedAt = (await trial1())!.epochs.length;
        try {
          assertEquals(
            run("scancel", ["--batch", "--signal=TERM", `${job}_1`], cluster.env).code,
            0,
          );
          assert(await until(() => termPending(pid), 120_000), `SIGTERM did not reach ${pid}`);
        } finally {
          signal(pid, "SIGCONT");
        }
        const queued = () => run("squeue", ["-h", "-j", job], cluster.env).out.trim() !== "";
        assert(await until(() => !queued(), 600_000), `job ${job} still queued`);
        const kept = (await trial1())!;
        console.log(`trial 1: paused at ${pausedAt} epochs, ${kept.epochs.length} kept`);
        assertEquals(kept.status, "interrupted");
        assert(
          kept.epochs.length >= 100 && kept.epochs.length < 1500,
          `${kept.epochs.length} epochs kept`,
        );
        const again = sbatch([
          "--wait",
          "--array=1",
          "docs/slurm/sweep.sbatch",
          file,
          `${dir.path}/term-out`,
        ]);
        assertEquals(again.code, 0, again.err);
        assertEquals((await trial1())!.status, "done");
        single(file, `${dir.path}/term-single`);
        assertEquals(epochs(`${dir.path}/term-out/term`), epochs(`${dir.path}/term-single/term`));
      });
    } finally {
      run("scancel", ["--user=root"], cluster.env);
      await cluster.stop();
    }
  },
});

Deno.test("the docs show the job script as it is shipped", () => {
  const doc = Deno.readTextFileSync(`${ROOT}docs/scheduling.md`);
  const script = Deno.readTextFileSync(`${ROOT}docs/slurm/sweep.sbatch`);
  assert(
    doc.includes("```sh\n" + script + "```"),
    "docs/scheduling.md includes docs/slurm/sweep.sbatch verbatim",
  );
});
