/**
 * One run's part in a results folder shared with other processes: its heartbeat (so others
 * know it is alive), its claims on trials, the lock of the derived files, and the clean-up of
 * what dead runs left. Open one per folder a process writes into; close it when done.
 *
 * @module
 */
import { Claims } from "./claims.ts";
import { removeLeftovers } from "./cleanup.ts";
import { type RunIdentity, thisRun } from "./identity.ts";
import { type LeaseHooks, Leases } from "./lease.ts";
import { Heartbeat } from "./liveness.ts";
import { withLock } from "./lock.ts";

/** This run's coordination in one results folder. */
export class Coordinator {
  /** This run. */
  readonly me: RunIdentity = thisRun();
  /** Its claims on the folder's trials. */
  readonly claims: Claims;
  readonly #leases: Leases;
  readonly #heartbeat: Heartbeat;

  private constructor(readonly dir: string, hooks: LeaseHooks) {
    this.#heartbeat = Heartbeat.start(dir, this.me);
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

  /** Releases every claim, removes what dead runs left, and ends the heartbeat. */
  close(): void {
    this.claims.releaseAll();
    try {
      this.cleanUp();
    } finally {
      this.#heartbeat.stop();
    }
  }
}
