/**
 * Mini-batch stochastic gradient descent as both books run it: Nielsen's shuffled
 * consecutive mini-batches (network.py, network2.py), network3.py's fixed order, and Saito's
 * batches sampled with replacement; any optimiser of the registry; network2.py's L2, L1 and
 * Saito's weight decay; a learning-rate schedule; monitoring every N epochs; early stopping;
 * divergence detection. The whole state can be captured after any epoch and resumed with the
 * same numbers as an uninterrupted run. No console output: metrics go to a callback.
 *
 * @module
 */
import { type Dataset, sparseRows, type Split } from "../data/mod.ts";
import { engineOf, type Network, type Source } from "../model/mod.ts";
import { deriveSeed, Rng, type RngState } from "../core/mod.ts";
import {
  type EpochMetrics,
  type EtaSchedule,
  type Monitor,
  type OptimizerName,
  plannedEpochs,
  type Sampling,
} from "../vocabulary/mod.ts";
import { OPTIMIZERS } from "./optimizers/registry.ts";
import type { Optimizer } from "./optimizers/_optimizer.ts";
import { gradientNorms } from "./gradient_norms.ts";

export type { EpochMetrics, Monitor } from "../vocabulary/mod.ts";

/** How to train. */
export interface TrainOptions {
  /** The learning rate. */
  eta: number;
  /** Examples per mini-batch. */
  miniBatchSize: number;
  /** Epochs; with `replacement` sampling, derived from `iterations` when given. */
  epochs: number;
  /** network2.py's L2: w -> (1 - eta·lmbda/n)·w; default 0. */
  lmbda?: number;
  /** L1 (Nielsen eq. 95): w -> w - (eta·l1/n)·sgn(w); default 0. */
  l1?: number;
  /** Saito's weight decay: weightDecay·w added to the gradient, whatever n; default 0. */
  weightDecay?: number;
  /**
   * `shuffle` (Nielsen, default): consecutive mini-batches of an order shuffled each epoch;
   * `sequential` (network3.py): the data's own order every epoch, a short last batch dropped;
   * `replacement` (Saito): each iteration samples a batch with replacement.
   */
  sampling?: Sampling;
  /** With `replacement`: total iterations (an epoch is n / miniBatchSize of them). */
  iterations?: number;
  /** Seed of the shuffles, samples and dropout masks. */
  seed: number;
  /** Metrics after each monitored epoch; default test accuracy only. */
  monitor?: Monitor;
  /** Monitor every this many epochs and after the last one; default 1. */
  monitorEvery?: number;
  /** Stop after this many epochs without a better monitored accuracy; 0 (default) is off. */
  earlyStopping?: number;
  /** Learning-rate schedule; null or absent is off. */
  etaSchedule?: EtaSchedule | null;
  /** Default `sgd`. */
  optimizer?: OptimizerName;
  /** Momentum and Nesterov's momentum; default 0.9. */
  momentum?: number;
  /** RMSprop's decay; default 0.99. */
  rmsDecay?: number;
  /** Adam's moment decays; defaults 0.9 and 0.999. */
  beta1?: number;
  /** Adam's second-moment decay; default 0.999. */
  beta2?: number;
  /** Input kernel: `auto` (default) lists only non-zero pixels when under half are non-zero. */
  kernel?: "auto" | "sparse" | "dense";
  /** Training images the `gradientNorms` metric averages over; default 1,000 (Nielsen ch. 5). */
  gradientImages?: number;
}

/** How a training run ended. */
export type TrainStatus = "done" | "early-stopped" | "diverged" | "interrupted";

/** The outcome of {@linkcode sgd}. */
export interface TrainResult {
  /** How the run ended. */
  status: TrainStatus;
  /** Every finished epoch's metrics. */
  epochs: EpochMetrics[];
  /** The epoch in which the parameters became NaN or infinite, for `diverged`. */
  divergedEpoch?: number;
  /** What ended an `early-stopped` run. */
  stoppedBy?: "earlyStopping" | "etaSchedule";
  /** The kernel the input layer used. */
  kernel: "sparse" | "dense";
}

/**
 * Everything a run needs to continue after `epoch` epochs exactly as if it had not stopped:
 * the parameters, the optimiser's state, the generators and the loop's counters.
 */
