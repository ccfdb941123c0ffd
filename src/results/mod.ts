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
  type SettingRow,
  SORT_KEYS,
  type Stat,
} from "./compare.ts";
export { epochSeconds } from "./_rows.ts";
export { chartMetrics, curveSpec, renderCharts, writePlots } from "./plots.ts";
export { findSweeps, readSweep, readSweeps, type SweepData, sweepDirs, upTo } from "./read.ts";
export { reportHtml, tableHtml, writeReport } from "./report.ts";
export { comparisonNotes, type Format, formatComparison, FORMATS } from "./table.ts";
