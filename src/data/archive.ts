/**
 * Reading MNIST-like archives in the formats users already hold: IDX files (gzip or raw),
 * numpy `.npz` (deflated or stored entries) and pickles (`mnist.pkl.gz` as Python 2 wrote it,
 * and Python 3 pickles of the same tuple). The format is detected from magic bytes, never
 * from the file name.
 *
 * @module
 */
import type { DecodedArray } from "./_array.ts";
import type { ByteReader, ChunkParser } from "./_byte_reader.ts";
import { pixelTable } from "./_convert.ts";
import { IDX_NAME, idxFilesIn, looksLikeIdx, parseIdx, pickIdxFile } from "./_idx.ts";
import { fileError, openRegularFile, statPath } from "./_file.ts";
import { parseNpy } from "./_npy.ts";
import { parsePickle, type PickleTree } from "./_pickle.ts";
import { decodeStream, isGzip, peekHead, readAt } from "./_stream.ts";
import {
  decodeLimit,
  DEFAULT_DECODE_LIMIT,
  megabytes,
  tooLarge,
  withDecodeLimit,
} from "./_limit.ts";
import { listZip } from "./_zip.ts";
import { endOffload, startOffload } from "./_offthread.ts";
import { NetsweepError } from "../core/mod.ts";

/**
 * How integer pixels become floats: `pixel / scale`. 255 gives 0..1 (the default), 256 is
 * what Nielsen's `mnist.pkl.gz` stores, 1 keeps raw 0..255. Float data is taken as stored.
 */
export type PixelScale = 255 | 256 | 1;

/** One split of an archive: images as rows of a Float32Array, labels as a Uint8Array. */
export interface ArchiveSplit {
  /** `count * inputSize` pixels, row-major, in a SharedArrayBuffer. */
  images: Float32Array;
  /** `count` class labels, in a SharedArrayBuffer. */
  labels: Uint8Array;
  /** Images in the split. */
  count: number;
  /** Shape of one image as stored, e.g. `[28, 28]` or `[784]`. */
  imageShape: number[];
  /** True when the file stored float pixels (then `scale` did not apply). */
  floatPixels: boolean;
}

/** The splits of one archive, named as the file names them. */
export interface Archive {
  /** The file or directory read. */
  path: string;
  /** `idx`, `idx+gzip`, `npz`, `pickle` or `pickle+gzip`. */
  format: string;
  /** `training`/`validation`/`test` (pickle), `train`/`test` (npz), `train`/`t10k` (IDX). */
  splits: Record<string, ArchiveSplit>;
}

/** Options of {@linkcode readArchive}. */
export interface ReadOptions {
  /** Divisor for integer pixels; default 255. */
  scale?: PixelScale;
  /** Largest decompressed size accepted, in bytes; default 2 GiB. */
  maxBytes?: number;
}

/**
 * Reads an archive file or an IDX directory into shared typed arrays. Anything but a regular
 * file (a device, a FIFO) is refused before it is read; symbolic links are followed. In an IDX
 * directory each file must be there once: `x-idx3-ubyte` beside `x-idx3-ubyte.gz` is refused
 * (naming both) rather than one of them being taken by directory order. Float pixels that are
 * NaN or infinite are refused, naming the image.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { readArchive } from "./archive.ts";
 * const archive = readArchive("tests/testdata/mnist.pkl.gz");
 * assert(archive.format === "pickle+gzip");
 * assert(archive.splits.training.count === 100);
 * ```
 */
export function readArchive(path: string, options: ReadOptions = {}): Archive {
  let complete = false;
  let archive: Archive;
  try {
    archive = withDecodeLimit(
      options.maxBytes ?? DEFAULT_DECODE_LIMIT,
      () => read(path, options),
    );
    complete = true;
  } catch (err) {
    throw fileError(path, err); // whatever went wrong, one line naming the file
  } finally {
    endOffload(complete); // the helper thread's conversions finish before the arrays are returned
  }
  refuseNonFinite(archive);
  return archive;
}

