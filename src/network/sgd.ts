/**
 * Mini-batch stochastic gradient descent, as Nielsen does it (shuffle each epoch, consecutive
 * mini-batches, the last one may be shorter) and as Saito does it (each iteration samples a
 * batch with replacement), with network2.py's L2 regularisation, per-epoch monitoring, early
 * stopping and divergence detection. No console output: metrics go to a callback.
 *
 * @module
 */
import type { Dataset, Split } from "../data/dataset.ts";
import type { Network } from "./network.ts";
import { Rng } from "./prng.ts";
import { sparseRows } from "../data/sparse.ts";
import { backward, forward, update } from "./_kernels.ts";

/** Which metrics to compute after each epoch (network2.py's `monitor_*` flags). */
export interface Monitor {
  /** Test accuracy; default on. */
  testAccuracy?: boolean;
  testCost?: boolean;
  /** Validation accuracy; ignored when the dataset has no validation split. */
  validationAccuracy?: boolean;
  validationCost?: boolean;
  trainingAccuracy?: boolean;
  trainingCost?: boolean;
}

/** How to train. */
export interface TrainOptions {
  eta: number;
  miniBatchSize: number;
  /** Epochs; with `replacement` sampling, derived from `iterations` when given. */
  epochs: number;
  /** L2 regularisation; default 0. */
  lmbda?: number;
  /** `shuffle` (Nielsen, default) or `replacement` (Saito). */
  sampling?: "shuffle" | "replacement";
  /** With `replacement`: total iterations (an epoch is n / miniBatchSize of them). */
  iterations?: number;
  /** Seed of the shuffles and samples. */
  seed: number;
  monitor?: Monitor;
  /** Stop after this many epochs without a better monitored accuracy; 0 (default) is off. */
  earlyStopping?: number;
  /** Input kernel: `auto` (default) picks `sparse` when under half the pixels are non-zero. */
  kernel?: "auto" | "sparse" | "dense";
}

/** What one epoch measured. Accuracies are fractions; costs include the L2 term. */
export interface EpochMetrics {
  epoch: number;
  /** Seconds of training in this epoch (evaluation excluded). */
  trainSeconds: number;
  /** Seconds of evaluation after it. */
  evalSeconds: number;
  testAccuracy?: number;
  /** Correct test answers, as network.py prints them (`9542 / 10000`). */
  testCorrect?: number;
  testCost?: number;
  validationAccuracy?: number;
  validationCorrect?: number;
  validationCost?: number;
  trainingAccuracy?: number;
  trainingCost?: number;
}

/** How a training run ended. */
export type TrainStatus = "done" | "early-stopped" | "diverged" | "interrupted";

/** The outcome of {@linkcode sgd}. */
export interface TrainResult {
  status: TrainStatus;
  epochs: EpochMetrics[];
  /** The epoch in which the weights became NaN or infinite, for `diverged`. */
  divergedEpoch?: number;
  /** The kernel the input layer used. */
  kernel: "sparse" | "dense";
}

/** Fraction of non-zero values in (a sample of) `split`'s images. */
export function density(split: Split): number {
  const images = split.images;
  const step = Math.max(1, Math.floor(images.length / 1_000_000));
  let nonZero = 0;
  let n = 0;
  for (let i = 0; i < images.length; i += step, n++) if (images[i] !== 0) nonZero++;
  return n === 0 ? 0 : nonZero / n;
}

/**
 * Trains `net` on `data.training`. `onEpoch` receives each epoch's metrics; returning `false`
 * stops the run (status `interrupted`) with every finished epoch kept.
 *
 * @example
 * ```ts
 * import { loadDataset } from "../data/dataset.ts";
 * import { Network } from "./network.ts";
 * import { Rng } from "./prng.ts";
 * import { sgd } from "./sgd.ts";
 * const data = loadDataset({ path: "tests/testdata/mnist.pkl.gz" });
 * const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
 * const result = sgd(net, data, { eta: 3, miniBatchSize: 10, epochs: 2, seed: 1 });
 * console.assert(result.status === "done" && result.epochs.length === 2);
 * ```
 */
