/**
 * The per-epoch metrics, one table: their CSV and zarr column names, whether `monitor` may
 * list them, which way is better, and their titles. Records, CSV files, the zarr store,
 * tables, plots and the experiment schema all derive their lists from it, so a new metric is
 * one entry here (and its computation in `sgd`).
 *
 * @module
 */

/** What a metric measures, which decides how it is shown. */
export type MetricKind = "accuracy" | "cost" | "layers" | "rate" | "seconds";

/** One metric's description. */
export interface MetricInfo {
  /** Column name in `epochs.csv` and array name in `sweep.zarr`. */
  column: string;
  /** What it measures. */
  kind: MetricKind;
  /** The split it is measured on, if any. */
  split?: "test" | "validation" | "training";
  /** May be listed in a setting's `monitor` (else it is always recorded). */
  monitor: boolean;
  /** Smaller values are better (costs, seconds). */
  lowerIsBetter: boolean;
  /** Title of its chart. */
  title: string;
}

/** Every per-epoch metric, in column order. */
export const METRIC_INFO = {
  testAccuracy: {
    column: "test_accuracy",
    kind: "accuracy",
    split: "test",
    monitor: true,
    lowerIsBetter: false,
    title: "Test accuracy (%)",
  },
  testCost: {
    column: "test_cost",
    kind: "cost",
    split: "test",
    monitor: true,
    lowerIsBetter: true,
    title: "Test cost",
  },
  validationAccuracy: {
    column: "validation_accuracy",
    kind: "accuracy",
    split: "validation",
    monitor: true,
    lowerIsBetter: false,
    title: "Validation accuracy (%)",
  },
  validationCost: {
    column: "validation_cost",
    kind: "cost",
    split: "validation",
    monitor: true,
    lowerIsBetter: true,
    title: "Validation cost",
  },
  trainingAccuracy: {
    column: "training_accuracy",
    kind: "accuracy",
    split: "training",
    monitor: true,
    lowerIsBetter: false,
    title: "Training accuracy (%)",
  },
  trainingCost: {
    column: "training_cost",
    kind: "cost",
    split: "training",
    monitor: true,
    lowerIsBetter: true,
    title: "Training cost",
  },
  gradientNorms: {
    column: "gradient_norm",
    kind: "layers",
    split: "training",
    monitor: true,
    lowerIsBetter: false,
    title: "Gradient norm of each hidden layer's biases",
  },
  eta: {
    column: "learning_rate",
    kind: "rate",
    monitor: false,
    lowerIsBetter: false,
    title: "Learning rate",
  },
  trainSeconds: {
    column: "train_seconds",
    kind: "seconds",
    monitor: false,
    lowerIsBetter: true,
    title: "Training seconds",
  },
  evalSeconds: {
    column: "eval_seconds",
    kind: "seconds",
    monitor: false,
    lowerIsBetter: true,
    title: "Evaluation seconds",
  },
} as const satisfies Record<string, MetricInfo>;

/** A per-epoch metric's name. */
export type MetricName = keyof typeof METRIC_INFO;

/** A metric a setting's `monitor` may list. */
export type MonitorMetric = {
  [K in MetricName]: (typeof METRIC_INFO)[K]["monitor"] extends true ? K : never;
}[MetricName];

/** Every metric name, in column order. */
export const METRIC_NAMES = Object.keys(METRIC_INFO) as MetricName[];

/** The metrics `monitor` may list, in column order. */
export const MONITOR_METRICS = METRIC_NAMES.filter((m) =>
  METRIC_INFO[m].monitor
) as MonitorMetric[];

/** Which metrics to compute after a monitored epoch (network2.py's `monitor_*` flags). */
export type Monitor = Partial<Record<MonitorMetric, boolean>>;

/** What one epoch measured. Accuracies are fractions; costs include the regularisation term. */
export type EpochMetrics =
  & {
    /** The epoch's index from 0, as network.py prints it (`Epoch 0` after the first). */
    epoch: number;
    /** Correct test answers, as network.py prints them (`9542 / 10000`). */
    testCorrect?: number;
    validationCorrect?: number;
    /** Per hidden layer: the norm of the mean gradient of its biases (Nielsen ch. 5). */
    gradientNorms?: number[];
    /** The learning rate the epoch trained with. */
    eta: number;
    /** Seconds of training in this epoch (evaluation excluded). */
    trainSeconds: number;
    /** Seconds of evaluation after it. */
    evalSeconds: number;
  }
  & { [K in Exclude<MonitorMetric, "gradientNorms">]?: number };

/** The value of a scalar metric of `m`, or undefined. */
export function metricValue(m: EpochMetrics, name: MetricName): number | undefined {
  const v = (m as Record<string, unknown>)[name];
  return typeof v === "number" ? v : undefined;
}
