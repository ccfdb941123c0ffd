/**
 * netsweep: a Deno-native data pipeline and experiment runner for the neural networks of
 * Nielsen's *Neural Networks and Deep Learning* and Saito's *Deep Learning from Scratch*.
 *
 * - **Data**: {@linkcode loadDataset} reads `mnist.pkl.gz`, `mnist.npz` or the IDX files (or
 *   the embedded MNIST) into shared Float32Array splits; {@linkcode readArchive} and
 *   {@linkcode inspectArchive} show what a file holds.
 * - **Network**: {@linkcode Network} (fully connected, convolutional and pooling layers, batch
 *   norm, dropout, save/load) and {@linkcode sgd} (both books' sampling, six optimisers, L2, L1
 *   and weight decay, a learning-rate schedule, monitoring, early stopping, resumable state),
 *   driven by the seeded {@linkcode Rng}.
 * - **Experiments**: {@linkcode parseExperiment} and {@linkcode expandTrials} turn an experiment
 *   file into trials (grid, cases, sampled settings, repeats).
 * - **Sweeps**: {@linkcode runSweep} runs an experiment file on Workers that share one copy of
 *   the data, with resumable trial records, claims and shards.
 * - **Results**: {@linkcode readSweep}, {@linkcode compareSweeps}, {@linkcode formatComparison},
 *   {@linkcode writePlots} and {@linkcode writeReport} read and present them.
 * - **Notebooks**: {@linkcode sweep} runs a sweep from a Jupyter cell (`deno jupyter`) with a
 *   progress element updated in place; {@linkcode loadSweep}, {@linkcode compare} and
 *   {@linkcode chart} give results that display themselves as HTML tables and SVG charts.

 *
 * @example
 * ```ts
 * import { assertEquals } from "./tests/_assert.ts";
 * import { loadDataset, Network, Rng, sgd } from "./mod.ts";
 * const data = loadDataset({ path: "tests/testdata/mnist.pkl.gz" });
 * assertEquals(data.training.count, 100);
 * const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
 * const result = sgd(net, data, { eta: 3, miniBatchSize: 10, epochs: 1, seed: 1 });
 * assertEquals(result.epochs.length, 1);
 * ```
 *
 * @module
 */
export { NetsweepError } from "./src/core/errors.ts";
export { deriveSeed, Rng, type RngState } from "./src/core/prng.ts";

export {
  type Archive,
  type ArchiveSplit,
  type PixelScale,
  readArchive,
  type ReadOptions,
} from "./src/data/archive.ts";
export {
  type Dataset,
  type DatasetOptions,
  loadDataset,
  type Split,
  type SplitScheme,
  withSparseRows,
} from "./src/data/dataset.ts";
export { type ArchiveSummary, inspectArchive, type SplitSummary } from "./src/data/inspect.ts";
export { datasetIdentity } from "./src/data/identity.ts";
export type { SparseRows } from "./src/data/sparse.ts";

export type { Activation, Cost } from "./src/model/functions.ts";
export { type Init, INITS } from "./src/model/init.ts";
export type { ConvSpec, DenseSpec, LayerSpec, PoolSpec } from "./src/model/layers/registry.ts";
export { OPTIMIZER_NAMES, type OptimizerName } from "./src/train/optimizers/registry.ts";
export {
  type EpochMetrics,
  METRIC_INFO,
  type MetricInfo,
  type MetricKind,
  type MetricName,
  type Monitor,
  type MonitorMetric,
} from "./src/vocabulary/metrics.ts";
export {
  Network,
  type NetworkJson,
  type NetworkOptions,
  type Regularization,
} from "./src/model/network.ts";
export {
  type EtaSchedule,
  type Sampling,
  sgd,
  type TrainControl,
  type TrainOptions,
  type TrainResult,
  type TrainState,
  type TrainStatus,
} from "./src/train/train.ts";
export { decodeCheckpoint, encodeCheckpoint } from "./src/train/state.ts";

export {
  DATASET_FIELDS,
  type DatasetSpec,
  DEFAULT_SETTING,
  type Field,
  type FieldType,
  type Setting,
  SETTING_FIELDS,
  type SettingKey,
} from "./src/experiment/fields.ts";
export {
  type Experiment,
  parseExperiment,
  type Prune,
  settingText,
} from "./src/experiment/schema.ts";
export { type Distribution, type DistributionName } from "./src/experiment/distributions.ts";
export { experimentJsonSchema } from "./src/experiment/json_schema.ts";
export { applyOverrides, expandTrials, type Trial } from "./src/experiment/expand.ts";
export { parseShard, selectShard, type Shard, shardFromEnv } from "./src/experiment/shard.ts";

export { STATUS_INFO, type TrialStatus } from "./src/store/status.ts";
export { type TrialHeader, type TrialRecord } from "./src/store/records.ts";
export { type ExperimentMeta } from "./src/store/meta.ts";

export { loadExperiment } from "./src/sweep/plan.ts";
export {
  runSweep,
  type SweepEvent,
  type SweepOptions,
  type SweepResult,
} from "./src/sweep/runner.ts";
export { progressReporter } from "./src/sweep/progress.ts";

export { readSweep, readSweeps, type SweepData } from "./src/results/read.ts";
export type { RecordCache } from "./src/store/records.ts";
export {
  type CompareOptions,
  compareSweeps,
  type Comparison,
  type SettingRow,
  type Stat,
} from "./src/results/compare.ts";
export { type Format, formatComparison } from "./src/results/table.ts";
export { type ChartSpec, curveSpec, renderSvg, writePlots } from "./src/results/plots.ts";
export { reportHtml, writeReport } from "./src/results/report.ts";

export { Html, JUPYTER_DISPLAY, type MediaBundle, Svg } from "./src/notebook/display.ts";
export { chart, compare, ComparisonView, loadSweep, SweepView } from "./src/notebook/views.ts";
export { NotebookSweep, type NotebookSweepOptions, sweep } from "./src/notebook/sweep.ts";