export function sgd(
  net: Network,
  data: Dataset,
  options: TrainOptions,
  onEpoch?: (metrics: EpochMetrics) => boolean | void,
): TrainResult {
  const training = data.training;
  const n = training.count;
  const m = options.miniBatchSize;
  const eta = options.eta;
  const lmbda = options.lmbda ?? 0;
  const replacement = options.sampling === "replacement";
  if (net.sizes[0] !== data.inputSize) {
    throw new RangeError(
      `the network takes ${net.sizes[0]} inputs, the data has ${data.inputSize}`,
    );
  }
  if (!(Number.isInteger(m) && m >= 1)) {
    throw new RangeError(`miniBatchSize must be a positive integer, got ${m}`);
  }
  const kernel = options.kernel === "sparse" || options.kernel === "dense"
    ? options.kernel
    : density(training) < 0.5
    ? "sparse"
    : "dense";
  const sparse = kernel === "sparse";
  const itersPerEpoch = Math.max(1, Math.floor(n / m));
  const iterations = replacement && options.iterations !== undefined
    ? options.iterations
    : undefined;
  const epochs = iterations !== undefined ? Math.ceil(iterations / itersPerEpoch) : options.epochs;
  const monitor = { testAccuracy: true, ...options.monitor };
  const rng = new Rng(options.seed);
  const ws = net.workspace(m);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const decay = 1 - (eta * lmbda) / n;
  const images = training.images;
  // Sparse rows found once for the split (withSparseRows), or a scan per example.
  const rowsSparse = training.sparse ?? (sparse ? sparseRows(training, data.inputSize) : undefined);
  // Evaluation reads every monitored split once per epoch: find its non-zero pixels once too.
  const withRows = (split: Split, monitored: boolean | undefined): Split =>
    split.sparse || !sparse || !monitored
      ? split
      : { ...split, sparse: sparseRows(split, data.inputSize) };
  const test = withRows(data.test, monitor.testAccuracy || monitor.testCost);
  const validation = data.validation &&
    withRows(data.validation, monitor.validationAccuracy || monitor.validationCost);
  const trainingEval = { ...training, sparse: rowsSparse };
  const labels = training.labels;
  const params = net.params;
  const history: EpochMetrics[] = [];
  let best = -Infinity;
  let sinceBest = 0;
  let done = 0; // iterations so far, for replacement sampling

  for (let epoch = 0; epoch < epochs; epoch++) {
    const start = performance.now();
    if (replacement) {
      const count = iterations !== undefined
        ? Math.min(itersPerEpoch, iterations - done)
        : itersPerEpoch;
      for (let it = 0; it < count; it++) {
        for (let e = 0; e < m; e++) ws.rows[e] = rng.nextInt(n);
        forward(params, ws, images, m, sparse, rowsSparse);
        backward(params, ws, labels, m);
        update(params, ws, m, eta, decay);
      }
      done += count;
    } else {
      rng.shuffle(order);
      for (let k = 0; k < n; k += m) {
        const size = Math.min(m, n - k);
        for (let e = 0; e < size; e++) ws.rows[e] = order[k + e];
        forward(params, ws, images, size, sparse, rowsSparse);
        backward(params, ws, labels, size);
        update(params, ws, size, eta, decay);
      }
    }
    const trainSeconds = (performance.now() - start) / 1000;
    if (!net.isFinite()) {
      return { status: "diverged", epochs: history, divergedEpoch: epoch, kernel };
    }
    const evalStart = performance.now();
    const metrics: EpochMetrics = { epoch, trainSeconds, evalSeconds: 0 };
    if (monitor.testAccuracy) {
      metrics.testCorrect = net.evaluate(test);
      metrics.testAccuracy = metrics.testCorrect / test.count;
    }
    if (monitor.testCost) metrics.testCost = net.totalCost(test, lmbda);
    if (validation && monitor.validationAccuracy) {
      metrics.validationCorrect = net.evaluate(validation);
      metrics.validationAccuracy = metrics.validationCorrect / validation.count;
    }
    if (validation && monitor.validationCost) {
      metrics.validationCost = net.totalCost(validation, lmbda);
    }
    if (monitor.trainingAccuracy) metrics.trainingAccuracy = net.evaluate(trainingEval) / n;
    if (monitor.trainingCost) metrics.trainingCost = net.totalCost(trainingEval, lmbda);
    metrics.evalSeconds = (performance.now() - evalStart) / 1000;
    history.push(metrics);
    if (onEpoch?.(metrics) === false) return { status: "interrupted", epochs: history, kernel };
    if (options.earlyStopping) {
      const acc = metrics.validationAccuracy ?? metrics.testAccuracy ?? -Infinity;
      if (acc > best) {
        best = acc;
        sinceBest = 0;
      } else if (++sinceBest >= options.earlyStopping) {
        return { status: "early-stopped", epochs: history, kernel };
      }
    }
  }
  return { status: "done", epochs: history, kernel };
}
