/**
 * Experiment files as data: the field tables (with defaults, bounds and meaning), the checks
 * that refuse bad values in one line naming the file and the JSON path, the JSON Schema
 * generated from the same tables, and the expansion of an experiment into trials (grid, cases,
 * sampled settings, repeats, shards).
 *
 * @module
 */
export { suggest } from "./_suggest.ts";
export { Checker, show } from "./checker.ts";
export {
  type Distribution,
  type DistributionName,
  distributionOf,
  DISTRIBUTIONS,
} from "./distributions.ts";
export {
  applyOverrides,
  datasetKey,
  expandTrials,
  resolvedInit,
  type Trial,
  trialId,
  trialIdFormat2,
} from "./expand.ts";
export {
  DATASET_FIELDS,
  type DatasetSpec,
  DEFAULT_SETTING,
  type Field,
  type FieldType,
  layerField,
  PRUNE_FIELDS,
  SCHEDULE_FIELDS,
  type Setting,
  SETTING_FIELDS,
  SETTING_KEYS,
  type SettingKey,
  TOP_FIELDS,
} from "./fields.ts";
export { experimentJsonSchema } from "./json_schema.ts";
export { duplicateKey, parseJson } from "./json_text.ts";
export {
  checkSetting,
  describeSetting,
  type Experiment,
  parseExperiment,
  type Prune,
  settingText,
  varyingKeys,
} from "./parse.ts";
export { parseShard, selectShard, type Shard, shardFromEnv } from "./shard.ts";
