/**
 * netsweep: a Deno-native data pipeline and experiment runner for small neural networks on
 * MNIST, after Nielsen's *Neural Networks and Deep Learning* and Saito's *Deep Learning from
 * Scratch*.
 *
 * - Data: {@linkcode loadDataset} reads `mnist.pkl.gz`, `mnist.npz` or the IDX files (or the
 *   embedded MNIST) into shared Float32Array splits; {@linkcode readArchive} and
 *   {@linkcode inspectArchive} show what a file holds.
 * - Network: {@linkcode Network} (sizes, activations, costs, initialisations, save/load) and
 *   {@linkcode sgd} (Nielsen's shuffled or Saito's sampled mini-batches, L2, monitoring, early
 *   stopping), driven by the seeded {@linkcode Rng}.
 * - Sweeps: {@linkcode loadExperiment}, {@linkcode expandTrials} and {@linkcode runSweep} run
 *   an experiment file on Workers; {@linkcode readSweep}, {@linkcode compareSweeps},
 *   {@linkcode writePlots} and {@linkcode writeReport} read and present the results.
 *
 * @example
 * ```ts
 * import { loadDataset, Network, Rng, sgd } from "./mod.ts";
 * const data = loadDataset({ path: "tests/testdata/mnist.pkl.gz" });
 * console.assert(data.training.count === 100);
 * const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
 * const result = sgd(net, data, { eta: 3, miniBatchSize: 10, epochs: 1, seed: 1 });
 * console.assert(result.epochs.length === 1);
 * ```
 *
 * @module
 */
export { NetsweepError } from "./src/errors.ts";
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
  limitTraining,
  loadDataset,
  type Split,
  type SplitScheme,
  withSparseRows,
} from "./src/data/dataset.ts";
export { firstRows, type SparseRows, sparseRows } from "./src/data/sparse.ts";
export { type ArchiveSummary, inspectArchive, type SplitSummary } from "./src/data/inspect.ts";
export { DEFAULT_SOURCE, defaultMnistDir } from "./src/data/mnist.ts";
export { type Activation, ACTIVATIONS, type Cost, COSTS } from "./src/network/functions.ts";
export { deriveSeed, Rng } from "./src/network/prng.ts";
export { type Init, INITS } from "./src/network/init.ts";
export { Network, type NetworkJson, type NetworkOptions } from "./src/network/network.ts";
export {
  density,
  type EpochMetrics,
  type Monitor,
  sgd,
  type TrainOptions,
  type TrainResult,
  type TrainStatus,
} from "./src/network/sgd.ts";
export {
  DATASET_FIELDS,
  type DatasetSpec,
  DEFAULT_SETTING,
  type Experiment,
  experimentJsonSchema,
  type Metric,
  METRICS,
  parseExperiment,
  type Setting,
  SETTING_FIELDS,
  settingFromText,
  settingText,
  varyingKeys,
} from "./src/sweep/schema.ts";
export {
  applyOverrides,
  expandTrials,
  parseShard,
  selectShard,
  type Shard,
  shardFromEnv,
  type Trial,
} from "./src/sweep/expand.ts";
export {
  isComplete,
  readRecords,
  type TrialRecord,
  type TrialStatus,
} from "./src/sweep/records.ts";
export {
  loadExperiment,
  runSweep,
  type SweepEvent,
  type SweepOptions,
  type SweepResult,
} from "./src/sweep/runner.ts";
export {
  type EpochColumn,
  readSweep,
  type StoredTrial,
  type SweepData,
} from "./src/results/read.ts";
export {
  type CompareOptions,
  compareSweeps,
  type Comparison,
  type Format,
  formatComparison,
  type SettingRow,
  type Stat,
} from "./src/results/compare.ts";
export {
  chartMetrics,
  curveSpec,
  renderCharts,
  renderSvg,
  writePlots,
} from "./src/results/plots.ts";
export { reportHtml, writeReport } from "./src/results/report.ts";
