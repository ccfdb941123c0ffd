// A real one-node SLURM cluster for the tests (slurmctld, slurmd and munged from Debian's
// slurm-wlm and munge, started as root), and the bounded waits the tests need around it. Every
// command and every wait has a deadline, and a job that SLURM holds, fails or leaves pending is
// reported at once with the cluster's own account of it (squeue's reason, scontrol, sinfo, the
// daemons' logs, the tasks' output): a cluster that cannot run a job must fail the test in
// minutes, not hang CI until its time limit (it did once, with `sbatch --wait`).
import { delay, removeDirWhenFree, until } from "./_wait.ts";

const BINARIES = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"];

/** Null where the cluster can be started here, else why not and how to install it. */
export function slurmMissing(): string | null {
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

/** What a command printed and how it ended: 124 when killed for time. */
export interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Sends `sig` to every process of group `pgid`, if any is left. */
function signalGroup(pgid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(-pgid, sig);
  } catch { /* gone */ }
}

/**
 * Runs `cmd args...` in a process group of its own, stopped after `ms` (a daemon that never
 * answers, or a sweep that never ends, must fail the test, not hang it): SIGTERM to the whole
 * group, and SIGKILL 5 s later for what ignores it (a sweep stops gracefully on its first
 * SIGTERM), so that no grandchild keeps the output pipes open. Its exit code (124 when stopped
 * for time), stdout and stderr.
 */
export async function run(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  ms = 60_000,
): Promise<Ran> {
  const child = new Deno.Command(cmd, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  let late = false;
  const term = setTimeout(() => {
    late = true;
    signalGroup(child.pid, "SIGTERM");
  }, ms);
  const kill = setTimeout(() => signalGroup(child.pid, "SIGKILL"), ms + 5_000);
  try {
    const o = await child.output();
    const killed = late && o.signal !== null;
    return {
      code: killed ? 124 : o.code,
      out: new TextDecoder().decode(o.stdout),
      err: new TextDecoder().decode(o.stderr) + (killed ? `\n${cmd} stopped after ${ms} ms` : ""),
    };
  } finally {
    clearTimeout(term);
    clearTimeout(kill);
  }
}

/** Sends `sig` to `pid`, if it is still there. */
export function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch { /* gone */ }
}

/**
 * True while any thread of process `pid` runs: a daemon's main thread can end (a zombie) while
 * another still saves its state into the test's folder.
 */
export function running(pid: number): boolean {
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
      if (!/^[ZX]/.test(stat.slice(stat.lastIndexOf(")") + 2))) return true;
    }
  } catch { /* gone */ }
  return false;
}

/**
 * The processes other than this one working in `dir` or holding a file in it open (read from
 * /proc by a shell: Deno lists /proc only with every permission).
 */
export async function usersOf(dir: string): Promise<string[]> {
  const script = `for p in /proc/[0-9]*; do
  pid=\${p#/proc/}; [ "$pid" = "$2" ] || [ "$pid" = "$$" ] && continue
  for f in "$p/cwd" "$p"/fd/*; do
    l=$(readlink "$f" 2>/dev/null) || continue
    case "$l" in "$1"|"$1"/*) echo "$pid $(tr '\\0' ' ' < "$p/cmdline" | cut -c1-160)"; break;; esac
  done
done`;
  const r = await run("sh", ["-c", script, "sh", dir, String(Deno.pid)], {}, 30_000);
  return r.out.split("\n").filter((l) => l !== "");
}

/**
 * Removes `dir` once no process works in it or holds a file in it open (at most `ms`; a job's
 * process that outlived its job would otherwise write into it as it is removed), and says which
 * process still did, if one does.
 */
export async function removeWhenUnused(dir: string, ms = 60_000): Promise<void> {
  if (!(await until(async () => (await usersOf(dir)).length === 0, ms))) {
    throw new Error(`${dir} still in use after ${ms} ms by:\n${(await usersOf(dir)).join("\n")}`);
  }
  await removeDirWhenFree(dir);
}

