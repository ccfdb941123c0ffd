// CPU hogs beside a test: what a user's busy laptop does to timing. Each hog is a separate
// process spinning on one core, so a race that needs a slow moment (a helper thread that falls
// behind, a heartbeat that comes late, a rename that lands between two reads) gets one here
// as it would there. The concurrency and loader tests run once quietly and once with hogs.

/** Hogs for a test: `NETSWEEP_TEST_HOGS` (default 2, one per core of the CI machine). */
export function hogCount(): number {
  const n = Number(Deno.env.get("NETSWEEP_TEST_HOGS") ?? 2);
  return Number.isInteger(n) && n >= 0 ? n : 2;
}

/** Running hogs; `stop()` kills them and waits until they are gone. */
export interface Hogs {
  readonly count: number;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts `count` processes that each keep one core busy until stopped. */
export function startHogs(count = hogCount()): Hogs {
  const children: Deno.ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    children.push(
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "for (;;) {}"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
  }
  let stopped: Promise<void> | null = null;
  const stop = () =>
    stopped ??= Promise.all(children.map(async (c) => {
      try {
        c.kill("SIGKILL");
      } catch { /* gone already */ }
      await c.status;
    })).then(() => {});
  return { count, stop, [Symbol.asyncDispose]: stop };
}

/** Runs `fn` with CPU hogs beside it, stopping them however `fn` ends. */
export async function withHogs<T>(fn: () => T | Promise<T>, count = hogCount()): Promise<T> {
  await using _hogs = startHogs(count);
  return await fn();
}

/**
 * Registers a test twice: as it is, and with CPU hogs beside it (named so in the report).
 * For the tests of concurrency and of the loader.
 */
export function quietAndBusy(
  name: string,
  fn: (t: Deno.TestContext) => void | Promise<void>,
  options: Omit<Deno.TestDefinition, "name" | "fn"> = {},
): void {
  Deno.test({ ...options, name, fn });
  Deno.test({
    ...options,
    name: `${name} (with ${hogCount()} CPU hogs beside it)`,
    fn: (t) => withHogs(() => fn(t)),
  });
}
