/**
 * Who a process is, to the other processes sharing a results folder: a random run id (new at
 * every start, so a reused pid or a restarted host is never mistaken for an old owner), the
 * host's name for people, and a machine key that tells whether two runs share a kernel (and
 * so can see each other's file locks). Worker threads adopt their process's identity.
 *
 * @module
 */

/** One process run. */
export interface RunIdentity {
  /** 16 hex digits, random at each start: what owners, heartbeats and temporary files name. */
  run: string;
  /** The host's name, for messages. */
  host: string;
  /** The host's name and, where readable, its machine id: equal only on one machine. */
  machine: string;
  /** The process id, for messages. */
  pid: number;
}

let current: RunIdentity | null = null;

function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown-host";
  }
}

function machineKey(host: string): string {
  for (const path of ["/etc/machine-id", "/var/lib/dbus/machine-id"]) {
    try {
      const id = Deno.readTextFileSync(path).trim();
      if (/^[0-9a-f]{8,}$/i.test(id)) return `${host}:${id.slice(0, 16)}`;
    } catch { /* not on this system, or not readable */ }
  }
  return host;
}

/**
 * This process's identity, made at first use. The run id comes from the platform's
 * cryptographic generator: it must differ between processes started at the same instant
 * with the same seeds, which no seeded generator guarantees (it decides no result).
 */
export function thisRun(): RunIdentity {
  if (current === null) {
    const bytes = crypto.getRandomValues(new Uint8Array(8));
    const run = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    const host = hostName();
    current = { run, host, machine: machineKey(host), pid: Deno.pid };
  }
  return current;
}

/** A Worker thread takes its process's identity (posted by the main thread). */
export function adoptRun(identity: RunIdentity): void {
  current = identity;
}
