/**
 * Coordination between processes that share a results folder, on one host or several: crash-safe
 * file writes, per-trial claims, locks, heartbeats and temporary files, owned by a host name and
 * a random run id.
 *
 * @module
 */
export { Claims, heartbeatFresh } from "./claims.ts";
export { hostname, ioError, processGone, writeFileAtomic, writeFileAtomicSync } from "./files.ts";
export { withLock } from "./lock.ts";
