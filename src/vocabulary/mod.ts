/**
 * The words every layer above shares, as tables and types with no machinery behind them:
 * activations, costs, initialisations, layer kinds, optimisers, sampling, the learning-rate
 * schedule, planned epochs and the per-epoch metrics. Experiments, records, results and the live
 * view need only these, never the kernels or the training loop.
 *
 * @module
 */
export { type Activation, ACTIVATIONS, type Cost, COSTS } from "./functions.ts";
export { type Init, INIT_DESCRIPTION, INITS } from "./inits.ts";
export {
  type ConvSpec,
  type DenseSpec,
  LAYER_FIELDS,
  type LayerField,
  type LayerSpec,
  MAX_BATCH,
  type PoolSpec,
} from "./layers.ts";
export {
  type EpochMetrics,
  METRIC_INFO,
  METRIC_NAMES,
  type MetricInfo,
  type MetricKind,
  type MetricName,
  metricValue,
  type Monitor,
  MONITOR_METRICS,
  type MonitorMetric,
} from "./metrics.ts";
export { duration, epochText } from "./text.ts";
export {
  type EtaSchedule,
  OPTIMIZER_NAMES,
  OPTIMIZER_READS,
  type OptimizerName,
  plannedEpochs,
  type Sampling,
} from "./training.ts";
