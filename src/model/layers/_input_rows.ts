// The pixels a sparse input layer reads, listed per example: its non-zero ones (from the
// split's list found once, or by scanning each image), or all of them (the `dense` kernel).
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

/**
 * Lists each of the batch's `m` examples' pixels into (index, value) pairs at e·n0 in
 * `nzIndex` and `nzValue`, and their count into `nzCount[e]`.
 */
export function listPixels(
  input: InputRows,
  m: number,
  n0: number,
  nzIndex: Uint16Array,
  nzValue: Float32Array,
  nzCount: Int32Array,
): void {
  const images = input.images;
  const rows = input.rows;
  for (let e = 0; e < m; e++) {
    const nzOff = e * n0;
    let count = 0;
    if (input.all) {
      const xOff = rows[e] * n0;
      for (let k = 0; k < n0; k++) {
        nzIndex[nzOff + k] = k;
        nzValue[nzOff + k] = images[xOff + k];
      }
      count = n0;
    } else if (input.sparse) {
      // Found once for the whole split: copy it into the kernel's memory (an indexed copy:
      // subarray() and set() would allocate two views per example).
      const s = input.sparse;
      const start = s.rowStart[rows[e]];
      count = s.rowStart[rows[e] + 1] - start;
      const index = s.index;
      const code = s.code;
      if (code) {
        const table = s.table!;
        for (let c = 0; c < count; c++) {
          nzIndex[nzOff + c] = index[start + c];
          nzValue[nzOff + c] = table[code[start + c]];
        }
      } else {
        const value = s.value!;
        for (let c = 0; c < count; c++) {
          nzIndex[nzOff + c] = index[start + c];
          nzValue[nzOff + c] = value[start + c];
        }
      }
    } else {
      const xOff = rows[e] * n0;
      for (let k = 0; k < n0; k++) {
        const v = images[xOff + k];
        if (v === 0) continue;
        nzIndex[nzOff + count] = k;
        nzValue[nzOff + count] = v;
        count++;
      }
    }
    nzCount[e] = count;
  }
}
