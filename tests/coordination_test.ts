// Coordination between processes, shown with deterministic interleavings: two takers of one
// dead claim stopped at each step of the takeover protocol while the other runs all of its
// steps, a taker that dies holding its token, a heartbeat that stops, a process killed with
// SIGKILL, temporary files of live and dead runs on this machine and others.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { existsSync } from "node:fs";
import { tempDir } from "./_testdata.ts";
import {
  aliveFile,
  claimFile,
  Claims,
  Heartbeat,
  Leases,
  type LeaseStep,
  LONG_DEAD_MS,
  removeLeftovers,
  runAlive,
  type RunIdentity,
  STALE_MS,
  thisRun,
  tokenPath,
} from "../src/coordination/mod.ts";

/** Another run of this machine, alive while its heartbeat runs (this process holds its lock). */
function otherRun(dir: string, name: string): { id: RunIdentity; beat: Heartbeat } {
  const me = thisRun();
  const id = { ...me, run: name.padStart(16, "0") };
  return { id, beat: Heartbeat.start(dir, id) };
}

/** A lease file whose owner is a run that no longer exists. */
function deadLease(path: string): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  Deno.writeTextFileSync(
    path,
    JSON.stringify({ run: "00000000000dead0", host: "gone", pid: 1, nonce: "n0" }),
  );
}

const holder = (path: string) => JSON.parse(Deno.readTextFileSync(path)).run as string;

Deno.test("two takers of one dead claim: whatever step one is stopped at, one wins", async (t) => {
  for (const step of ["judged-dead", "token", "checked", "removed"] as LeaseStep[]) {
    await t.step(`A stopped after '${step}' while B takes over`, () => {
      using dir = tempDir();
      const a = otherRun(dir.path, "a");
      const b = otherRun(dir.path, "b");
      try {
        const path = claimFile(dir.path, "trial");
        deadLease(path);
        let bTook: boolean | null = null;
        const leasesB = new Leases(dir.path, {}, b.id);
        const leasesA = new Leases(dir.path, {
          step(s) {
            if (s === step && bTook === null) bTook = leasesB.take(path).held;
          },
        }, a.id);
        const aTook = leasesA.take(path).held;
        assert(bTook !== null, `the hook ran at '${step}'`);
        assertEquals([aTook, bTook].filter(Boolean).length, 1, `A ${aTook}, B ${bTook}`);
        assertEquals(holder(path), aTook ? a.id.run : b.id.run);
        // Nothing left behind: no takeover token.
        const left = [...Deno.readDirSync(`${dir.path}/trials`)].map((e) => e.name);
        assertEquals(left, ["trial.claim"]);
      } finally {
        a.beat.stop();
        b.beat.stop();
      }
    });
  }
});

Deno.test("a taker that died holding its token does not block the next", () => {
  using dir = tempDir();
  const b = otherRun(dir.path, "b");
  try {
    const path = claimFile(dir.path, "trial");
    deadLease(path);
    // A taker killed after it created its token: the token names a run with no heartbeat.
    const token = tokenPath(path, Deno.readTextFileSync(path), 0);
    Deno.writeTextFileSync(
      token,
      JSON.stringify({ run: "00000000000dead1", host: "gone", pid: 2, nonce: "t" }),
    );
    assert(new Leases(dir.path, {}, b.id).take(path).held);
    assertEquals(holder(path), b.id.run);
    assertEquals([...Deno.readDirSync(`${dir.path}/trials`)].map((e) => e.name), ["trial.claim"]);
  } finally {
    b.beat.stop();
  }
});

Deno.test("a live taker's token makes the others wait", () => {
  using dir = tempDir();
  const a = otherRun(dir.path, "a");
  const b = otherRun(dir.path, "b");
  try {
    const path = claimFile(dir.path, "trial");
    deadLease(path);
    const token = tokenPath(path, Deno.readTextFileSync(path), 0);
    Deno.writeTextFileSync(token, JSON.stringify({ ...a.id, nonce: "t" }));
    const took = new Leases(dir.path, {}, b.id).take(path);
    assert(!took.held, "B waits for A's takeover");
    assertEquals(holder(path), "00000000000dead0", "the claim is left as it was");
  } finally {
    a.beat.stop();
    b.beat.stop();
  }
});

