/**
 * Per-trial claims, so that processes running the same sweep into one folder (two runs of the
 * same command, shards, a scheduler's retries) never train a trial twice: `trials/<id>.claim`,
 * created exclusively and naming its owner. A claim is taken over when its owner is gone: a
 * process of this host that no longer exists, or any owner whose heartbeat file
 * (`.alive/<host>-<pid>`, touched every few seconds while it runs) has gone stale.
 *
 * @module
 */
import { join } from "node:path";
import { hostname, ioError, processGone } from "./files.ts";

/** A heartbeat older than this marks its process dead (another host's). */
const STALE_MS = 60_000;
/** How often a running process touches its heartbeat. */
export const HEARTBEAT_MS = 5_000;

interface Owner {
  host: string;
  pid: number;
}

/** Trial records and their claims live in the results directory's `trials/`. */
function recordsDir(dir: string): string {
  return join(dir, "trials");
}

function claimFile(dir: string, id: string): string {
  return join(recordsDir(dir), `${id}.claim`);
}

function aliveFile(dir: string, owner: Owner): string {
  return join(dir, ".alive", `${owner.host}-${owner.pid}`);
}

/**
 * Whether the process `host`:`pid` that runs trials in results directory `dir` is alive, judged
 * by its heartbeat file as another host would (the live view's "running" marks).
 */
export function heartbeatFresh(dir: string, host: string, pid: number): boolean {
  try {
    const beat = Deno.statSync(aliveFile(dir, { host, pid })).mtime?.getTime() ?? 0;
    return Date.now() - beat <= STALE_MS;
  } catch {
    return false;
  }
}

/** This process's claims on one results directory, and its heartbeat. */

export class Claims {
  readonly #dir: string;
  readonly #me: Owner = { host: hostname(), pid: Deno.pid };
  readonly #held = new Set<string>();
  /** This process's claim file content, encoded once. */
  readonly #owner = new TextEncoder().encode(JSON.stringify(this.#me));

  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Starts the heartbeat (call once the directory exists). */
  start(): void {
    const path = aliveFile(this.#dir, this.#me);
    try {
      Deno.mkdirSync(join(this.#dir, ".alive"), { recursive: true });
      Deno.writeTextFileSync(path, JSON.stringify(this.#me));
    } catch (err) {
      throw ioError(path, err);
    }
    this.#timer = setInterval(() => {
      const now = new Date();
      try {
        Deno.utimeSync(path, now, now);
      } catch { /* a beat missed is retried */ }
    }, HEARTBEAT_MS);
    Deno.unrefTimer(this.#timer as unknown as number);
  }

  /** Stops the heartbeat and releases every claim still held. */
  stop(): void {
    clearInterval(this.#timer);
    for (const id of [...this.#held]) this.release(id);
    try {
      Deno.removeSync(aliveFile(this.#dir, this.#me));
    } catch { /* gone already */ }
  }

  /**
   * Claims trial `id`: true when this process now holds it (taking over a dead owner's claim),
   * false when a live process holds it.
   */
  take(id: string): boolean {
    if (this.#held.has(id)) return true;
    const path = claimFile(this.#dir, id);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        let file: Deno.FsFile;
        try {
          file = Deno.openSync(path, { write: true, createNew: true });
        } catch (err) {
          // The directory is made only when missing (a claim per trial, thousands per sweep).
          if (!(err instanceof Deno.errors.NotFound)) throw err;
          Deno.mkdirSync(recordsDir(this.#dir), { recursive: true });
          file = Deno.openSync(path, { write: true, createNew: true });
        }
        file.writeSync(this.#owner);
        file.close();
        this.#held.add(id);
        return true;
      } catch (err) {
        if (!(err instanceof Deno.errors.AlreadyExists)) throw ioError(path, err);
      }
      if (!this.#ownerGone(path)) return false;
      try {
        Deno.removeSync(path); // a dead owner's: take it over
      } catch { /* another process took it first */ }
    }
    return false;
  }

  /** The owner of trial `id`'s claim, if a live process holds it. */
  holder(id: string): string | null {
    const path = claimFile(this.#dir, id);
    try {
      const owner = JSON.parse(Deno.readTextFileSync(path)) as Owner;
      return this.#ownerGone(path) ? null : `${owner.host}:${owner.pid}`;
    } catch {
      return null;
    }
  }

  release(id: string): void {
    this.#held.delete(id);
    try {
      Deno.removeSync(claimFile(this.#dir, id));
    } catch { /* removed already */ }
  }

  #ownerGone(path: string): boolean {
    let owner: Owner;
    try {
      owner = JSON.parse(Deno.readTextFileSync(path));
    } catch {
      // Half-written by its owner this instant, or unreadable: judge by age.
      try {
        return Date.now() - (Deno.statSync(path).mtime?.getTime() ?? 0) > STALE_MS;
      } catch {
        return true;
      }
    }
    if (owner.host === this.#me.host) {
      return owner.pid !== this.#me.pid && processGone(owner.pid);
    }
    try {
      const beat = Deno.statSync(aliveFile(this.#dir, owner)).mtime?.getTime() ?? 0;
      return Date.now() - beat > STALE_MS;
    } catch {
      return true; // no heartbeat at all
    }
  }
}
