/**
 * What a notebook cell shows for netsweep's results: a finished sweep as its settings table and
 * main learning curve, a comparison as its table, a chart as SVG. Each is a plain object with a
 * `Symbol.for("Jupyter.display")` method, so it displays itself when it ends a cell.
 *
 * @module
 */
import { METRIC_INFO, METRIC_NAMES, type MetricName } from "../vocabulary/mod.ts";
import {
  chartMetrics,
  type ChartSpec,
  type CompareOptions,
  compareSweeps,
  type Comparison,
  comparisonNotes,
  curveSpec,
  formatComparison,
  loadVotePredictions,
  readSweeps,
  renderCharts,
  renderSvg,
  type SweepData,
  tableHtml,
} from "../results/mod.ts";
import type { TrialRecord } from "../store/mod.ts";
import { escapeHtml, Html, JUPYTER_DISPLAY, type MediaBundle, Svg } from "./display.ts";
import {
  confusionChange,
  picturesView,
  searchCharts,
  type TrialSelector,
  type TrialView,
  trialView,
  voteOf,
} from "./pictures.ts";
import type { Vote } from "../results/mod.ts";

/** A metric by name (`testAccuracy`) or column (`test_accuracy`). */
function metricNamed(m: string): MetricName {
  const found = METRIC_NAMES.find((n) => n === m || METRIC_INFO[n].column === m);
  if (!found) {
    throw new RangeError(`unknown metric '${m}'; one of ${METRIC_NAMES.join(", ")}`);
  }
  return found;
}

/** A settings table that shows as HTML in a notebook and as text elsewhere. */
export class ComparisonView {
  /** Wraps a comparison built by `compareSweeps`. */
  constructor(readonly comparison: Comparison) {}
  /** The table as text (`table`), Markdown, CSV or JSON. */
  format(format: "table" | "md" | "csv" | "json" = "table"): string {
    return formatComparison(this.comparison, format);
  }
  /** The table as HTML, with its notes. */
  [JUPYTER_DISPLAY](): MediaBundle {
    const notes = comparisonNotes(this.comparison)
      .map((n) => `<li>${escapeHtml(n)}</li>`).join("");
    return new Html(
      `${tableHtml(this.comparison)}<ul style="font-size:85%">${notes}</ul>`,
      this.format(),
    )[JUPYTER_DISPLAY]();
  }
  /** The table as text. */
  toString(): string {
    return this.format();
  }
}

/** One or more sweeps' results, read from their directories. */
export class SweepView {
  /** Wraps sweeps read by `readSweeps`. */
  constructor(readonly sweeps: SweepData[]) {}

  /** Every trial record. */
  get records(): TrialRecord[] {
    return this.sweeps.flatMap((s) => s.trials);
  }

  /**
   * The settings table: ranked by validation accuracy where it was monitored (the test accuracy
   * shown at its best epoch), else by test accuracy or the first monitored accuracy.
   */
  table(options: CompareOptions = {}): ComparisonView {
    return new ComparisonView(compareSweeps(this.sweeps, options));
  }

  /** The learning curve of `metric` (default: the first chart the report draws). */
  async plot(metric?: MetricName | string): Promise<Svg> {
    const m = metric === undefined ? chartMetrics(this.sweeps)[0] : metricNamed(metric);
    if (!m) throw new RangeError("these sweeps have no measured metric to plot");
    return new Svg(await renderSvg(curveSpec(this.sweeps, m)), `${METRIC_INFO[m].title} per epoch`);
  }

  /** Every chart of the report. */
  async charts(): Promise<Svg[]> {
    return (await renderCharts(this.sweeps)).map(([name, svg]) => new Svg(svg, name));
  }

  /**
   * A finished trial's pictures (confusion matrix, misclassified digits, first-layer weights):
   * the trial `which` selects (an id, an index, or setting values like `{ eta: 3 }`), by
   * default the best by the ranking metric.
   */
  trial(which?: TrialSelector): Promise<TrialView> {
    return trialView(this.sweeps, which);
  }

  /** How the confusion matrix changes from the trials `a` selects to those `b` selects. */
  confusionChange(a: TrialSelector, b: TrialSelector): Promise<Svg> {
    return confusionChange(this.sweeps, a, b);
  }

  /** The vote of the trials `which` selects (a setting's repeats) and the digits it misses. */
  vote(which: TrialSelector): Promise<{ vote: Vote; picture: Svg }> {
    return voteOf(this.sweeps, which);
  }

  /** A search's parallel coordinates and parameter importance. */
  searchCharts(): Promise<Svg[]> {
    return searchCharts(this.sweeps);
  }

  /** The report's pictures (best trial, change between the best two settings, the vote). */
  pictures(): Promise<Html> {
    return picturesView(this.sweeps);
  }

  /** The table and the main learning curve. */
  async [JUPYTER_DISPLAY](): Promise<MediaBundle> {
    const table = this.table();
    const metric = chartMetrics(this.sweeps)[0];
    const svg = metric ? await renderSvg(curveSpec(this.sweeps, metric)) : "";
    const names = this.sweeps.map((s) => `${s.experiment.name} (${s.dir})`).join(", ");
    return {
      "text/html": `<div><b>${escapeHtml(names)}</b>: ${this.records.length} trials` +
        `${table[JUPYTER_DISPLAY]()["text/html"]}${svg}</div>`,
      "text/plain": `${names}\n${table.format()}`,
    };
  }
}

/**
 * Reads finished (or running) sweeps from their results directories, or folders of them (and
 * the predictions of settings with repeats: their tables show the repeats' vote).
 */
export async function loadSweep(...dirs: string[]): Promise<SweepView> {
  const sweeps = await readSweeps(dirs);
  await loadVotePredictions(sweeps);
  return new SweepView(sweeps);
}

/**
 * The settings table of several sweeps together (directories, folders of sweeps, or loaded
 * sweeps).
 */
export async function compare(
  sweeps: (string | SweepView)[],
  options: CompareOptions = {},
): Promise<ComparisonView> {
  const data: SweepData[] = [];
  const dirs = sweeps.filter((s): s is string => typeof s === "string");
  if (dirs.length) data.push(...await readSweeps(dirs));
  for (const s of sweeps) if (typeof s !== "string") data.push(...s.sweeps);
  return new ComparisonView(compareSweeps(data, options));
}

/** Renders any Vega-Lite specification (for charts the report does not draw) as SVG. */
export async function chart(spec: ChartSpec, title = "chart"): Promise<Svg> {
  return new Svg(await renderSvg(spec), title);
}
