/**
 * The lock of a results folder's derived files (the CSV files and the zarr store, rebuilt by
 * whichever process gets there): a lease (lease.ts) at `<folder>/.derived.lock`, waited for
 * while a live run holds it, taken over from a dead one.
 *
 * @module
 */
import { join } from "node:path";
import type { Leases } from "./lease.ts";

/** Runs `fn` holding the lock of the derived files of the folder `leases` serves. */
export async function withLock<T>(leases: Leases, fn: () => Promise<T>): Promise<T> {
  const path = join(leases.dir, ".derived.lock");
  for (let attempt = 0;; attempt++) {
    const taken = leases.take(path);
    if (taken.held) {
      try {
        return await fn();
      } finally {
        leases.release(path, taken.owner);
      }
    }
    await new Promise((r) => setTimeout(r, Math.min(200, 10 + attempt * 10)));
  }
}
