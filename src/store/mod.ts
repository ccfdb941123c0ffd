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
  parseRecord,
  readRecords,
  RECORD_FORMAT,
  type RecordCache,
  recordFile,
  RecordLog,
  recordsDir,
  recordText,
  type TrialHeader,
  type TrialRecord,
} from "./records.ts";
export { isComplete, STATUS_INFO, STATUSES, type TrialStatus } from "./status.ts";
export { trialSummary, valueAtBestValidation } from "./summary.ts";
export { recordsDigest, storeDigest, storeOrder, writeStore } from "./zarr_store.ts";
