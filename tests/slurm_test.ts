// A real one-node SLURM cluster (slurmctld, slurmd and munged from Debian's slurm-wlm and munge,
// started as root) runs the job script the docs ship, docs/slurm/sweep.sbatch, as a job array
// into one results folder: the results equal one process's; and an array task stopped with
// SIGTERM (what SLURM sends at a time limit), then resubmitted, ends with the same numbers.
// Skipped, with a message, where the packages are missing or the tests do not run as root.
import { assert, assertEquals } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { readSweep } from "../mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BINARIES = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"];

function available(): string | null {
  if (Deno.uid() !== 0) return "not root";
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

/** A one-node cluster in `dir`; returns SLURM_CONF and a stop function. */
function startCluster(dir: string): { env: Record<string, string>; stop: () => void } {
  if (run("sh", ["-c", "munge -n | unmunge"]).code !== 0) {
    for (const d of ["/run/munge", "/var/log/munge", "/var/lib/munge"]) {
      Deno.mkdirSync(d, { recursive: true });
    }
    const m = run("/usr/sbin/munged", ["--force"]);
    assert(run("sh", ["-c", "munge -n | unmunge"]).code === 0, `munged did not start: ${m.err}`);
  }
  const host = run("hostname", ["-s"]).out.trim();
  const cpus = navigator.hardwareConcurrency;
  const port = 20000 + Math.floor(Math.random() * 20000);
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
      `SlurmdPort=${port + 1}`,
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
  assertEquals(run("/usr/sbin/slurmctld", ["-f", conf]).code, 0, "slurmctld started");
  assertEquals(run("/usr/sbin/slurmd", ["-f", conf]).code, 0, "slurmd started");
  const deadline = Date.now() + 30_000;
  while (
    !/idle|mix|alloc/.test(run("sinfo", ["-h", "-o", "%t"], env).out) && Date.now() < deadline
  ) {
    run("sleep", ["0.3"]);
  }
  const stop = () => {
    for (const pid of ["slurmd.pid", "slurmctld.pid"]) {
      try {
        Deno.kill(Number(Deno.readTextFileSync(`${dir}/${pid}`).trim()), "SIGTERM");
      } catch { /* gone */ }
    }
  };
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

Deno.test({
  name:
    "a SLURM job array of the documented script gives one process's results, and survives SIGTERM",
  ignore: why !== null,
  fn: async (t) => {
    using dir = tempDir();
    const cluster = startCluster(`${dir.path}/cluster`);
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
        const deadline = Date.now() + 120_000;
        while (((await trial1())?.epochs.length ?? 0) < 100 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assertEquals(run("scancel", ["--batch", "--signal=TERM", `${job}_1`], cluster.env).code, 0);
        while (
          run("squeue", ["-h", "-j", job], cluster.env).out.trim() !== "" && Date.now() < deadline
        ) {
          await new Promise((r) => setTimeout(r, 200));
        }
        const stopped = (await trial1())!;
        assertEquals(stopped.status, "interrupted");
        assert(
          stopped.epochs.length >= 100 && stopped.epochs.length < 1500,
          `${stopped.epochs.length} epochs kept`,
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
      cluster.stop();
    }
  },
});

if (why) console.log(`skipped the SLURM cluster test: ${why}`);

Deno.test("the docs show the job script as it is shipped", () => {
  const doc = Deno.readTextFileSync(`${ROOT}docs/scheduling.md`);
  const script = Deno.readTextFileSync(`${ROOT}docs/slurm/sweep.sbatch`);
  assert(
    doc.includes("```sh\n" + script + "```"),
    "docs/scheduling.md includes docs/slurm/sweep.sbatch verbatim",
  );
});
