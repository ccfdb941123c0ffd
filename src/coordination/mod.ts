/**
 * Coordination between processes that share a results folder, on one host or several: crash-safe
 * file writes, per-trial claims, locks, heartbeats and temporary files, owned by a host name and
 * a random run id.
 *
 * @module
 */
export { claimFile, Claims, claimStillHeld } from "./claims.ts";
export { removeLeftovers } from "./cleanup.ts";
export { Coordinator } from "./coordinator.ts";
export {
  ioError,
  syncDirectory,
  tempOwner,
  tempPath,
  writeFileAtomic,
  writeFileAtomicSync,
  type WriteOptions,
} from "./files.ts";
export { adoptRun, type RunIdentity, thisRun } from "./identity.ts";
export {
  type LeaseHooks,
  type LeaseOwner,
  Leases,
  type LeaseStep,
  stillHeld,
  type Taken,
  tokenPath,
} from "./lease.ts";
export {
  aliveFile,
  Heartbeat,
  HEARTBEAT_MS,
  LONG_DEAD_MS,
  runAlive,
  runIdentity,
  runUnsure,
  STALE_MS,
} from "./liveness.ts";
export { withLock } from "./lock.ts";
