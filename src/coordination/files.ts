/**
 * Crash-safe file writes: a temporary file beside the target, renamed over it, so a reader (or
 * a process killed mid-write) never sees half a file. Temporary names carry the writer's run
 * id (`<name>.<run>.<n>.tmp`), so a clean-up removes only the temporaries of runs that are
 * gone, on any host. A `durable` write also reaches the disk (fsync of the file, then of its
 * folder) before it returns. A failed write removes its temporary file and becomes one
 * NetsweepError naming the path and the problem.
 *
 * @module
 */
import { dirname } from "node:path";
import { NetsweepError } from "../core/mod.ts";
import { thisRun } from "./identity.ts";

let counter = 0;

/** A NetsweepError for a failed write or read of `path`. */
export function ioError(path: string, err: unknown, doing = "cannot write"): NetsweepError {
  if (err instanceof NetsweepError) return err;
  const e = err as Error & { code?: string };
  const why = e instanceof Deno.errors.NotCapable
    ? `refused: ${path} is a device or system path, which netsweep does not use; give a regular file or folder`
    : e instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : e.code === "ENOSPC" || /No space left/i.test(e.message)
    ? "no space left on the device"
    : e instanceof Deno.errors.IsADirectory || e.code === "EISDIR"
    ? "a directory is in the way"
    : e instanceof Deno.errors.NotADirectory || e.code === "ENOTDIR"
    ? "a file is in the way of its directory"
    : e.code === "EROFS" || /read-only file system/i.test(e.message)
    ? "read-only file system"
    : (e.message ?? String(err)).split("\n")[0].replace(/, run again with.*$/, "");
  return new NetsweepError(path, `${doing} (${why})`, { cause: err });
}

/** A fresh temporary name beside `path`, naming this run. */
export function tempPath(path: string): string {
  return `${path}.${thisRun().run}.${counter++}.tmp`;
}

/** The run id in a temporary file's name, or null when it is not one. */
export function tempOwner(name: string): string | null {
  return /\.([0-9a-f]{16})\.\d+\.tmp$/.exec(name)?.[1] ?? null;
}

/** How a write reaches the disk. */
export interface WriteOptions {
  /** fsync the file before the rename and the folder after it (survives a power cut). */
  durable?: boolean;
}

/** Writes `data` to `path` atomically, creating parent directories. */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  options: WriteOptions = {},
): Promise<void> {
  const tmp = tempPath(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    using file = await Deno.open(tmp, { write: true, createNew: true });
    for (let done = 0; done < bytes.length;) done += await file.write(bytes.subarray(done));
    if (options.durable) await file.syncData();
    await Deno.rename(tmp, path);
    if (options.durable) syncDirectory(dirname(path));
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw ioError(path, err);
  }
}

/** {@linkcode writeFileAtomic} for synchronous callers (a worker between epochs). */
export function writeFileAtomicSync(
  path: string,
  data: Uint8Array | string,
  options: WriteOptions = {},
): void {
  const tmp = tempPath(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const write = () => {
    using file = Deno.openSync(tmp, { write: true, createNew: true });
    for (let done = 0; done < bytes.length;) done += file.writeSync(bytes.subarray(done));
    if (options.durable) file.syncDataSync();
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
    if (options.durable) syncDirectory(dirname(path));
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch { /* never created */ }
    throw ioError(path, err);
  }
}

/** Makes a folder's entries (a rename into it) durable; a no-op where folders cannot sync. */
export function syncDirectory(dir: string): void {
  try {
    using d = Deno.openSync(dir, { read: true });
    d.syncSync();
  } catch { /* Windows, or a file system without directory fsync */ }
}