Deno.test("liveness: a lock held for the run's life here, a heartbeat that stops elsewhere", async (t) => {
  using dir = tempDir();
  await t.step("a run of this machine killed with SIGKILL is dead at once", async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { Heartbeat, thisRun } from "${
          new URL("../src/coordination/mod.ts", import.meta.url).href
        }";
         Heartbeat.start(${JSON.stringify(dir.path)});
         console.log(thisRun().run);
         setInterval(() => {}, 1000);`,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = child.stdout.getReader();
    const { value } = await reader.read();
    const run = new TextDecoder().decode(value).trim();
    assert(runAlive(dir.path, run), "alive while it runs");
    child.kill("SIGKILL");
    await child.status;
    reader.releaseLock();
    await child.stdout.cancel();
    assert(!runAlive(dir.path, run), "dead once killed, without waiting for its heartbeat");
  });
  await t.step("another machine's run: dead once its heartbeat has not moved for a while", () => {
    const run = "0000000000000ab1";
    Deno.mkdirSync(`${dir.path}/.alive`, { recursive: true });
    const path = aliveFile(dir.path, run);
    Deno.writeTextFileSync(path, JSON.stringify({ run, host: "far", machine: "far:1", pid: 9 }));
    const t0 = Date.now();
    assert(runAlive(dir.path, run, t0), "alive at first sight");
    assert(runAlive(dir.path, run, t0 + STALE_MS - 1), "alive within the staleness");
    assert(!runAlive(dir.path, run, t0 + STALE_MS + 1), "dead once it stopped for longer");
    // It beats again: alive.
    const later = new Date(t0 + 5_000);
    Deno.utimeSync(path, later, later);
    assert(runAlive(dir.path, run, t0 + STALE_MS + 2), "alive when its heartbeat moved");
  });
  await t.step("a heartbeat long stopped is dead at first sight, whatever the clocks", () => {
    const run = "0000000000000ab2";
    const path = aliveFile(dir.path, run);
    Deno.writeTextFileSync(path, JSON.stringify({ run, host: "far", machine: "far:1", pid: 9 }));
    const old = new Date(Date.now() - LONG_DEAD_MS - 1000);
    Deno.utimeSync(path, old, old);
    assert(!runAlive(dir.path, run));
  });
  await t.step("no heartbeat file: the run has ended", () => {
    assert(!runAlive(dir.path, "0000000000000ab3"));
  });
});

Deno.test("clean-up removes dead runs' temporaries only, on this machine and others", () => {
  using dir = tempDir();
  const live = otherRun(dir.path, "1ive");
  try {
    Deno.mkdirSync(`${dir.path}/trials`);
    const old = new Date(Date.now() - 120_000);
    const write = (name: string) => {
      Deno.writeTextFileSync(`${dir.path}/trials/${name}`, "x");
      Deno.utimeSync(`${dir.path}/trials/${name}`, old, old);
    };
    // A live run of another machine (its heartbeat fresh), a live run of this one, a dead one.
    const far = "00000000000000f1";
    Deno.writeTextFileSync(
      aliveFile(dir.path, far),
      JSON.stringify({ run: far, host: "far", machine: "far:1", pid: 3 }),
    );
    write(`a.jsonl.${far}.0.tmp`);
    write(`b.jsonl.${live.id.run}.0.tmp`);
    write(`c.jsonl.00000000000000d1.0.tmp`);
    write(`d.jsonl.${thisRun().run}.4.tmp`);
    Deno.writeTextFileSync(`${dir.path}/trials/e.jsonl.00000000000000d2.0.tmp`, "fresh");
    // A run of this machine killed a moment ago: its heartbeat is there, its lock free. What it
    // left goes at once (a resume right after a kill -9 leaves nothing behind).
    const killed = "00000000000000d3";
    Deno.writeTextFileSync(
      aliveFile(dir.path, killed),
      JSON.stringify({ ...thisRun(), run: killed, pid: 1 }),
    );
    Deno.writeTextFileSync(`${dir.path}/trials/f.ckpt.${killed}.0.tmp`, "fresh");
    const removed = removeLeftovers(dir.path).map((p) => p.slice(p.lastIndexOf("/") + 1));
    assertEquals(removed.sort(), [
      killed,
      "c.jsonl.00000000000000d1.0.tmp",
      `d.jsonl.${thisRun().run}.4.tmp`,
      `f.ckpt.${killed}.0.tmp`,
    ]);
  } finally {
    live.beat.stop();
  }
});

Deno.test("a full disk while taking a lease: one line naming it, no empty lease left", () => {
  // A small tmpfs, filled: needs root (mount); elsewhere the test says so and passes.
  const mnt = Deno.makeTempDirSync({ prefix: "netsweep-full-" });
  const mount = new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt],
    stderr: "null",
  }).outputSync();
  if (!mount.success) {
    console.log("skipped: cannot mount a tmpfs here (needs root)");
    Deno.removeSync(mnt);
    return;
  }
  try {
    Deno.mkdirSync(`${mnt}/claims`);
    // Fill the disk, leaving no room for a lease's bytes.
    const filler = Deno.openSync(`${mnt}/filler`, { write: true, create: true });
    try {
      const block = new Uint8Array(4096);
      for (;;) filler.writeSync(block);
    } catch {
      /* full */
    } finally {
      filler.close();
    }
    const path = `${mnt}/claims/t1`;
    let message = "";
    try {
      new Leases(mnt).take(path);
    } catch (err) {
      message = (err as Error).message;
    }
    assertMatch(message, new RegExp(`^${path}: .*(space|full)`, "i"));
    assert(!existsSync(path), "the empty lease was removed");
  } finally {
    new Deno.Command("umount", { args: [mnt] }).outputSync();
    Deno.removeSync(mnt, { recursive: true });
  }
});

Deno.test("an empty claim (its creator killed before writing into it) is asked again, then taken once stale", () => {
  using dir = tempDir();
  const path = claimFile(dir.path, "trial");
  Deno.mkdirSync(`${dir.path}/trials`, { recursive: true });
  Deno.writeTextFileSync(path, "");
  const claims = new Claims(dir.path);
  try {
    // Fresh, it may be a creator writing it this instant: not taken, but a sweep must ask
    // again before it ends (a resumed sweep ended with that trial never run).
    assertEquals(claims.take("trial"), false);
    assert(claims.holderUnsure("trial"));
    // Older than the staleness time, nobody is writing it: settled, and taken.
    const old = new Date(Date.now() - STALE_MS - 1000);
    Deno.utimeSync(path, old, old);
    assertEquals(claims.holderUnsure("trial"), false);
    assert(claims.take("trial"));
    assertEquals(holder(path), thisRun().run);
  } finally {
    claims.releaseAll();
  }
});
