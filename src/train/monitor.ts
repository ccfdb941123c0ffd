/**
 * What a monitored epoch measures (network2.py's `monitor_*` flags, and more): accuracy and
 * cost on the test, validation and training splits, and Nielsen's gradient norms.
 *
 * @module
 */
import { type Dataset, sparseRows, type Split } from "../data/mod.ts";
import type { Network, Regularization } from "../model/mod.ts";
import type { EpochMetrics, Monitor } from "../vocabulary/mod.ts";
import { gradientNorms } from "./gradient_norms.ts";

/** The splits a run evaluates, each with its non-zero pixels found once for the run. */
export interface MonitoredSplits {
  test: Split;
  validation: Split | null;
  training: Split;
}

/**
 * The splits of `data` to evaluate, with their non-zero pixels listed once where the first
 * layer reads them (evaluation reads every monitored split at every monitored epoch).
 */
export function monitoredSplits(
  net: Network,
  data: Dataset,
  monitor: Monitor,
  trainingRows: Split["sparse"],
): MonitoredSplits {
  const withRows = (split: Split, monitored: boolean | undefined): Split =>
    split.sparse || !monitored || !net.engine.sparseFirst
      ? split
      : { ...split, sparse: sparseRows(split, data.inputSize) };
  return {
    test: withRows(data.test, monitor.testAccuracy || monitor.testCost),
    validation: data.validation &&
      withRows(data.validation, monitor.validationAccuracy || monitor.validationCost),
    training: { ...data.training, sparse: trainingRows },
  };
}

/** Adds the monitored metrics of `net` to `metrics`. */
export function measure(
  net: Network,
  splits: MonitoredSplits,
  monitor: Monitor,
  reg: Regularization,
  metrics: EpochMetrics,
  gradient: { kernel: "sparse" | "dense"; images: number },
): void {
  const { test, validation, training } = splits;
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
  if (monitor.trainingAccuracy) {
    metrics.trainingAccuracy = net.evaluate(training) / training.count;
  }
  if (monitor.trainingCost) metrics.trainingCost = net.totalCost(training, reg);
  if (monitor.gradientNorms) {
    metrics.gradientNorms = gradientNorms(net, training, gradient.kernel, gradient.images);
  }
}
