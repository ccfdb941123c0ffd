/**
 * Leftovers of runs that are gone (killed, or on a host that died): their temporary files,
 * heartbeat files and takeover tokens. Only a dead run's leftovers are removed: at once when
 * the run is proven dead (this machine's run whose lock is free), else once they are a minute
 * old, so a process writing without a heartbeat (a notebook saving a report) never loses a
 * write it is making.
 *
 * @module
 */
import { join } from "node:path";
import { tempOwner } from "./files.ts";
import { thisRun } from "./identity.ts";
import { aliveFile, runAlive, runProvenDead } from "./liveness.ts";

/** Leftovers younger than this are kept whatever their owner. */
const MIN_AGE_MS = 60_000;

function entries(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch {
    return [];
  }
}

function age(path: string, now: number): number {
  try {
    return now - (Deno.statSync(path).mtime?.getTime() ?? now);
  } catch {
    return 0;
  }
}

/**
 * Removes what dead runs left in results folder `dir` (and its `trials/` and `experiments/`),
 * and, with `own`, this run's own temporaries (a write cut short). Returns the paths removed.
 */
export function removeLeftovers(dir: string, now = Date.now(), own = true): string[] {
  const me = thisRun().run;
  const removed: string[] = [];
  const proven = new Map<string, boolean>();
  const gone = (run: string) => {
    if (!proven.has(run)) proven.set(run, runProvenDead(dir, run));
    return proven.get(run)!;
  };
  const remove = (path: string, recursive = false) => {
    try {
      Deno.removeSync(path, { recursive });
      removed.push(path);
    } catch { /* removed by another process meanwhile */ }
  };
  for (const sub of [dir, join(dir, "trials"), join(dir, "experiments")]) {
    for (const e of entries(sub)) {
      const path = join(sub, e.name);
      const run = tempOwner(e.name) ?? /\.(?:building|old)-([0-9a-f]{16})$/.exec(e.name)?.[1];
      if (run === undefined || run === null) continue;
      if (run === me ? own : gone(run) || !runAlive(dir, run, now) && age(path, now) > MIN_AGE_MS) {
        remove(path, e.isDirectory);
      }
    }
  }
  // Heartbeats of dead runs: their lock is free, or their time stopped long ago.
  for (const e of entries(join(dir, ".alive"))) {
    if (
      e.name !== me &&
      (gone(e.name) || !runAlive(dir, e.name, now) && age(aliveFile(dir, e.name), now) > MIN_AGE_MS)
    ) {
      remove(aliveFile(dir, e.name));
    }
  }
  return removed;
}
