/**
 * One training run's parts, set up from its options and restored from a checkpoint: the
 * batches and their generator, the dropout generator, the optimiser, early stopping and the
 * schedule, what is monitored, and the inputs the first layer reads. The loop in train.ts
 * drives them; `capture()` and `restore()` are the whole state a checkpoint holds.
 *
 * @module
 */
import { deriveSeed, Rng } from "../core/mod.ts";
import { type Dataset, density, sparseRows, type Split } from "../data/mod.ts";
import type { Engine, Network, Source } from "../model/mod.ts";
import type { Monitor } from "../vocabulary/mod.ts";
import { plannedEpochs } from "../vocabulary/mod.ts";
import { type MonitoredSplits, monitoredSplits } from "./monitor.ts";
import type { Optimizer } from "./optimizers/_optimizer.ts";
import { OPTIMIZERS } from "./optimizers/registry.ts";
import type { TrainOptions } from "./options.ts";
import { Batches } from "./sampling.ts";
import type { TrainState } from "./state.ts";
import { Stopping } from "./stopping.ts";

/** A run's parts. */
export interface TrainingRun {
  engine: Engine;
  /** Epochs the run makes, and the first one it runs (after a resumed checkpoint's). */
  epochs: number;
  first: number;
  batches: Batches;
  dropoutRng: Rng;
  optimizer: Optimizer;
  stopping: Stopping;
  /** Where each batch's inputs come from. */
  source: Source;
  kernel: "sparse" | "dense";
  monitor: Monitor;
  /** The accuracy that early stopping and the schedule watch, if any. */
  stopMetric: "validationAccuracy" | "testAccuracy" | null;
  splits: MonitoredSplits;
  /** The whole state after `epoch` epochs (copies). */
  capture(epoch: number): TrainState;
}

/** Sets up a run of `net` on `data`; throws RangeError for options that cannot run. */
export function setUpRun(
  net: Network,
  data: Dataset,
  options: TrainOptions,
  resume?: TrainState,
): TrainingRun {
  const engine = net.engine;
  const training = data.training;
  const n = training.count;
  const m = options.miniBatchSize;
  checkOptions(net, data, options);
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
  const sampling = options.sampling ?? "shuffle";
  const kernel = options.kernel === "sparse" || options.kernel === "dense"
    ? options.kernel
    : density(training) < 0.5
    ? "sparse"
    : "dense";
  const kind = OPTIMIZERS[options.optimizer ?? "sgd"];
  if (!kind) throw new RangeError(`unknown optimizer '${options.optimizer}'`);
  const optimizer = kind.create(engine, {
    momentum: options.momentum ?? 0.9,
    rmsDecay: options.rmsDecay ?? 0.99,
    beta1: options.beta1 ?? 0.9,
    beta2: options.beta2 ?? 0.999,
  }, { l2: (options.lmbda ?? 0) / n + (options.weightDecay ?? 0), l1: (options.l1 ?? 0) / n });
  const stopping = new Stopping(options.eta, options.earlyStopping ?? 0, schedule);
  const rng = resume ? Rng.fromState(resume.rng) : new Rng(options.seed);
  const dropoutRng = resume
    ? Rng.fromState(resume.dropoutRng)
    : new Rng(deriveSeed(options.seed, "dropout"));
  const batches = new Batches(sampling, n, m, options.iterations, rng);
  // Every layer's parameters, then its saved state (batch norm's running statistics).
  const saved = engine.layers.flatMap((l) => [...l.params.map((p) => p.data), ...l.state]);
  if (resume) restore(resume, saved, optimizer, batches, stopping);
  const sparse = kernel === "sparse";
  const trainRows: Split["sparse"] = training.sparse ??
    (sparse ? sparseRows(training, data.inputSize) : undefined);
  return {
    engine,
    epochs: plannedEpochs({ ...options, sampling }, n),
    first: resume?.epoch ?? 0,
    batches,
    dropoutRng,
    optimizer,
    stopping,
    source: { images: training.images, sparse: sparse ? trainRows : undefined, all: !sparse },
    kernel,
    monitor,
    stopMetric,
    splits: monitoredSplits(net, data, monitor, trainRows),
    capture: (epoch) => ({
      epoch,
      iterations: batches.iterations,
      rng: rng.state(),
      dropoutRng: dropoutRng.state(),
      order: batches.order ? batches.order.slice() : null,
      ...stopping.state(),
      params: saved.map((a) => a.slice()),
      optimizer: optimizer.arrays.map((a) => a.slice()),
      optimizerScalars: optimizer.scalars(),
    }),
  };
}

function checkOptions(net: Network, data: Dataset, options: TrainOptions): void {
  const m = options.miniBatchSize;
  if (net.engine.inputSize !== data.inputSize) {
    throw new RangeError(
      `the network takes ${net.engine.inputSize} inputs, the data has ${data.inputSize}`,
    );
  }
  if (!(Number.isInteger(m) && m >= 1)) {
    throw new RangeError(`miniBatchSize must be a positive integer, got ${m}`);
  }
  if (net.batchNorm && m < 2) {
    throw new RangeError("batch norm needs at least two examples per batch");
  }
}

function restore(
  r: TrainState,
  saved: Float32Array[],
  optimizer: Optimizer,
  batches: Batches,
  stopping: Stopping,
): void {
  if (r.params.length !== saved.length || r.params.some((p, i) => p.length !== saved[i].length)) {
    throw new RangeError("the checkpoint is of a different network");
  }
  r.params.forEach((p, i) => saved[i].set(p));
  if (r.optimizer.length !== optimizer.arrays.length) {
    throw new RangeError("the checkpoint is of a different optimizer");
  }
  r.optimizer.forEach((a, i) => optimizer.arrays[i].set(a));
  optimizer.restore(r.optimizerScalars);
  if (batches.order && r.order) batches.order.set(r.order);
  batches.iterations = r.iterations;
  stopping.restore(r);
}
