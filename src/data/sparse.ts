/**
 * Compressed sparse rows of a split's images: the non-zero pixels of each image, found once
 * and shared (SharedArrayBuffers, like the images) by every worker, so training never scans
 * the 81% of MNIST pixels that are zero.
 *
 * @module
 */
import type { SparseRows, Split } from "./split.ts";

/**
 * The non-zero pixels of every image of `split` (`inputSize` pixels each, at most 65,536): each
 * value as a one-byte code into the split's table of distinct values where it has at most 256
 * (MNIST in every format), else as itself.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { sparseRows } from "./sparse.ts";
 * const split = { images: new Float32Array([0, 2, 0, 3, 0, 2]), labels: new Uint8Array(2), count: 2 };
 * const s = sparseRows(split, 3);
 * assert(s.rowStart.join() === "0,1,3" && s.index.join() === "1,0,2");
 * assert([...s.code!].map((c) => s.table![c]).join() === "2,3,2" && s.value === null);
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
  const len = n * inputSize;
  if (images.length < len) {
    throw new RangeError(
      `sparseRows: ${images.length} pixels, fewer than ${n} images of ${inputSize}`,
    );
  }
  let nnz = 0;
  for (let i = 0; i < len; i++) if (images[i] !== 0) nnz++;
  const rowStart = new Uint32Array(new SharedArrayBuffer((n + 1) * 4));
  const index = new Uint16Array(new SharedArrayBuffer(Math.max(2, nnz * 2)));
  // Coded until a 257th distinct value turns up; then the values so far are decoded once and
  // the rest stored as they are. Keyed by the bits: equal non-zero floats have equal bits.
  const bits = new Uint32Array(images.buffer, images.byteOffset, len);
  const codes = new CodeTable();
  let code: Uint8Array | null = new Uint8Array(new SharedArrayBuffer(nnz));
  let value: Float32Array | null = null;
  let c = 0;
  for (let r = 0; r < n; r++) {
    rowStart[r] = c;
    const off = r * inputSize;
    for (let k = 0; k < inputSize; k++) {
      const v = images[off + k];
      if (v === 0) continue;
      index[c] = k;
      if (code) {
        const q = codes.code(bits[off + k], v);
        if (q >= 0) code[c] = q;
        else {
          value = codes.decode(code, c, nnz);
          code = null;
        }
      }
      if (value) value[c] = v;
      c++;
    }
  }
  rowStart[n] = c;
  const table = code ? codes.values() : null;
  const rows = { rowStart, index, code, table, value };
  if (!found.has(images)) found.set(images, new Map());
  found.get(images)!.set(key, rows);
  return rows;
}

/** Distinct values a one-byte code can name: the most a split's table holds. */
export const MAX_CODES = 256;

/**
 * The distinct values seen, each with its code (the order of first sight), in an open-addressed
 * table keyed by their bits: one multiply and, mostly, one probe per pixel.
 */
class CodeTable {
  #size = 0;
  readonly #keys = new Uint32Array(1024);
  /** Code + 1 per slot; 0 for an empty slot. */
  readonly #slots = new Uint16Array(1024);
  readonly #values = new Float32Array(MAX_CODES);

  /** The code of value `v` (of bits `bits`), given it at first sight; -1 past `MAX_CODES`. */
  code(bits: number, v: number): number {
    let h = Math.imul(bits, 0x9e3779b1) >>> 22;
    while (this.#slots[h] !== 0) {
      if (this.#keys[h] === bits) return this.#slots[h] - 1;
      h = (h + 1) & 1023;
    }
    if (this.#size === MAX_CODES) return -1;
    this.#keys[h] = bits;
    this.#values[this.#size] = v;
    this.#slots[h] = ++this.#size;
    return this.#size - 1;
  }

  /** The first `count` of `code` as values, in shared memory for `length` of them. */
  decode(code: Uint8Array, count: number, length: number): Float32Array {
    const value = new Float32Array(new SharedArrayBuffer(Math.max(4, length * 4)));
    for (let c = 0; c < count; c++) value[c] = this.#values[code[c]];
    return value;
  }

  /** The values by code, in memory the workers share. */
  values(): Float32Array {
    const table = new Float32Array(new SharedArrayBuffer(this.#size * 4));
    table.set(this.#values.subarray(0, this.#size));
    return table;
  }
}

/** The rows found so far, per images array (dropped with it) and per count and row length. */
const found = new WeakMap<Float32Array, Map<string, SparseRows>>();

/** The first `n` rows (views, no copy). */
export function firstRows(s: SparseRows, n: number): SparseRows {
  return { ...s, rowStart: s.rowStart.subarray(0, n + 1) };
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
