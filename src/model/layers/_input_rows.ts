// The pixels a sparse input layer reads, listed per example: its non-zero ones (from the
// split's list found once, or by scanning each image), or all of them (the `dense` kernel).
// Random rows' lists are copied example by example with their values decoded; a run of
// consecutive rows' lists is copied as blocks of positions and one-byte codes.
import type { SparseRows } from "../../data/mod.ts";

/** Where a sparse input layer finds its examples. */
export interface InputRows {
  images: Float32Array;
  /** Dataset rows of the batch. */
  rows: Uint32Array;
  /** The split's non-zero pixels, found once; absent: scan each image. */
  sparse?: SparseRows;
  /** List every pixel, zero or not (the `dense` input kernel: same sums, no skipping). */
  all: boolean;
}

/** A batch's pixel lists, in the kernels' memory: room for n0 pixels per example. */
export interface PixelLists {
  /** Each listed pixel's position in its image. */
  index: Uint16Array;
  /** Its value, when the lists carry values. */
  value: Float32Array;
  /** Its code into the split's table, when the lists carry codes. */
  code: Uint8Array;
  /** Pixels listed per example. */
  count: Int32Array;
  /** Where each example's list starts in index and value or code. */
  start: Int32Array;
}

/**
 * Lists each of the batch's `m` examples' pixels into `lists`: from `start[e]` (e·n0, or one
 * list after another for consecutive rows), `count[e]` positions, and either their codes into
 * the split's table, which is returned, or (null returned) their values.
 *
 * Codes for runs of consecutive rows (every evaluation batch; in training, sequential sampling
 * or a mini-batch of one), which are then copied as blocks; values for random rows (shuffled
 * training), decoded as they are copied. Codes in the kernels cost a dependent load per pixel
 * in each pass: for shuffled training they were no faster (0.092 against 0.090 s/epoch, within
 * the noise), while an evaluation's block copy takes 15% off its time.
 */
export function listPixels(
  input: InputRows,
  m: number,
  n0: number,
  lists: PixelLists,
): Float32Array | null {
  const s = input.sparse;
  if (s && !input.all) {
    if (consecutive(input.rows, m)) return listRun(s, input.rows[0], m, lists);
    touched ^= touchLists(s, input.rows, m);
  }
  listValues(input, m, n0, lists);
  return null;
}

/** Each example's listed positions and values: the split's, its every pixel, or a scan's. */
function listValues(input: InputRows, m: number, n0: number, lists: PixelLists): void {
  const { index, value, count: counts, start } = lists;
  const images = input.images;
  const rows = input.rows;
  for (let e = 0; e < m; e++) {
    const to = e * n0;
    start[e] = to;
    let count = 0;
    if (input.all) {
      const xOff = rows[e] * n0;
      for (let k = 0; k < n0; k++) {
        index[to + k] = k;
        value[to + k] = images[xOff + k];
      }
      count = n0;
    } else if (input.sparse) {
      // Found once for the whole split: copied into the kernels' memory (an indexed copy:
      // subarray() and set() would allocate two views per example).
      const s = input.sparse;
      const first = s.rowStart[rows[e]];
      count = s.rowStart[rows[e] + 1] - first;
      const from = s.index;
      const code = s.code;
      if (code) {
        const table = s.table!;
        for (let c = 0; c < count; c++) {
          index[to + c] = from[first + c];
          value[to + c] = table[code[first + c]];
        }
      } else {
        const values = s.value!;
        for (let c = 0; c < count; c++) {
          index[to + c] = from[first + c];
          value[to + c] = values[first + c];
        }
      }
    } else {
      const xOff = rows[e] * n0;
      for (let k = 0; k < n0; k++) {
        const v = images[xOff + k];
        if (v === 0) continue;
        index[to + count] = k;
        value[to + count] = v;
        count++;
      }
    }
    counts[e] = count;
  }
}

/** Are `rows[0..m)` one run of consecutive rows (an evaluation's batch)? */
function consecutive(rows: Uint32Array, m: number): boolean {
  for (let e = 1; e < m; e++) if (rows[e] !== rows[0] + e) return false;
  return m > 0;
}

/**
 * The lists of rows r0..r0+m, which lie one after another in the split's: copied as one block
 * (two memory copies) and read where they land. Evaluation passes over whole splits in such
 * runs of hundreds of images. The two views it makes per call are its only allocation: also
 * per mini-batch when training samples sequentially (a cost not yet measured; an indexed copy
 * for short runs would avoid it).
 */
function listRun(s: SparseRows, r0: number, m: number, lists: PixelLists): Float32Array | null {
  const rowStart = s.rowStart;
  const first = rowStart[r0];
  const last = rowStart[r0 + m];
  for (let e = 0; e < m; e++) {
    lists.start[e] = rowStart[r0 + e] - first;
    lists.count[e] = rowStart[r0 + e + 1] - rowStart[r0 + e];
  }
  lists.index.set(s.index.subarray(first, last));
  if (s.code) lists.code.set(s.code.subarray(first, last));
  else lists.value.set(s.value!.subarray(first, last));
  return s.code ? s.table : null;
}

/** Where {@linkcode touchLists}' reads go, so that the compiler keeps them. */
let touched = 0;

/**
 * Reads one value from every 64-byte line of the batch's `m` pixel lists before any is copied.
 * A mini-batch's rows are random, so each list starts with cache misses; read example by
 * example, the copy waits for them one list at a time, while these reads have no dependence on
 * each other and are all in flight at once (a chapter-1 epoch's copy: 17.7 -> 13.4 ms).
 */
function touchLists(s: SparseRows, rows: Uint32Array, m: number): number {
  const rowStart = s.rowStart;
  const index = s.index;
  const bytes = s.code ?? s.value!;
  const perLine = s.code ? 64 : 16;
  let acc = 0;
  for (let e = 0; e < m; e++) {
    const start = rowStart[rows[e]];
    const end = rowStart[rows[e] + 1];
    if (end === start) continue;
    for (let c = start; c < end; c += 32) acc ^= index[c];
    for (let c = start; c < end; c += perLine) acc ^= bytes[c];
    acc ^= index[end - 1] ^ bytes[end - 1];
  }
  return acc;
}