/** A port nothing listens on now (the daemons bind it a moment later). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function tail(path: string, chars: number): string {
  try {
    return Deno.readTextFileSync(path).slice(-chars);
  } catch {
    return "(none)";
  }
}

/** Pending reasons and states that no amount of waiting ends: the job will not run by itself. */
const STUCK =
  /held|launch ?failed|ReqNodeNotAvail|NodeDown|PartitionDown|PartitionConfig|BadConstraints|InvalidAccount|DependencyNeverSatisfied|REQUEUE_HOLD|SUSPENDED|STOPPED/i;

/** A one-node cluster of its own in a folder, and its jobs. */
export class Cluster {
  /** SLURM_CONF for the cluster's commands. */
  readonly env: Record<string, string>;

  /**
   * slurmd's spool, where it writes each job's script and executes it: under /var/spool, not
   * the temporary folder, which a machine may mount noexec (a job that cannot start is held).
   */
  private readonly spool = `/var/spool/netsweep-test-${crypto.randomUUID().slice(0, 8)}`;

  private constructor(readonly dir: string, readonly outputs: string) {
    this.env = { SLURM_CONF: `${dir}/slurm.conf` };
  }

  /**
   * Starts a cluster in `dir` (its state, spool and logs); the jobs' output goes to
   * `outputs/task-<array index>.out`. The node is this machine as slurmd sees it (`slurmd -C`),
   * reached on 127.0.0.1 so that no name lookup is needed.
   */
  static async start(dir: string, outputs: string): Promise<Cluster> {
    if ((await run("sh", ["-c", "munge -n | unmunge"])).code !== 0) {
      for (const d of ["/run/munge", "/var/log/munge", "/var/lib/munge"]) {
        Deno.mkdirSync(d, { recursive: true });
      }
      const m = await run("/usr/sbin/munged", ["--force"]);
      const check = await run("sh", ["-c", "munge -n | unmunge"]);
      if (check.code !== 0) throw new Error(`munged did not start: ${m.err}${check.err}`);
    }
    const probe = await run("/usr/sbin/slurmd", ["-C"]);
    const node = /^NodeName=(\S+)(.*?)RealMemory=\d+/m.exec(probe.out);
    if (probe.code !== 0 || !node) throw new Error(`slurmd -C: ${probe.out}${probe.err}`);
    const [host, hardware] = [node[1], node[2].trim()];
    for (const d of ["state", "log"]) Deno.mkdirSync(`${dir}/${d}`, { recursive: true });
    const [port, slurmdPort] = [freePort(), freePort()];
    Deno.writeTextFileSync(
      `${dir}/slurm.conf`,
      [
        "ClusterName=netsweep-test",
        `SlurmctldHost=${host}(127.0.0.1)`,
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        `StateSaveLocation=${dir}/state`,
        "SlurmdSpoolDir=@SPOOL@",
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
        "MinJobAge=3600", // finished jobs stay visible to scontrol, with their exit codes
        "MpiDefault=none",
        "JobCompType=jobcomp/none",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        `NodeName=${host} NodeAddr=127.0.0.1 ${hardware} RealMemory=1000 State=UNKNOWN`,
        `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        "",
      ].join("\n"),
    );
    const cluster = new Cluster(dir, outputs);
    Deno.mkdirSync(cluster.spool, { recursive: true });
    const conf = `${dir}/slurm.conf`;
    Deno.writeTextFileSync(conf, Deno.readTextFileSync(conf).replace("@SPOOL@", cluster.spool));
    try {
      const ctld = await run("/usr/sbin/slurmctld", ["-f", conf]);
      if (ctld.code !== 0) throw new Error(`slurmctld did not start: ${ctld.err}`);
      const slurmd = await run("/usr/sbin/slurmd", ["-f", conf, "-N", host]);
      if (slurmd.code !== 0) throw new Error(`slurmd did not start: ${slurmd.err}`);
      const ready = async () => /^(idle|mix|alloc)$/m.test(await cluster.sinfo("%t"));
      if (!(await until(ready, 120_000))) {
        throw new Error(`the node did not become ready\n${await cluster.account()}`);
      }
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  private async sinfo(format: string): Promise<string> {
    return (await run("sinfo", ["-h", "-N", "-o", format], this.env, 30_000)).out;
  }

  /** Submits `sbatch args...` from `chdir`; the job's id. */
  async submit(chdir: string, args: string[]): Promise<string> {
    const r = await run(
      "sbatch",
      ["--chdir", chdir, "--output", `${this.outputs}/task-%a.out`, ...args],
      this.env,
    );
    const id = /Submitted batch job (\d+)/.exec(r.out)?.[1];
    if (r.code !== 0 || !id) throw new Error(`sbatch failed (${r.code}): ${r.out}${r.err}`);
    return id;
  }

  /**
   * Waits until job `id` (every task of an array) has left the queue, at most `ms`; then, if
   * `completed`, checks that every task completed with exit code 0. A job that SLURM will not
   * run (held, a node down or drained) fails at once; every failure carries the cluster's
   * account of the job.
   */
  async wait(id: string, ms: number, completed = true): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      const q = await run("squeue", ["-h", "-j", id, "-o", "%i %T %r"], this.env, 30_000);
      const nodes = await this.sinfo("%t");
      if (q.code === 0 && q.out.trim() === "") break;
      if (STUCK.test(q.out) || /^(drain|drng|down|fail|inval)/m.test(nodes)) {
        throw new Error(`job ${id} will not run: ${q.out.trim()}\n${await this.account(id)}`);
      }
      if (Date.now() >= deadline) {
        throw new Error(`job ${id} still queued after ${ms} ms\n${await this.account(id)}`);
      }
      await delay(500);
    }
    if (!completed) return;
    const show = await run("scontrol", ["-o", "show", "job", id], this.env, 30_000);
    const tasks = show.out.trim().split("\n").filter((l) => l.startsWith("JobId="));
    const bad = tasks.filter((l) => !/JobState=COMPLETED .*ExitCode=0:0/.test(l));
    if (show.code !== 0 || tasks.length === 0 || bad.length > 0) {
      throw new Error(`job ${id} did not complete\n${await this.account(id)}`);
    }
  }

  /** The cluster's account of job `id` (or of itself), for a failure message. */
  async account(id?: string): Promise<string> {
    const parts: string[] = [];
    if (id) {
      parts.push((await run("squeue", ["-j", id, "-o", "%i %T %r %M"], this.env, 30_000)).out);
      parts.push((await run("scontrol", ["show", "job", id], this.env, 30_000)).out.slice(-3000));
    }
    parts.push(`nodes: ${await this.sinfo("%N %t %E")}`);
    for (const f of ["slurmctld.log", "slurmd.log"]) {
      parts.push(`${f}:\n${tail(`${this.dir}/log/${f}`, 2500)}`);
    }
    try {
      for (const e of Deno.readDirSync(this.outputs)) {
        if (!/^task-.*\.out$/.test(e.name)) continue;
        parts.push(`${e.name}:\n${tail(`${this.outputs}/${e.name}`, 1500)}`);
      }
    } catch { /* no output yet */ }
    // The cluster's processes, and the busiest ones (a process left by another test?).
    const ps = (await run("ps", ["-eo", "pid,stat,etime,pcpu,args", "--sort=-pcpu"], {}, 30_000))
      .out.split("\n").map((l) => l.slice(0, 200));
    parts.push(`processes:\n${ps.slice(0, 12).join("\n")}`);
    parts.push(ps.filter((l) => /slurm|munge/.test(l)).join("\n"));
    return parts.join("\n");
  }

  /**
   * Cancels every job and waits (at most a minute) until none is left, so that no task's sweep
   * goes on writing into the folder about to be removed; then stops the daemons.
   */
  async stop(): Promise<void> {
    await run("scancel", ["--user=root"], this.env, 30_000);
    await until(
      async () => (await run("squeue", ["-h"], this.env, 10_000)).out.trim() === "",
      60_000,
    );
    const pids: number[] = [];
    for (const pid of ["slurmd.pid", "slurmctld.pid"]) {
      try {
        pids.push(Number(Deno.readTextFileSync(`${this.dir}/${pid}`).trim()));
      } catch { /* never started */ }
    }
    for (const pid of pids) signal(pid, "SIGTERM");
    if (!(await until(() => pids.every((p) => !running(p)), 60_000))) {
      for (const pid of pids) signal(pid, "SIGKILL");
      await until(() => pids.every((p) => !running(p)), 60_000);
    }
    try {
      Deno.removeSync(this.spool, { recursive: true });
    } catch { /* a failure to tidy must not hide the test's own */ }
  }
}
