/**
 * Compressed sparse rows of a split's images: the non-zero pixels of each image, found once
 * and shared (SharedArrayBuffers, like the images) by every worker, so training never scans
 * the 81% of MNIST pixels that are zero.
 *
 * @module
 */
import type { SparseRows, Split } from "./split.ts";

/**
 * The non-zero pixels of every image of `split` (`inputSize` pixels each, at most 65,536).
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { sparseRows } from "./sparse.ts";
 * const split = { images: new Float32Array([0, 2, 0, 3, 0, 0]), labels: new Uint8Array(2), count: 2 };
 * const s = sparseRows(split, 3);
 * assert(s.rowStart.join() === "0,1,2" && s.index.join() === "1,0" && s.value.join() === "2,3");
 * ```
 */
export function sparseRows(split: Split, inputSize: number): SparseRows {
  const images = split.images;
  const n = split.count;
  // Found once per images array: every train() call on one dataset (a notebook's loop, the
  // benchmark's rounds) would otherwise scan its 39 million pixels again (0.3 s each time).
  const key = `${n}:${inputSize}`;
  const known = found.get(images)?.get(key);
  if (known) return known;
  let nnz = 0;
  for (let i = 0, len = n * inputSize; i < len; i++) if (images[i] !== 0) nnz++;
  const rowStart = new Uint32Array(new SharedArrayBuffer((n + 1) * 4));
  const index = new Uint16Array(new SharedArrayBuffer(Math.max(2, nnz * 2)));
  const value = new Float32Array(new SharedArrayBuffer(Math.max(4, nnz * 4)));
  let c = 0;
  for (let r = 0; r < n; r++) {
    rowStart[r] = c;
    const off = r * inputSize;
    for (let k = 0; k < inputSize; k++) {
      const v = images[off + k];
      if (v === 0) continue;
      index[c] = k;
      value[c] = v;
      c++;
    }
  }
  rowStart[n] = c;
  const rows = { rowStart, index, value };
  if (!found.has(images)) found.set(images, new Map());
  found.get(images)!.set(key, rows);
  return rows;
}

/** The rows found so far, per images array (dropped with it) and per count and row length. */
const found = new WeakMap<Float32Array, Map<string, SparseRows>>();

/** The first `n` rows (views, no copy). */
export function firstRows(s: SparseRows, n: number): SparseRows {
  return { rowStart: s.rowStart.subarray(0, n + 1), index: s.index, value: s.value };
}

/** Fraction of non-zero values in (a sample of at most 65,536 of) `split`'s images. */
export function density(split: Split): number {
  const images = split.images;
  const step = Math.max(1, Math.floor(images.length / 65_536));

  let nonZero = 0;
  let n = 0;
  for (let i = 0; i < images.length; i += step, n++) if (images[i] !== 0) nonZero++;
  return n === 0 ? 0 : nonZero / n;
}
