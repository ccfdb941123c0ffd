/**
 * One run's part in a results folder shared with other processes: its heartbeat (so others
 * know it is alive), its claims on trials, the lock of the derived files, and the clean-up of
 * what dead runs left. Open one per folder a process writes into; close it when done.
 *
 * @module
 */
import { resolve } from "node:path";
import { Claims } from "./claims.ts";
import { removeLeftovers } from "./cleanup.ts";
import { type RunIdentity, thisRun } from "./identity.ts";
import { type LeaseHooks, Leases } from "./lease.ts";
import { Heartbeat } from "./liveness.ts";
import { withLock } from "./lock.ts";

/**
 * The heartbeats of this process, by folder, with the coordinators that use each: two sweeps
 * of one notebook into one folder share this run's heartbeat (one file, `.alive/<run>`), which
 * must live until both are done.
 */
const beats = new Map<string, { heartbeat: Heartbeat; users: number }>();

/** This run's coordination in one results folder. */
export class Coordinator {
  /** This run. */
  readonly me: RunIdentity = thisRun();
  /** Its claims on the folder's trials. */
  readonly claims: Claims;
  readonly #leases: Leases;
  readonly #key: string;
  #closed = false;

  private constructor(readonly dir: string, hooks: LeaseHooks) {
    this.#key = `${resolve(dir)} ${this.me.run}`;
    const beat = beats.get(this.#key);
    if (beat) beat.users++;
    else beats.set(this.#key, { heartbeat: Heartbeat.start(dir, this.me), users: 1 });
    this.#leases = new Leases(dir, hooks);
    this.claims = new Claims(dir, hooks);
  }

  /** Starts this run's heartbeat in `dir` (which must exist). */
  static open(dir: string, hooks: LeaseHooks = {}): Coordinator {
    return new Coordinator(dir, hooks);
  }

  /** Runs `fn` holding the lock of the folder's derived files (CSV, zarr). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withLock(this.#leases, fn);
  }

  /** Removes what dead runs (and this one's cut-short writes) left; returns the paths. */
  cleanUp(): string[] {
    return removeLeftovers(this.dir);
  }

  /**
   * Releases every claim, removes what dead runs left, and ends the heartbeat. The heartbeat and
   * this run's own temporaries go only with the last coordinator of the folder in this process:
   * another one (a second sweep into the folder) may still be writing.
   */
  close(): void {
    this.claims.releaseAll();
    if (this.#closed) return;
    this.#closed = true;
    const beat = beats.get(this.#key)!;
    const last = --beat.users === 0;
    if (last) beats.delete(this.#key);
    try {
      removeLeftovers(this.dir, Date.now(), last);
    } finally {
      if (last) beat.heartbeat.stop();
    }
  }
}
