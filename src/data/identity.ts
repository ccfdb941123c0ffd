/**
 * What a dataset is, independent of where it lies or what it is called: the embedded package's
 * name and version, a file's size and CRC-32, or those of each file of an IDX directory with
 * its name (the names say which split is which). Trial ids hash it, so the same data in another folder (or
 * reached through another path) gives the same trials.
 *
 * @module
 */
import { crc32 } from "../core/mod.ts";
import { basename, join } from "node:path";
import { DEFAULT_SOURCE } from "./mnist.ts";
import { fileError, openRegularFile, statPath } from "./_file.ts";

function fileIdentity(path: string, named: boolean): string {
  const { file } = openRegularFile(path); // a device or FIFO would be read without end
  try {
    const buf = new Uint8Array(1 << 20);
    let crc = 0;
    let size = 0;
    for (;;) {
      const n = file.readSync(buf);
      if (n === null || n === 0) break;
      crc = crc32(crc, buf.subarray(0, n));
      size += n;
    }
    const sum = `${size}:${crc.toString(16).padStart(8, "0")}`;
    return named ? `${basename(path)}:${sum}` : sum;
  } catch (err) {
    throw fileError(path, err);
  } finally {
    file.close();
  }
}

/**
 * The identity of the dataset at `path` (a file, or a directory of IDX files), or of the
 * embedded MNIST when `path` is null.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { datasetIdentity } from "./identity.ts";
 * assertEquals(datasetIdentity("tests/testdata/mnist.npz"), datasetIdentity("tests/testdata/../testdata/mnist.npz"));
 * ```
 */
export function datasetIdentity(path: string | null): string {
  if (path === null) return DEFAULT_SOURCE;
  const info = statPath(path);
  // A file is its content; a directory's files are also their names (which say the splits).
  if (!info.isDirectory) return `file:${fileIdentity(path, false)}`;
  // By name, as the loader picks them: a symbolic link to an IDX file is one (read through).
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(path)];
  } catch (err) {
    throw fileError(path, err);
  }
  const names = entries
    .filter((e) => /-idx\d-ubyte(\.gz)?$/.test(e.name))
    .map((e) => e.name)
    .sort();
  return `idx:${names.map((n) => fileIdentity(join(path, n), true)).join(" ")}`;
}
