// Crash-safe file writes: write a temporary file beside the target, then rename it over the
// target, so a reader (or a process killed mid-write) never sees half a file. A failed write
// removes its temporary file and becomes one NetsweepError naming the path and the problem.
import { dirname } from "node:path";
import { NetsweepError } from "../core/mod.ts";

let counter = 0;

/** A NetsweepError for a failed write or read of `path`. */
export function ioError(path: string, err: unknown, doing = "cannot write"): NetsweepError {
  if (err instanceof NetsweepError) return err;
  const e = err as Error & { code?: string };
  const why = e instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : e.code === "ENOSPC" || /No space left/i.test(e.message)
    ? "no space left on the device"
    : e instanceof Deno.errors.IsADirectory || e.code === "EISDIR"
    ? "a directory is in the way"
    : e instanceof Deno.errors.NotADirectory || e.code === "ENOTDIR"
    ? "a file is in the way of its directory"
    : e.code === "EROFS" || /read-only file system/i.test(e.message)
    ? "read-only file system"
    : (e.message ?? String(err)).split("\n")[0];
  return new NetsweepError(path, `${doing} (${why})`, { cause: err });
}

/** Writes `data` to `path` atomically, creating parent directories. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.${Deno.pid}.${counter++}.tmp`;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw ioError(path, err);
  }
}

/** {@linkcode writeFileAtomic} for synchronous callers (a worker between epochs). */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.${Deno.pid}.${counter++}.tmp`;
  const write = () => {
    if (typeof data === "string") Deno.writeTextFileSync(tmp, data);
    else Deno.writeFileSync(tmp, data);
  };
  try {
    try {
      write();
    } catch (err) {
      // The directory is made only when missing: a sweep writes thousands of records.
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      Deno.mkdirSync(dirname(path), { recursive: true });
      write();
    }
    Deno.renameSync(tmp, path);
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created */ }
    throw ioError(path, err);
  }
}

/** This machine's name (for lock and claim owners). */
export function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

/** True when process `pid` of this host is gone or a zombie (Linux; elsewhere, never). */
export function processGone(pid: number): boolean {
  if (!Deno.build.os.startsWith("linux")) return false;
  try {
    // The state is the field after the parenthesised command name: `Z` for a dead process
    // that its parent has not reaped yet.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return true;
  }
}
