/**
 * A summary of an archive's splits, for `deno task inspect` and for checking a file against
 * independently computed values.
 *
 * @module
 */
import { readArchive } from "./archive.ts";
import { DEFAULT_SOURCE, defaultMnistDir } from "./mnist.ts";

/** What {@linkcode inspectArchive} reports for one split. */
export interface SplitSummary {
  /** Images in the split. */
  count: number;
  /** Shape of one image as stored. */
  image_shape: number[];
  /** Images per class 0..9 (longer when there are more classes). */
  label_histogram: number[];
  /** The first ten labels. */
  first_labels: number[];
  /** Sum of raw 0..255 values for integer data, of the stored values for float data. */
  pixel_sum: number;
}

/** The summary of one archive. */
export interface ArchiveSummary {
  /** The file or directory read. */
  path: string;
  /** The archive's format. */
  format: string;
  /** Each split's summary, by the archive's name for it. */
  splits: Record<string, SplitSummary>;
  /** Seconds the load took. */
  load_seconds: number;
}

/**
 * Reads an archive (the embedded MNIST when `path` is absent) and summarises each split.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { inspectArchive } from "./inspect.ts";
 * const s = inspectArchive("tests/testdata/mnist.npz");
 * assert(s.splits.train.pixel_sum === 3022997);
 * ```
 */
export function inspectArchive(path?: string): ArchiveSummary {
  const start = performance.now();
  // Raw scale keeps integer pixels exact, so their float64 sum is the integer sum.
  const archive = readArchive(path ?? defaultMnistDir(), { scale: 1 });
  const loadSeconds = (performance.now() - start) / 1000;
  const splits: Record<string, SplitSummary> = {};
  // Training splits first, as the files list them in the book: train, validation, test.
  const order = (name: string) => ["training", "train", "validation"].indexOf(name) >>> 0;
  const names = Object.keys(archive.splits).sort((a, b) => order(a) - order(b));
  for (const name of names) {
    const split = archive.splits[name];
    let maxLabel = 9;
    for (const l of split.labels) if (l > maxLabel) maxLabel = l;
    const histogram = new Array(maxLabel + 1).fill(0);
    for (const l of split.labels) histogram[l]++;
    let sum = 0;
    const images = split.images;
    for (let i = 0, n = images.length; i < n; i++) sum += images[i];
    splits[name] = {
      count: split.count,
      image_shape: split.imageShape,
      label_histogram: histogram,
      first_labels: [...split.labels.subarray(0, 10)],
      pixel_sum: sum,
    };
  }
  return {
    path: path ?? DEFAULT_SOURCE,
    format: archive.format,
    splits,
    load_seconds: loadSeconds,
  };
}
