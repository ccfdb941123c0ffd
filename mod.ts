/**
 * netsweep: a Deno-native data pipeline and experiment runner for the neural networks of
 * Nielsen's *Neural Networks and Deep Learning* and Saito's *Deep Learning from Scratch*.
 *
 * - **Data**: {@linkcode loadDataset} reads `mnist.pkl.gz`, `mnist.npz` or the IDX files (or
 *   the embedded MNIST, or Fashion-MNIST by name) into shared Float32Array splits;
 *   {@linkcode readArchive} and {@linkcode inspectArchive} show what a file holds.
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
 * import { loadDataset, Network, Rng, train } from "./mod.ts";
 * const data = loadDataset({ path: "tests/testdata/mnist.pkl.gz" });
 * assertEquals(data.training.count, 100);
 * const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
 * const result = train(net, data, { eta: 3, miniBatchSize: 10, epochs: 1, seed: 1 });
 * assertEquals(result.epochs.length, 1);
 * ```
 *
 * @module
 */
export { deriveSeed, NetsweepError, Rng, type RngState } from "./src/core/mod.ts";

export {
  type Archive,
  type ArchiveSplit,
  type ArchiveSummary,
  type Dataset,
  datasetIdentity,
  type DatasetName,
  type DatasetOptions,
  inspectArchive,
  loadDataset,
  type PixelScale,
  readArchive,
  type ReadOptions,
  type SparseRows,
  type Split,
  type SplitScheme,
  type SplitSummary,
  withSparseRows,
} from "./src/data/mod.ts";

export {
  type Activation,
  type ConvSpec,
  type Cost,
  type DenseSpec,
  type EpochMetrics,
  type EtaSchedule,
  type Init,
  INITS,
  LAYER_FIELDS,
  type LayerField,
  type LayerSpec,
  METRIC_INFO,
  type MetricInfo,
  type MetricKind,
  type MetricName,
  type Monitor,
  type MonitorMetric,
  OPTIMIZER_NAMES,
  type OptimizerName,
  type PoolSpec,
  type Sampling,
} from "./src/vocabulary/mod.ts";
export {
  Engine,
  type Kernels,
  KernelTeam,
  type Layer,
  type LayerWork,
  type Mode,
  Network,
  type NetworkJson,
  type NetworkOptions,
  type Param,
  type Pass,
  type Regularization,
  type ServeEnd,
  serveTeam,
  type Source,
  type Splitter,
  type TeamShare,
  WasmArena,
  type Workspace,
} from "./src/model/mod.ts";
export {
  decodeCheckpoint,
  encodeCheckpoint,
  sgd,
  type StoppedBy,
  train,
  type TrainControl,
  type TrainOptions,
  type TrainResult,
  type TrainState,
  type TrainStatus,
} from "./src/train/mod.ts";

export {
  applyOverrides,
  DATASET_FIELDS,
  type DatasetSpec,
  DEFAULT_SETTING,
  type Distribution,
  type DistributionName,
  expandTrials,
  type Experiment,
  experimentJsonSchema,
  type Field,
  type FieldType,
  parseExperiment,
  parseShard,
  type Prune,
  PRUNE_FIELDS,
  SCHEDULE_FIELDS,
  selectShard,
  type Setting,
  SETTING_FIELDS,
  type SettingKey,
  settingText,
  type Shard,
  shardFromEnv,
  TOP_FIELDS,
  type Trial,
} from "./src/experiment/mod.ts";

export type { LeaseHooks, LeaseStep } from "./src/coordination/mod.ts";

export {
  type Durability,
  type ExperimentMeta,
  type FirstLayerWeights,
  type PredictionSnapshot,
  type QuantisedTiles,
  readPredictions,
  type RecordCache,
  type SnapshotRole,
  STATUS_INFO,
  type StoredImages,
  type TrialHeader,
  type TrialPredictions,
  type TrialRecord,
  type TrialStatus,
} from "./src/store/mod.ts";

export {
  loadExperiment,
  progressReporter,
  runSweep,
  type SweepEvent,
  type SweepOptions,
  type SweepResult,
} from "./src/sweep/mod.ts";

export {
  type ChartSpec,
  type CompareOptions,
  compareSweeps,
  type Comparison,
  curveSpec,
  ensembleVote,
  type Format,
  formatComparison,
  loadPredictions,
  readSweep,
  readSweeps,
  renderSvg,
  reportHtml,
  type SettingRow,
  type Stat,
  type SweepData,
  type Vote,
  writePlots,
  writeReport,
} from "./src/results/mod.ts";

export {
  chart,
  compare,
  ComparisonView,
  Html,
  JUPYTER_DISPLAY,
  loadSweep,
  type MediaBundle,
  NotebookSweep,
  type NotebookSweepOptions,
  Svg,
  sweep,
  SweepView,
  type TrialSelector,
  TrialView,
} from "./src/notebook/mod.ts";