function read(path: string, options: ReadOptions): Archive {
  const table = pixelTable(options.scale ?? 255);
  // Stat before anything is opened: a FIFO would block the open, a device never ends.
  const info = statPath(path);
  if (info.isDirectory) {
    startOffload(Infinity);
    return readIdxDirectory(path, table);
  }
  const { file, size } = openRegularFile(path);
  startOffload(size);
  try {
    if (size === 0) throw new NetsweepError(path, "empty file");
    const head = readAt(file, 0, 8);
    if (head[0] === 0x50 && head[1] === 0x4b) return readNpz(file, size, path, table);
    const gzip = isGzip(head);
    const inner = gzip ? peekHead(file, path, size) : head;
    if (looksLikeIdx(inner)) return readIdxPair(path, table);
    if (!(inner[0] === 0x80 && inner[1] >= 2 && inner[1] <= 5)) {
      throw new NetsweepError(
        path,
        `unknown format${gzip ? " inside gzip" : ""} (not IDX, npz or a protocol 2-5 pickle)`,
      );
    }
    const tree = decodeStream(
      file,
      path,
      0,
      size,
      gzip ? "gzip" : "none",
      (_inner, reader) => parsePickle(reader, table),
    );
    return { path, format: gzip ? "pickle+gzip" : "pickle", splits: pickleSplits(tree, path) };
  } finally {
    file.close();
  }
}

/**
 * Refuses NaN and infinite pixels, naming the image: they would train to "diverged" with no
 * hint why. Only float data can hold them, so integer pixels (the IDX files) are not scanned.
 */
function refuseNonFinite(archive: Archive): void {
  for (const [name, split] of Object.entries(archive.splits)) {
    if (!split.floatPixels) continue;
    const i = firstNonFinite(split.images);
    if (i < 0) continue;
    const size = split.images.length / split.count;
    const image = Math.floor(i / size);
    throw new NetsweepError(
      archive.path,
      `${name} image ${image} has a pixel that is ${split.images[i]} (pixel ${
        i - image * size
      }); float pixels must be finite numbers`,
    );
  }
}

