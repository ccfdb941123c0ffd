// Opening the files a load reads, and naming them in errors. A device (/dev/zero,
// /dev/urandom) never ends and a FIFO blocks its reader until a writer comes, so both are
// refused from their metadata before a single byte is read: a load that would spin or hang
// (deaf to SIGTERM, inside a synchronous read) becomes one line naming the file.
import { NetsweepError } from "../core/mod.ts";

/** What a path that is not a regular file is, for messages: `a character device`. */
export function fileKind(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a directory";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isSocket) return "a socket";
  return "not a file";
}

/** `err` as a NetsweepError about `source`: itself if it is one, else its first line. */
export function fileError(source: string, err: unknown): NetsweepError {
  if (err instanceof NetsweepError) return err;
  if (err instanceof Deno.errors.NotFound) {
    return new NetsweepError(source, "no such file or directory", { cause: err });
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return new NetsweepError(source, "permission denied", { cause: err });
  }
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return new NetsweepError(source, `cannot read (${text.split("\n")[0]})`, { cause: err });
}

/** Metadata of `path`, following symbolic links; a dangling link is named as one. */
export function statPath(path: string): Deno.FileInfo {
  try {
    return Deno.statSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      let dangling = false;
      try {
        dangling = Deno.lstatSync(path).isSymlink;
      } catch { /* nothing there at all */ }
      if (dangling) {
        let target = "";
        try {
          target = ` to ${Deno.readLinkSync(path)}`;
        } catch { /* unreadable link */ }
        throw new NetsweepError(path, `broken symbolic link${target}`, { cause: err });
      }
    }
    throw fileError(path, err);
  }
}

/** Refuses anything but a regular file (a symlink to one is one): one line naming it. */
export function checkRegularFile(path: string, info: Deno.FileInfo): void {
  if (!info.isFile) {
    throw new NetsweepError(path, `not a regular file (${fileKind(info)})`);
  }
}

/**
 * Opens a regular file for reading, refusing devices, FIFOs, sockets and directories before
 * anything is read. The open file is checked again, in case the path changed in between.
 */
export function openRegularFile(path: string): { file: Deno.FsFile; size: number } {
  checkRegularFile(path, statPath(path));
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch (err) {
    throw fileError(path, err);
  }
  try {
    const info = file.statSync();
    checkRegularFile(path, info);
    return { file, size: info.size };
  } catch (err) {
    file.close();
    throw fileError(path, err);
  }
}

/** `s` fit for a one-line message: control characters escaped, cut short when long. */
export function inline(s: string, max = 80): string {
  const cut = s.length > max ? `${s.slice(0, max)}...` : s;
  return JSON.stringify(cut).slice(1, -1);
}
