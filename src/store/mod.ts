/**
 * What a results folder holds: one append-only record per trial (the source of truth), the trial
 * statuses, each experiment's resolved file, and the CSV files and zarr store derived from the
 * records.
 *
 * @module
 */
export { writeCsvs } from "./csv.ts";
export { experimentHash, type ExperimentMeta, readMetas, writeMeta } from "./meta.ts";
export {
  appendStatus,
  type Durability,
  readRecordFile,
  readRecordFileSync,
  readRecords,
  type RecordCache,
  RecordLog,
  type RecordRead,
  type RecordSet,
  Syncer,
} from "./record_files.ts";
export {
  parseRecord,
  RECORD_FORMAT,
  recordFile,
  recordsDir,
  recordText,
  type StatusEvent,
  type TrialHeader,
  type TrialRecord,
} from "./records.ts";
export {
  isComplete,
  MAX_ATTEMPTS,
  recordComplete,
  STATUS_INFO,
  STATUSES,
  type TrialStatus,
} from "./status.ts";
export { trialSummary, valueAtBestValidation } from "./summary.ts";
export { TrialTable } from "./trial_table.ts";
export { recordsDigest, storeDigest, storeOrder, writeStore } from "./zarr_store.ts";
export {
  confusionMatrix,
  decodePredictions,
  encodePredictions,
  type FirstLayerWeights,
  MAX_IMAGES,
  MAX_OUTPUTS,
  MAX_UNITS,
  predictionsFile,
  type PredictionSnapshot,
  type QuantisedTiles,
  readPredictions,
  readPredictionsSync,
  snapshotOf,
  type SnapshotRole,
  type StoredImages,
  type TrialPredictions,
  writePredictions,
} from "./predictions.ts";
export { predictionsDigest, writePredictionStore } from "./predictions_zarr.ts";
