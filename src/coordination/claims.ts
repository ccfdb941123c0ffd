/**
 * Per-trial claims, so that processes running the same sweep into one folder (two runs of the
 * same command, shards, a scheduler's retries) never train a trial at the same time:
 * `trials/<id>.claim`, a lease (lease.ts) taken before a trial is handed to a worker and
 * released when its outcome is written. The worker checks between epochs that it still holds
 * the very claim it was given ({@linkcode claimStillHeld}), and stops if not.
 *
 * @module
 */
import { join } from "node:path";
import { type LeaseHooks, type LeaseOwner, Leases, stillHeld } from "./lease.ts";
import { runUnsure } from "./liveness.ts";

/** Trial `id`'s claim file in results folder `dir`. */
export function claimFile(dir: string, id: string): string {
  return join(dir, "trials", `${id}.claim`);
}

/** True while trial `id`'s claim is still the one with `nonce` (a worker checking). */
export function claimStillHeld(dir: string, id: string, nonce: string): boolean {
  return stillHeld(claimFile(dir, id), nonce);
}

/** This run's claims on one results folder. */
export class Claims {
  readonly #held = new Map<string, LeaseOwner>();
  readonly #leases: Leases;

  constructor(readonly dir: string, hooks: LeaseHooks = {}) {
    this.#leases = new Leases(dir, hooks);
  }

  /** Claims trial `id`: true when this run now holds it (taken over from a dead owner). */
  take(id: string): boolean {
    if (this.#held.has(id)) return true;
    const taken = this.#leases.take(claimFile(this.dir, id));
    if (taken.held) this.#held.set(id, taken.owner);
    return taken.held;
  }

  /** The nonce of this run's claim on `id` (what its worker checks), if held. */
  nonce(id: string): string | undefined {
    return this.#held.get(id)?.nonce;
  }

  /** `host:pid` of the live run that holds trial `id`, if another does. */
  holder(id: string): string | null {
    const owner = this.#leases.holder(claimFile(this.dir, id));
    return owner ? `${owner.host}:${owner.pid}` : null;
  }

  /**
   * Whether trial `id`'s claim may yet turn out to be a dead run's, so that a sweep should ask
   * again before it ends: another machine's run holds it but is alive only by presumption (see
   * {@linkcode runUnsure}), or the claim has no owner written yet (its creator was killed
   * between creating the file and writing into it, or is writing it now). Without the second,
   * a sweep resumed right after a kill -9 in that instant ended with that trial never run.
   */
  holderUnsure(id: string): boolean {
    const path = claimFile(this.dir, id);
    if (this.#leases.unsettled(path)) return true;
    const owner = this.#leases.holder(path);
    return owner !== null && runUnsure(this.dir, owner.run);
  }

  /** Releases the claim on `id` (if this run still holds it). */
  release(id: string): void {
    const owner = this.#held.get(id);
    if (!owner) return;
    this.#held.delete(id);
    this.#leases.release(claimFile(this.dir, id), owner);
  }

  /** Releases every claim this run holds. */
  releaseAll(): void {
    for (const id of [...this.#held.keys()]) this.release(id);
  }
}
