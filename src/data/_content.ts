// What an IDX file holds, as a size and a CRC-32 of its decompressed bytes: the same for
// Debian's gzip files (no name in their headers), Zalando's (with one) and gunzipped copies,
// where a checksum of the file's own bytes would tell them apart. A gzip trailer already holds
// the CRC-32 and size of the data: it is taken without inflating 26 MB when the IDX header
// declares that same size (one gzip member holds the whole file, and the loader checks the
// trailer against the data), and the data is inflated to be summed otherwise.
import { Gunzip } from "npm:fflate@0.8.2";
import { crc32, NetsweepError } from "../core/mod.ts";
import { fileError, openRegularFile } from "./_file.ts";
import { looksLikeIdx } from "./_idx.ts";
import { decodeLimit, megabytes, tooLarge } from "./_limit.ts";
import { isGzip, readAt, readChunks } from "./_stream.ts";

/** The decompressed bytes of a file: how many, and their CRC-32. */
export interface ContentSum {
  size: number;
  crc32: number;
}

/** `size:crc` of what `path` holds once decompressed. */
export function contentSum(path: string): ContentSum {
  const { file, size } = openRegularFile(path);
  try {
    const head = readAt(file, 0, Math.min(size, 1 << 16));
    if (!isGzip(head)) return sumStream(file, size, path, null);
    if (size >= 18) {
      const trailer = readAt(file, size - 8, 8);
      const view = new DataView(trailer.buffer, trailer.byteOffset, 8);
      const declared = idxSize(inflatedStart(head, path, size));
      if (declared !== null && declared % 2 ** 32 === view.getUint32(4, true)) {
        return { size: declared, crc32: view.getUint32(0, true) };
      }
    }
    return sumStream(file, size, path, new Gunzip());
  } catch (err) {
    throw fileError(path, err);
  } finally {
    file.close();
  }
}

/** The size an IDX header declares for its whole file, or null if `head` is not one. */
function idxSize(head: Uint8Array): number | null {
  if (!looksLikeIdx(head)) return null;
  const ndim = head[3];
  if (head.length < 4 + 4 * ndim) return null;
  const view = new DataView(head.buffer, head.byteOffset, head.length);
  let total = 1;
  for (let i = 0; i < ndim; i++) total *= view.getUint32(4 + 4 * i, false);
  return 4 + 4 * ndim + total;
}

/** The first (up to) 20 inflated bytes, enough for an IDX header of 4 dimensions. */
function inflatedStart(head: Uint8Array, path: string, size: number): Uint8Array {
  let out = new Uint8Array(0);
  const gz = new Gunzip();
  gz.ondata = (data: Uint8Array) => {
    if (out.length >= 20) return;
    const joined = new Uint8Array(out.length + data.length);
    joined.set(out);
    joined.set(data, out.length);
    out = joined.subarray(0, 20);
  };
  try {
    // 1 KiB at a time: a bomb's first 64 KiB would inflate to 66 MB for these 20 bytes.
    for (let at = 0; at < head.length && out.length < 20; at += 1024) {
      const end = Math.min(at + 1024, head.length);
      gz.push(head.subarray(at, end), end === size);
    }
  } catch (err) {
    throw new NetsweepError(path, `corrupt gzip data (${(err as Error).message})`, { cause: err });
  }
  return out;
}

/** Sums the file's bytes, through `gz` when it is gzip, up to the load's size limit. */
function sumStream(file: Deno.FsFile, size: number, path: string, gz: Gunzip | null): ContentSum {
  let crc = 0;
  let total = 0;
  const add = (data: Uint8Array) => {
    total += data.length;
    if (total > decodeLimit()) {
      throw tooLarge(path, `decompresses to more than ${megabytes(decodeLimit())}`);
    }
    crc = crc32(crc, data);
  };
  if (gz === null) {
    readChunks(file, 0, size, add);
    return { size: total, crc32: crc };
  }
  gz.ondata = add;
  try {
    readChunks(file, 0, size, (chunk) => gz.push(chunk, false));
    gz.push(new Uint8Array(0), true); // on its own: see decodeStream
  } catch (err) {
    if (err instanceof NetsweepError) throw err;
    throw new NetsweepError(path, `corrupt gzip data (${(err as Error).message})`, { cause: err });
  }
  return { size: total, crc32: crc };
}
