/**
 * A lease: one file that says which run owns something (a trial, a folder's lock), taken so
 * that two processes can never both hold it, on one host or several.
 *
 * - Taking a free lease creates its file exclusively (`createNew`): one creator wins.
 * - A lease whose owner is dead (liveness.ts) is taken over in four steps: create a takeover
 *   token exclusively, named after the exact content judged dead (so only one taker per dead
 *   owner gets past this step); read the lease again and give up unless it still holds that
 *   content; remove it; create it anew exclusively. A slow taker that judged the same dead
 *   owner either fails to create the token, or creates it after the first taker removed it and
 *   then finds the lease changed: it can never remove a live owner's lease. A taker that dies
 *   holding a token leaves it to the next, which takes the token of the next generation.
 * - Each lease carries a random nonce, so its holder can check that it still holds this very
 *   lease (a Worker between epochs), not one taken later by the same run.
 *
 * Every step calls `hooks.step`, so tests can interleave two takers deterministically.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { ioError } from "./files.ts";
import { type RunIdentity, thisRun } from "./identity.ts";
import { runAlive, STALE_MS } from "./liveness.ts";

/** What a lease file holds. */
export interface LeaseOwner {
  /** The owning run. */
  run: string;
  /** Its host and pid, for messages. */
  host: string;
  pid: number;
  /** Random per lease taken: the holder checks it is still this lease. */
  nonce: string;
}

/** A point in the takeover protocol, for tests that interleave two takers. */
export type LeaseStep = "judged-dead" | "token" | "checked" | "removed";

/** Test hooks: called synchronously at each step of a takeover. */
export interface LeaseHooks {
  /** Called after each step of a takeover of the lease at `path`. */
  step?(step: LeaseStep, path: string): void;
}

/** How taking a lease went. */
export type Taken =
  | { held: true; owner: LeaseOwner }
  | { held: false; holder: LeaseOwner | null };

/** Generations of takeover tokens tried before giving up (each needs a dead taker). */
const MAX_TOKENS = 16;

const encoder = new TextEncoder();

function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Creates `path` holding `text`; false when it exists. */
function createExclusive(path: string, text: string): boolean {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { write: true, createNew: true });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return false;
    if (err instanceof Deno.errors.NotFound) {
      Deno.mkdirSync(dirname(path), { recursive: true });
      return createExclusive(path, text);
    }
    throw ioError(path, err);
  }
  try {
    const bytes = encoder.encode(text);
    for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
  } catch (err) {
    // A full disk: an empty or partial lease would read as nobody's and block others for
    // the staleness time; it is removed, and the error names it.
    file.close();
    try {
      Deno.removeSync(path);
    } catch { /* gone already */ }
    throw ioError(path, err);
  }
  file.close();
  return true;
}

/** The raw content of a lease or token file, or null when there is none. */
function readRaw(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw ioError(path, err, "cannot read");
  }
}

function parseOwner(raw: string): LeaseOwner | null {
  try {
    const o = JSON.parse(raw);
    return typeof o?.run === "string" && typeof o?.nonce === "string" ? o : null;
  } catch {
    return null;
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* gone already */ }
}

/**
 * Whether the owner in `raw` is dead. A lease half-written by its creator (killed in that
 * instant) has no owner: it is dead once its file is older than a heartbeat's staleness.
 */
function ownerDead(dir: string, path: string, raw: string, me: RunIdentity): boolean {
  const owner = parseOwner(raw);
  if (owner) return owner.run !== me.run && !runAlive(dir, owner.run);
  try {
    return Date.now() - (Deno.statSync(path).mtime?.getTime() ?? 0) > STALE_MS;
  } catch {
    return true;
  }
}

/** The leases of one results folder (`dir` holds the runs' heartbeats). */
export class Leases {
  /** `me` is this run (tests give another identity, to play two runs in one process). */
  constructor(
    readonly dir: string,
    readonly hooks: LeaseHooks = {},
    readonly me: RunIdentity = thisRun(),
  ) {}

  /** Takes the lease at `path`, taking it over from a dead owner. */
  take(path: string): Taken {
    for (let attempt = 0; attempt < 4; attempt++) {
      const me = this.me;
      const owner: LeaseOwner = { run: me.run, host: me.host, pid: me.pid, nonce: newNonce() };
      if (createExclusive(path, JSON.stringify(owner))) return { held: true, owner };
      const raw = readRaw(path);
      if (raw === null) continue; // released meanwhile: try again
      if (!ownerDead(this.dir, path, raw, this.me)) return { held: false, holder: parseOwner(raw) };
      this.hooks.step?.("judged-dead", path);
      const taken = this.#takeOver(path, raw, owner);
      if (taken !== "retry") return taken;
    }
    return { held: false, holder: this.holder(path) };
  }

  /** The takeover protocol (see the module doc) for the lease at `path` holding `raw`. */
  #takeOver(path: string, raw: string, mine: LeaseOwner): Taken | "retry" {
    let token = "";
    const dead: string[] = [];
    for (let k = 0, tries = 0; k < MAX_TOKENS && !token && tries < 4 * MAX_TOKENS; tries++) {
      const candidate = tokenPath(path, raw, k);
      if (createExclusive(candidate, JSON.stringify(mine))) token = candidate;
      else {
        const other = readRaw(candidate);
        if (other === null) continue; // removed meanwhile: this generation is free again
        if (!ownerDead(this.dir, candidate, other, this.me)) {
          return { held: false, holder: parseOwner(raw) }; // a live taker is at it
        }
        dead.push(candidate);
        k++;
      }
    }
    if (!token) return { held: false, holder: parseOwner(raw) };
    this.hooks.step?.("token", path);
    try {
      if (readRaw(path) !== raw) return "retry"; // taken over (or released) already
      this.hooks.step?.("checked", path);
      removeQuietly(path);
      this.hooks.step?.("removed", path);
      return createExclusive(path, JSON.stringify(mine))
        ? { held: true, owner: mine }
        : { held: false, holder: this.holder(path) };
    } finally {
      removeQuietly(token);
      for (const d of dead) removeQuietly(d);
    }
  }

  /** The owner of the lease at `path`, if a live run holds it. */
  holder(path: string): LeaseOwner | null {
    const raw = readRaw(path);
    if (raw === null) return null;
    return ownerDead(this.dir, path, raw, this.me) ? null : parseOwner(raw);
  }

  /**
   * Whether the lease at `path` has no owner written yet and is not stale: its creator is
   * writing it this instant, or was killed in that instant (a kill -9 between creating the
   * file and writing into it). Asked again later it is settled: owned, or stale and so dead.
   */
  unsettled(path: string): boolean {
    const raw = readRaw(path);
    return raw !== null && parseOwner(raw) === null && !ownerDead(this.dir, path, raw, this.me);
  }

  /** Gives up the lease at `path` if it is still `owner`'s. */
  release(path: string, owner: LeaseOwner): void {
    const raw = readRaw(path);
    if (raw !== null && parseOwner(raw)?.nonce === owner.nonce) removeQuietly(path);
  }
}

/** Where the k-th takeover token of the lease at `path`, judged dead holding `raw`, goes. */
export function tokenPath(path: string, raw: string, k: number): string {
  const tag = createHash("sha256").update(raw).digest("hex").slice(0, 16);
  return `${path}.takeover-${tag}-${k}`;
}

/** True when the lease at `path` is still the one with `nonce` (its holder checking). */
export function stillHeld(path: string, nonce: string): boolean {
  try {
    return parseOwner(Deno.readTextFileSync(path))?.nonce === nonce;
  } catch {
    return false;
  }
}