/** The index of the first NaN or infinite value, or -1. */
function firstNonFinite(values: Float32Array): number {
  // v * 0 is 0 for every finite v and NaN for NaN and +-Infinity, and a NaN stays in a sum:
  // four independent sums, with no branch, take about half the time of a test of each value.
  // The slow search runs only on bad data.
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const n = values.length;
  const whole = n - (n % 4);
  for (let i = 0; i < whole; i += 4) {
    s0 += values[i] * 0;
    s1 += values[i + 1] * 0;
    s2 += values[i + 2] * 0;
    s3 += values[i + 3] * 0;
  }
  for (let i = whole; i < n; i++) s0 += values[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (let i = 0; i < n; i++) if (values[i] * 0 !== 0) return i;
  return -1;
}

function readNpz(file: Deno.FsFile, size: number, path: string, table: Float32Array): Archive {
  const arrays: Record<string, DecodedArray> = {};
  for (const entry of listZip(file, size, path)) {
    if (!entry.name.endsWith(".npy")) continue;
    if (entry.method !== 0 && entry.method !== 8) {
      throw new NetsweepError(
        path,
        `zip entry '${entry.name}' uses compression method ${entry.method}`,
      );
    }
    const name = entry.name.slice(0, -4);
    if (entry.uncompressedSize > decodeLimit()) {
      throw tooLarge(
        `${path}:${entry.name}`,
        `declares ${megabytes(entry.uncompressedSize)} of data`,
      );
    }
    arrays[name] = decodeStream(
      file,
      `${path}:${entry.name}`,
      entry.dataOffset,
      entry.compressedSize,
      entry.method === 8 ? "deflate" : "none",
      (_head, reader) => parseNpy(reader, table),
      { crc32: entry.crc32, size: entry.uncompressedSize },
    );
  }
  const splits: Record<string, ArchiveSplit> = {};
  for (const name of Object.keys(arrays)) {
    const m = /^x_(.+)$/.exec(name);
    if (!m || !(`y_${m[1]}` in arrays)) continue;
    splits[m[1]] = makeSplit(arrays[name], arrays[`y_${m[1]}`], path, name, `y_${m[1]}`);
  }
  if (Object.keys(splits).length === 0) {
    const found = Object.keys(arrays).join(", ") || "none";
    throw new NetsweepError(
      path,
      `no x_<split>/y_<split> array pairs (like x_train, y_train); arrays found: ${found}`,
    );
  }
  return { path, format: "npz", splits };
}

function readIdxFile(path: string, table: Float32Array): { array: DecodedArray; gzip: boolean } {
  const { file, size } = openRegularFile(path);
  try {
    if (size === 0) throw new NetsweepError(path, "empty file");
    const gzip = isGzip(readAt(file, 0, 2));
    const array = decodeStream(file, path, 0, size, gzip ? "gzip" : "none", parseIdxChooser(table));
    return { array, gzip };
  } finally {
    file.close();
  }
}

function parseIdxChooser(table: Float32Array) {
  return (_head: Uint8Array, reader: ByteReader): ChunkParser<DecodedArray> =>
    parseIdx(reader, table);
}

function idxSplit(images: string, labels: string, table: Float32Array, prefix: string) {
  const x = readIdxFile(images, table);
  const y = readIdxFile(labels, table);
  return {
    split: makeSplit(x.array, y.array, images, prefix + " images", prefix + " labels"),
    gzip: x.gzip,
  };
}

function readIdxDirectory(dir: string, table: Float32Array): Archive {
  const files = idxFilesIn(dir);
  const prefixes = new Set([...files.keys()].map((key) => key.replace(/-(images|labels)$/, "")));
  const splits: Record<string, ArchiveSplit> = {};
  let gzip = false;
  for (const prefix of [...prefixes].sort()) {
    const images = pickIdxFile(dir, files, `${prefix}-images`);
    const labels = pickIdxFile(dir, files, `${prefix}-labels`);
    // A split with one of its two files missing is refused, not dropped without a word.
    if (!labels) throw new NetsweepError(images!, `no matching ${prefix}-labels file in ${dir}`);
    if (!images) throw new NetsweepError(labels, `no matching ${prefix}-images file in ${dir}`);
    const r = idxSplit(images, labels, table, prefix);
    splits[prefix] = r.split;
    gzip ||= r.gzip;
  }
  if (Object.keys(splits).length === 0) {
    throw new NetsweepError(
      dir,
      "no IDX files (like train-images-idx3-ubyte.gz) in this directory",
    );
  }
  return { path: dir, format: gzip ? "idx+gzip" : "idx", splits };
}

function readIdxPair(path: string, table: Float32Array): Archive {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  const m = IDX_NAME.exec(base);
  if (!m) {
    throw new NetsweepError(
      path,
      "an IDX file must be named like train-images-idx3-ubyte[.gz] to find its labels",
    );
  }
  const other = m[2] === "images" ? "labels" : "images";
  const dir = slash >= 0 ? path.slice(0, slash) : ".";
  const partnerPath = pickIdxFile(dir, idxFilesIn(dir), `${m[1]}-${other}`);
  if (!partnerPath) throw new NetsweepError(path, `no matching ${m[1]}-${other} file beside it`);
  const [images, labels] = m[2] === "images" ? [path, partnerPath] : [partnerPath, path];
  const r = idxSplit(images, labels, table, m[1]);
  return { path, format: r.gzip ? "idx+gzip" : "idx", splits: { [m[1]]: r.split } };
}

function makeSplit(
  x: DecodedArray,
  y: DecodedArray,
  source: string,
  xName: string,
  yName: string,
): ArchiveSplit {
  if (!(x.data instanceof Float32Array) || x.shape.length < 2) {
    throw new NetsweepError(source, `${xName} is not an image array (shape [${x.shape}])`);
  }
  if (!(y.data instanceof Uint8Array) || y.shape.length !== 1) {
    throw new NetsweepError(source, `${yName} is not a label vector (shape [${y.shape}])`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new NetsweepError(
      source,
      `${xName} has ${x.shape[0]} images but ${yName} has ${y.shape[0]} labels`,
    );
  }
  return {
    images: x.data,
    labels: y.data,
    count: x.shape[0],
    imageShape: x.shape.slice(1),
    floatPixels: x.dtype === "f4" || x.dtype === "f8",
  };
}

function pickleSplits(tree: PickleTree | DecodedArray, path: string): Record<string, ArchiveSplit> {
  const names = ["training", "validation", "test"];
  const isPair = (t: unknown): t is [DecodedArray, DecodedArray] =>
    Array.isArray(t) && t.length === 2 &&
    t.every((a) => a !== null && typeof a === "object" && "shape" in a);
  if (!Array.isArray(tree) || (tree.length !== 3 && tree.length !== 2) || !tree.every(isPair)) {
    throw new NetsweepError(
      path,
      "pickle does not hold MNIST: expected a tuple of (images, labels) pairs like mnist.pkl.gz",
    );
  }
  const picked = tree.length === 3 ? names : ["training", "test"];
  const splits: Record<string, ArchiveSplit> = {};
  tree.forEach((pair, i) => {
    const [x, y] = pair as [DecodedArray, DecodedArray];
    splits[picked[i]] = makeSplit(x, y, path, `${picked[i]} images`, `${picked[i]} labels`);
  });
  return splits;
}
