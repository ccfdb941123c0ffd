// Freezing a child process, so that a test judges what it had done at one instant: a loaded
// machine can stall the test's own polling loop while the child goes on.

/** True when every thread of process `pid` is stopped (SIGSTOP), or the process is gone. */
function stopped(pid: number): boolean {
  try {
    for (const task of Deno.readDirSync(`/proc/${pid}/task`)) {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${task.name}/stat`);
      const state = stat.slice(stat.lastIndexOf(")") + 2)[0];
      if (state !== "T" && state !== "t") return false;
    }
  } catch { /* gone */ }
  return true;
}

/**
 * Stops process `pid` (SIGSTOP) and resolves once every thread of it is stopped: from then on
 * it writes nothing until resumed (SIGCONT) or killed.
 */
export async function freeze(pid: number, ms = 60_000): Promise<void> {
  Deno.kill(pid, "SIGSTOP");
  const deadline = Date.now() + ms;
  while (!stopped(pid)) {
    if (Date.now() >= deadline) throw new Error(`process ${pid} did not stop within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
