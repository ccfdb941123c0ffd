// IDX: the original MNIST format (also Fashion-MNIST). A big-endian header
// [0, 0, type, ndim] then ndim uint32 dimensions, then the uint8 data.
import { join } from "node:path";
import type { ByteReader, ChunkParser } from "./_byte_reader.ts";
import { checkArrayLimit, type DecodedArray, elementCount, readElements } from "./_array.ts";
import { fileError } from "./_file.ts";
import { NetsweepError } from "../core/mod.ts";

/** True when `head` starts like an IDX file of uint8 data. */
export function looksLikeIdx(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 0x08 &&
    head[3] >= 1 && head[3] <= 4;
}

export function* parseIdx(reader: ByteReader, table: Float32Array): ChunkParser<DecodedArray> {
  const magic = (yield* reader.read(4)).slice();
  if (magic[0] !== 0 || magic[1] !== 0) {
    const hex = [...magic].map((b) => b.toString(16).padStart(2, "0")).join("");
    throw new NetsweepError(reader.source, `wrong IDX magic number 0x${hex}`);
  }
  if (magic[2] !== 0x08) {
    throw new NetsweepError(
      reader.source,
      `unsupported IDX element type 0x${magic[2].toString(16)} (netsweep reads uint8, 0x08)`,
    );
  }
  const ndim = magic[3];
  if (ndim < 1 || ndim > 4) {
    throw new NetsweepError(reader.source, `unsupported IDX dimension count ${ndim}`);
  }
  const dims = yield* reader.read(4 * ndim);
  const view = new DataView(dims.buffer, dims.byteOffset, dims.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 * i, false));
  // The header says how long the file is: checked against the file before the data is read.
  checkArrayLimit(shape, reader.source);
  const total = 4 + 4 * ndim + elementCount(shape, reader.source);
  reader.declareTotal(total, `its IDX header (shape [${shape}])`);
  return yield* readElements(reader, shape, "u1", table);
}

/** `train-images-idx3-ubyte.gz`: the split (`train`), what it holds, whether it is gzip. */
export const IDX_NAME = /^(.+)-(images|labels)-idx\d-ubyte(\.gz)?$/;

/**
 * The IDX files of a directory by what they hold (`train-images`), each with every name that
 * holds it, sorted. Entries are matched by name only: symbolic links count (the files are
 * opened through them), and what is not a regular file is refused when it is opened.
 */
export function idxFilesIn(dir: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch (err) {
    throw fileError(dir, err);
  }
  for (const entry of entries) {
    const m = IDX_NAME.exec(entry.name);
    if (!m) continue;
    const key = `${m[1]}-${m[2]}`;
    files.set(key, [...(files.get(key) ?? []), entry.name].sort());
  }
  return files;
}

/**
 * The one file of `dir` that holds `key`, or null. Two (a `.gz` and a plain copy, say) are
 * refused: which one is current is the user's to say, and the directory's order must not.
 */
export function pickIdxFile(dir: string, files: Map<string, string[]>, key: string): string | null {
  const names = files.get(key);
  if (names === undefined) return null;
  if (names.length > 1) {
    throw new NetsweepError(
      dir,
      `${names.join(" and ")} both hold ${key}; remove or rename all but one`,
    );
  }
  return join(dir, names[0]);
}
