/**
 * What a dataset is, independent of where it lies or what it is called: the embedded package's
 * name and version, a file's size and CRC-32, or those of each file of an IDX directory with
 * its name (the names say which split is which), or a named dataset's name with the size and
 * CRC-32 of each of its files' decompressed data. Trial ids hash it, so the same data in
 * another folder (or reached through another path) gives the same trials.
 *
 * @module
 */
import { crc32 } from "../core/mod.ts";
import { basename, join } from "node:path";
import { DEFAULT_SOURCE } from "./mnist.ts";
import { fileError, openRegularFile, statPath } from "./_file.ts";
import { idxFilesIn, pickIdxFile } from "./_idx.ts";
import { contentSum } from "./_content.ts";
import { type DatasetName, datasetPath } from "./catalogue.ts";

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
 * The identity of the named dataset found in `dir`: its name, and each IDX file's split with
 * the size and CRC-32 of its decompressed data, so that Debian's gzip files, Zalando's (whose
 * gzip headers differ) and gunzipped copies are one dataset wherever they lie.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { namedIdentity } from "./identity.ts";
 * // Any folder of IDX files (the MNIST fixture here); 93db32d2 is zlib.crc32 of the gunzipped file.
 * const id = namedIdentity("fashion-mnist", "tests/testdata/mnist");
 * assertEquals(id.split(" ")[0], "fashion-mnist:t10k-images:15696:93db32d2");
 * assertEquals(id, namedIdentity("fashion-mnist", "tests/testdata/../testdata/mnist"));
 * ```
 */
export function namedIdentity(name: DatasetName, dir: string): string {
  const files = idxFilesIn(dir);
  const parts = [...files.keys()].sort().map((key) => {
    const { size, crc32 } = contentSum(pickIdxFile(dir, files, key)!);
    return `${key}:${size}:${crc32.toString(16).padStart(8, "0")}`;
  });
  return `${name}:${parts.join(" ")}`;
}

/**
 * The identity of the dataset at `path` (a file, or a directory of IDX files), of the dataset
 * called `name` (wherever it is found), or of the embedded MNIST when both are null.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { datasetIdentity } from "./identity.ts";
 * assertEquals(datasetIdentity("tests/testdata/mnist.npz"), datasetIdentity("tests/testdata/../testdata/mnist.npz"));
 * assertEquals(datasetIdentity(null, "mnist"), datasetIdentity(null));
 * ```
 */
export function datasetIdentity(path: string | null, name: DatasetName | null = null): string {
  if (name !== null) {
    const dir = datasetPath(name, path);
    return dir === null ? DEFAULT_SOURCE : namedIdentity(name, dir);
  }
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