export interface TrainState {
  /** Epochs finished. */
  epoch: number;
  /** Iterations run (replacement sampling). */
  iterations: number;
  /** The learning rate of the next epoch. */
  eta: number;
  /** The generator of shuffles and samples. */
  rng: RngState;
  /** The generator of dropout masks. */
  dropoutRng: RngState;
  /** The current shuffled order (shuffle sampling: each epoch shuffles the last one). */
  order: Uint32Array | null;
  /** Early stopping's and the schedule's best accuracy so far and its epoch. */
  best: number;
  /** The epoch of early stopping's best accuracy. */
  bestEpoch: number;
  /** The schedule's best accuracy so far. */
  scheduleBest: number;
  /** The epoch of the schedule's best accuracy (or of its last change of eta). */
  scheduleBestEpoch: number;
  /** Every layer's parameters, then its saved state (batch norm's running statistics). */
  params: Float32Array[];
  /** The optimiser's state arrays. */
  optimizer: Float32Array[];
  /** The optimiser's scalars (Adam's step count). */
  optimizerScalars: number[];
}

/** Hooks of a resumable run. */
export interface TrainControl {
  /** Continue from this state (taken from the same network, data and options). */
  resume?: TrainState;
  /**
   * Called after every finished epoch (after `onEpoch`), and before an early stop or an
   * interruption returns; `snapshot()` copies the state only when called.
   */
  checkpoint?: (snapshot: () => TrainState, epoch: number) => void;
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

/**
 * Trains `net` on `data.training`. `onEpoch` receives each epoch's metrics; returning `false`
 * stops the run (status `interrupted`) with every finished epoch kept.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { loadDataset } from "../data/dataset.ts";
 * import { Network } from "../model/network.ts";
 * import { Rng } from "../core/prng.ts";
 * import { sgd } from "./train.ts";
 * const data = loadDataset({ path: "tests/testdata/mnist.pkl.gz" });
 * const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
 * const result = sgd(net, data, { eta: 3, miniBatchSize: 10, epochs: 2, seed: 1 });
 * assertEquals([result.status, result.epochs.length], ["done", 2]);
 * ```
 */
export function sgd(
  net: Network,
  data: Dataset,
  options: TrainOptions,
  onEpoch?: (metrics: EpochMetrics) => boolean | void,
  control: TrainControl = {},
): TrainResult {
  const engine = engineOf(net);
  const training = data.training;
  const n = training.count;
  const m = options.miniBatchSize;
  const sampling = options.sampling ?? "shuffle";
  if (engine.inputSize !== data.inputSize) {
    throw new RangeError(
      `the network takes ${engine.inputSize} inputs, the data has ${data.inputSize}`,
    );
  }
  if (!(Number.isInteger(m) && m >= 1)) {
    throw new RangeError(`miniBatchSize must be a positive integer, got ${m}`);
  }
  if (net.batchNorm && m < 2) {
    throw new RangeError("batch norm needs at least two examples per batch");
  }
  const lmbda = options.lmbda ?? 0;
  const l1 = options.l1 ?? 0;
  const weightDecay = options.weightDecay ?? 0;
  const every = options.monitorEvery ?? 1;
  const monitor: Monitor = { testAccuracy: true, ...options.monitor };
  const stopMetric = monitor.validationAccuracy && data.validation
    ? "validationAccuracy"
    : monitor.testAccuracy
    ? "testAccuracy"
    : null;
  const schedule = options.etaSchedule ?? null;
  if ((options.earlyStopping || schedule) && !stopMetric) {
    throw new RangeError(
      "early stopping and the eta schedule need a monitored accuracy (validation or test)",
    );
  }
  const kernel = options.kernel === "sparse" || options.kernel === "dense"
    ? options.kernel
    : density(training) < 0.5
    ? "sparse"
    : "dense";
  const epochs = plannedEpochs({ ...options, sampling }, n);
  const itersPerEpoch = Math.max(1, Math.floor(n / m));
  const kind = OPTIMIZERS[options.optimizer ?? "sgd"];
  if (!kind) throw new RangeError(`unknown optimizer '${options.optimizer}'`);
  const optimizer: Optimizer = kind.create(engine.params, {
    momentum: options.momentum ?? 0.9,
    rmsDecay: options.rmsDecay ?? 0.99,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
  }, { kernels: engine.kernels, state: (slots) => engine.optimizerState(slots) });
  const weights = engine.params.filter((p) => p.regularize);
  const savedArrays = engine.layers.flatMap((l) => [...l.params.map((p) => p.data), ...l.state]);

  // The loop's state: fresh, or restored from a checkpoint.
  const r = control.resume;
  let rng = new Rng(options.seed);
  let dropoutRng = new Rng(deriveSeed(options.seed, "dropout"));
  const order: Uint32Array | null = sampling === "replacement"
    ? null
    : Uint32Array.from({ length: n }, (_, i) => i);
  let eta = options.eta;
  let done = 0;
  let best = -Infinity;
  let bestEpoch = -1;
  let scheduleBest = -Infinity;
  let scheduleBestEpoch = -1;
  let first = 0;
  if (r) {
    if (
      r.params.length !== savedArrays.length ||
      r.params.some((p, i) => p.length !== savedArrays[i].length)
    ) {
      throw new RangeError("the checkpoint is of a different network");
    }
    r.params.forEach((p, i) => savedArrays[i].set(p));
    if (r.optimizer.length !== optimizer.arrays.length) {
      throw new RangeError("the checkpoint is of a different optimizer");
    }
    r.optimizer.forEach((a, i) => optimizer.arrays[i].set(a));
    optimizer.restore(r.optimizerScalars);
    rng = Rng.fromState(r.rng);
    dropoutRng = Rng.fromState(r.dropoutRng);
    if (order && r.order) order.set(r.order);
    ({ eta, best, bestEpoch, scheduleBest, scheduleBestEpoch, epoch: first, iterations: done } = r);
  }
  const snapshot = (epoch: number) => (): TrainState => ({
    epoch,
    iterations: done,
    eta,
    rng: rng.state(),
    dropoutRng: dropoutRng.state(),
    order: order ? order.slice() : null,
    best,
    bestEpoch,
    scheduleBest,
    scheduleBestEpoch,
    params: savedArrays.map((a) => a.slice()),
    optimizer: optimizer.arrays.map((a) => a.slice()),
    optimizerScalars: optimizer.scalars(),
  });

  const sparse = kernel === "sparse";
  const trainRows = training.sparse ?? (sparse ? sparseRows(training, data.inputSize) : undefined);
  const source: Source = {
    images: training.images,
    sparse: sparse ? trainRows : undefined,
    all: !sparse,
  };
  // Evaluation reads every monitored split once per monitored epoch: its non-zero pixels are
  // found once too.
  const withRows = (split: Split, monitored: boolean | undefined): Split =>
    split.sparse || !monitored || !engine.sparseFirst
      ? split
      : { ...split, sparse: sparseRows(split, data.inputSize) };
  const test = withRows(data.test, monitor.testAccuracy || monitor.testCost);
  const validation = data.validation &&
    withRows(data.validation, monitor.validationAccuracy || monitor.validationCost);
  const trainingEval = { ...training, sparse: trainRows };
  const labels = training.labels;
  const ws = engine.workspace(m);
  const train = { mode: "train" as const, rng: dropoutRng };
  const history: EpochMetrics[] = [];
  const end = (status: TrainStatus, extra: Partial<TrainResult> = {}): TrainResult => ({
    status,
    epochs: history,
    kernel,
    ...extra,
  });

  for (let epoch = first; epoch < epochs; epoch++) {
    const start = performance.now();
    train.rng = dropoutRng;
    const batch = (size: number) => {
      engine.forward(ws, source, size, train);
      engine.backward(ws, labels, size);
      update(size);
    };
    const update = (size: number) => {
      // Regularisation of the weights, then the optimiser's step.
      if (kind.fused) {
        const decay = 1 - eta * (lmbda / n + weightDecay);
        for (const p of weights) {
          if (decay !== 1) engine.kernels.scale(p.data.byteOffset, p.data.length, decay);
          if (l1 !== 0) shrink(p.data, (eta * l1) / n);
        }
        engine.sgdStep(ws, size, -eta / size);
      } else {
        engine.gradients(ws, size);
        const k2 = lmbda / n + weightDecay;
        const k1 = l1 / n;
        if (k2 !== 0 || k1 !== 0) {
          for (const p of weights) {
            const w = p.data;
            const g = p.grad;
            for (let i = 0, len = w.length; i < len; i++) g[i] += k2 * w[i] + k1 * Math.sign(w[i]);
          }
        }
        optimizer.step(eta);
      }
    };
    if (sampling === "replacement") {
      const count = options.iterations !== undefined
        ? Math.min(itersPerEpoch, options.iterations - done)
        : itersPerEpoch;
      for (let it = 0; it < count; it++) {
        for (let e = 0; e < m; e++) ws.rows[e] = rng.nextInt(n);
        batch(m);
      }
      done += count;
    } else {
      if (sampling === "shuffle") rng.shuffle(order!);
      // network3.py runs n/m whole batches; network.py keeps a short last batch.
      const limit = sampling === "sequential" ? itersPerEpoch * m : n;
      for (let k = 0; k < limit; k += m) {
        const size = Math.min(m, limit - k);
        for (let e = 0; e < size; e++) ws.rows[e] = order![k + e];
        batch(size);
      }
    }
    const trainSeconds = (performance.now() - start) / 1000;
    if (!net.isFinite()) return end("diverged", { divergedEpoch: epoch });
    const metrics: EpochMetrics = { epoch, eta, trainSeconds, evalSeconds: 0 };
    const monitored = (epoch + 1) % every === 0 || epoch === epochs - 1;
    if (monitored) {
      const evalStart = performance.now();
      const reg = { lmbda, l1, weightDecay };
      if (monitor.testAccuracy) {
        metrics.testCorrect = net.evaluate(test);
        metrics.testAccuracy = metrics.testCorrect / test.count;
      }
      if (monitor.testCost) metrics.testCost = net.totalCost(test, reg);
      if (validation && monitor.validationAccuracy) {
        metrics.validationCorrect = net.evaluate(validation);
        metrics.validationAccuracy = metrics.validationCorrect / validation.count;
      }
      if (validation && monitor.validationCost) {
        metrics.validationCost = net.totalCost(validation, reg);
      }
      if (monitor.trainingAccuracy) metrics.trainingAccuracy = net.evaluate(trainingEval) / n;
      if (monitor.trainingCost) metrics.trainingCost = net.totalCost(trainingEval, reg);
      if (monitor.gradientNorms) {
        metrics.gradientNorms = gradientNorms(
          net,
          trainingEval,
          kernel,
          options.gradientImages ?? 1000,
        );
      }
      metrics.evalSeconds = (performance.now() - evalStart) / 1000;
    }
    history.push(metrics);
    const keepGoing = onEpoch?.(metrics) !== false;
    let stop: TrainResult | null = null;
    if (monitored && stopMetric) {
      const acc = metrics[stopMetric]!;
      if (options.earlyStopping) {
        if (acc > best) [best, bestEpoch] = [acc, epoch];
        else if (epoch - bestEpoch >= options.earlyStopping) {
          stop = end("early-stopped", { stoppedBy: "earlyStopping" });
        }
      }
      if (schedule && !stop) {
        if (acc > scheduleBest) [scheduleBest, scheduleBestEpoch] = [acc, epoch];
        else if (epoch - scheduleBestEpoch >= schedule.patience) {
          eta *= schedule.factor;
          scheduleBestEpoch = epoch; // another `patience` epochs at the new rate
          if (eta <= options.eta * schedule.stopAt * (1 + 1e-9)) {
            stop = end("early-stopped", { stoppedBy: "etaSchedule" });
          }
        }
      }
    }
    control.checkpoint?.(snapshot(epoch + 1), epoch + 1);
    if (!keepGoing && epoch + 1 < epochs) return end("interrupted");
    if (stop) return stop;
  }
  return end("done");
}

/** w -> w - amount·sgn(w) (L1's step, Nielsen eq. 95). */
function shrink(w: Float32Array, amount: number): void {
  for (let i = 0, n = w.length; i < n; i++) {
    const v = w[i];
    w[i] = v > 0 ? v - amount : v < 0 ? v + amount : 0;
  }
}
