/**
 * Reading results folders and presenting them: the settings table (best first), learning-curve
 * and search charts as SVG, and report.html.
 *
 * @module
 */
export { type ChartSpec, renderSvg } from "./chart.ts";
export {
  type CompareOptions,
  compareSweeps,
  type Comparison,
  rankingMetric,
  type SettingRow,
  SORT_KEYS,
  type Stat,
} from "./compare.ts";
export { epochSeconds } from "./_rows.ts";
export { chartMetrics, curveSpec, renderCharts, writePlots } from "./plots.ts";
export { findSweeps, readSweep, readSweeps, type SweepData, sweepDirs, upTo } from "./read.ts";
export { picturesHtml, reportHtml, tableHtml, writeReport } from "./report.ts";
export { comparisonNotes, type Format, formatComparison, FORMATS } from "./table.ts";
export { type Ballot, ensembleVote, majorityVote, type Vote, type VoteResult } from "./ensemble.ts";
export { confusionDiffSpec, confusionSpec, meanMatrix } from "./confusion.ts";
export {
  binsOf,
  type Importance,
  importanceSpec,
  type ParallelAxis,
  parallelSpec,
  parameterImportance,
  type SearchPoint,
  spearman,
} from "./importance.ts";
export { grayPng, type GridOptions, type Tile, tileGridSvg } from "./image_grid.ts";
export {
  confusionSvg,
  loadPicturePredictions,
  loadPredictions,
  loadVotePredictions,
  misclassifiedSvg,
  type Picture,
  shownSnapshot,
  sweepPictures,
  trialLabel,
  trialPictures,
  voteMissesSvg,
  weightsSvg,
} from "./pictures.ts";
export { searchPoints, searchSpecs } from "./search_plots.ts";
