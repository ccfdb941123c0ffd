/**
 * Whether a run is alive, as any other process sharing its results folder can tell, on any
 * host and OS, without /proc or pids. Each run keeps `<folder>/.alive/<run>` (its identity)
 * while it works: it holds an exclusive lock on the file, which the OS drops the moment the
 * process dies (kill -9 included), and touches its time every {@linkcode HEARTBEAT_MS}.
 *
 * - A run of this machine is alive exactly while its lock is held: an immediate answer.
 * - A run of another machine (whose locks this one may not see) is dead once its heartbeat
 *   has not moved for {@linkcode STALE_MS} of this process's own clock (so clocks that
 *   disagree between hosts do not matter), or at first sight when it is older than
 *   {@linkcode LONG_DEAD_MS}, which no clock skew explains.
 * - No file: the run has ended (or never was).
 *
 * @module
 */
import { join } from "node:path";
import { ioError } from "./files.ts";
import { type RunIdentity, thisRun } from "./identity.ts";

/** How often a run touches its heartbeat. */
export const HEARTBEAT_MS = 2_000;
/** A heartbeat of another machine that has not moved for this long is a dead run's. */
export const STALE_MS = 30_000;
/** A heartbeat this old at first sight is a dead run's, whatever the clocks. */
export const LONG_DEAD_MS = 10 * 60_000;

/** A run's heartbeat file in a results folder. */
export function aliveFile(dir: string, run: string): string {
  return join(dir, ".alive", run);
}

/** This run's heartbeat in one results folder: started once the folder exists. */
export class Heartbeat {
  readonly #file: Deno.FsFile;
  readonly #path: string;
  readonly #timer: ReturnType<typeof setInterval>;

  private constructor(path: string, file: Deno.FsFile) {
    this.#path = path;
    this.#file = file;
    this.#timer = setInterval(() => {
      const now = new Date();
      try {
        this.#file.utimeSync(now, now);
      } catch { /* a beat missed is retried */ }
    }, HEARTBEAT_MS);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  /** Creates `.alive/<run>` holding this run's identity, locked while the run lives. */
  static start(dir: string, me: RunIdentity = thisRun()): Heartbeat {
    const path = aliveFile(dir, me.run);
    try {
      Deno.mkdirSync(join(dir, ".alive"), { recursive: true });
      const file = Deno.openSync(path, { read: true, write: true, create: true });
      // Exclusive and held for the run's life: another process of this machine that can take
      // it knows this run is gone. (A file system without locks leaves the heartbeat alone.)
      try {
        file.tryLockSync(true);
      } catch { /* no locks here: other processes judge by the heartbeat */ }
      file.truncateSync(0);
      file.writeSync(new TextEncoder().encode(JSON.stringify(me)));
      return new Heartbeat(path, file);
    } catch (err) {
      throw ioError(path, err);
    }
  }

  /** Ends the heartbeat: the run is over. */
  stop(): void {
    clearInterval(this.#timer);
    try {
      Deno.removeSync(this.#path);
    } catch { /* removed already */ }
    try {
      this.#file.close(); // releases the lock
    } catch { /* closed already */ }
  }
}

/**
 * Heartbeats of other machines' runs as this process last saw them: the time, when this
 * process saw it, and whether it has seen it move.
 */
const seen = new Map<string, { mtime: number; at: number; moved: boolean }>();

/** The identity in a run's heartbeat file, or null when there is none (the run has ended). */
export function runIdentity(dir: string, run: string): RunIdentity | null {
  try {
    return JSON.parse(Deno.readTextFileSync(aliveFile(dir, run))) as RunIdentity;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    // Being written this instant (created, not yet filled): a live run's.
    return { run, host: "?", machine: "?", pid: 0 };
  }
}

/** Whether run `run`, which works in results folder `dir`, is alive (see the module doc). */
export function runAlive(dir: string, run: string, now = Date.now()): boolean {
  const me = thisRun();
  if (run === me.run) return true;
  const path = aliveFile(dir, run);
  const who = runIdentity(dir, run);
  if (who === null) return false;
  if (who.machine === me.machine) {
    const held = lockHeld(path);
    if (held !== null) return held;
  }
  let mtime: number;
  try {
    mtime = Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch {
    return false; // ended between the read and the stat
  }
  if (now - mtime > LONG_DEAD_MS) return false;
  const last = seen.get(run);
  if (!last || last.mtime !== mtime) {
    seen.set(run, { mtime, at: now, moved: last !== undefined });
    return true;
  }
  return now - last.at <= STALE_MS;
}

/**
 * Whether run `run` is alive only by presumption: another machine's run that this process has
 * judged alive without yet seeing its heartbeat move (it may have died just before). Asked
 * again after a heartbeat or two, {@linkcode runAlive} settles it: it moved (alive) or, after
 * {@linkcode STALE_MS}, it did not (dead).
 */
export function runUnsure(dir: string, run: string, now = Date.now()): boolean {
  const last = seen.get(run);
  if (!last || last.moved) return false;
  return runAlive(dir, run, now) && !seen.get(run)!.moved;
}

/**
 * Whether run `run` is known to be dead, not only presumed: its heartbeat names this machine
 * and nobody holds its lock (the process that held it for its whole life is gone). What such a
 * run left can be removed at once; a run presumed dead for other reasons (another machine's
 * stopped heartbeat, no heartbeat at all) may be a slow writer, so its files are given time.
 */
export function runProvenDead(dir: string, run: string): boolean {
  if (run === thisRun().run) return false;
  const who = runIdentity(dir, run);
  return who !== null && who.machine === thisRun().machine &&
    lockHeld(aliveFile(dir, run)) === false;
}

/** Whether another process holds the lock on `path`; null where locks cannot tell. */
function lockHeld(path: string): boolean | null {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true });
  } catch (err) {
    return err instanceof Deno.errors.NotFound ? false : null;
  }
  try {
    const free = file.tryLockSync(true);
    if (free) file.unlockSync();
    return !free;
  } catch {
    return null;
  } finally {
    file.close();
  }
}
