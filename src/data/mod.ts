/**
 * MNIST as readers hold it: the streaming loader for every archive format (pickle, npz, IDX;
 * gzip and zip), the split schemes, the embedded default, datasets by name (Fashion-MNIST),
 * and the shared Float32Array splits every worker reads.
 *
 * @module
 */
export {
  type Archive,
  type ArchiveSplit,
  type PixelScale,
  readArchive,
  type ReadOptions,
} from "./archive.ts";
export { type DatasetOptions, limitTraining, loadDataset, withSparseRows } from "./dataset.ts";
export { datasetIdentity } from "./identity.ts";
export {
  DATASET_NAMES,
  type DatasetName,
  datasetPlaces,
  type EnvReader,
  isDatasetName,
  locateDataset,
} from "./catalogue.ts";
export { type ArchiveSummary, inspectArchive, type SplitSummary } from "./inspect.ts";
export { checkRegularFile } from "./_file.ts";
export { density, MAX_CODES, sparseRows } from "./sparse.ts";
export type { Dataset, SparseRows, Split, SplitScheme } from "./split.ts";
