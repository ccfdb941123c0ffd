/**
 * Learning curves as SVG, like the figures in Nielsen's chapter 3: a metric per epoch, one line
 * per setting (the mean over repeats, with a band from the lowest to the highest repeat);
 * gradient norms one line per setting and hidden layer, on a log axis (chapter 5's "speed of
 * learning"). Vega-Lite specs, rendered by Vega's headless SVG renderer (no browser needed).
 * Epochs without a value (monitored every N epochs, or after a pruned trial stopped) are skipped.
 *
 * @module
 */
import { join } from "node:path";
import { METRIC_INFO, METRIC_NAMES, type MetricName } from "../vocabulary/mod.ts";
import { settingText, varyingKeys } from "../experiment/mod.ts";
import type { TrialRecord } from "../store/mod.ts";
import { writeFileAtomic } from "../coordination/mod.ts";
import type { SweepData } from "./read.ts";
import { rankingMetric } from "./compare.ts";
import { type ChartSpec, renderSvg } from "./chart.ts";
import { BEST_CURVES, bestTrials, sampledKeys, scatterSpec, searchSpecs } from "./search_plots.ts";

/** One point of a learning curve. */
export interface CurvePoint {
  setting: string;
  epoch: number;
  mean: number;
  low: number;
  high: number;
}

/** The legend label of each trial: its varying parameters, e.g. `eta=3`. */
export function settingLabels(sweeps: SweepData[]): { title: string; labels: string[][] } {
  const keys = varyingKeys(sweeps.flatMap((s) => s.trials));
  const multi = sweeps.length > 1;
  const labels = sweeps.map((s) =>
    s.trials.map((t) => {
      const parts = keys.map((
        k,
      ) => (keys.length === 1
        ? settingText(t.setting[k], true)
        : `${k}=${settingText(t.setting[k], true)}`)
      );
      return [multi ? s.experiment.name : "", ...parts].filter(Boolean).join(" ") ||
        s.experiment.name;
    })
  );
  return {
    title: [multi ? "experiment" : "", ...keys].filter(Boolean).join(", ") || "setting",
    labels,
  };
}

function value(t: TrialRecord, e: number, metric: MetricName, layer?: number): number | undefined {
  const ep = t.epochs[e] as unknown as Record<string, unknown> | undefined;
  const v = layer === undefined ? ep?.[metric] : (ep?.[metric] as number[] | undefined)?.[layer];
  return typeof v === "number" && !Number.isNaN(v) ? v : undefined;
}

/** Mean and spread per setting and epoch of `metric`; empty when it was never measured. */
export function curves(sweeps: SweepData[], metric: MetricName): CurvePoint[] {
  const { labels } = settingLabels(sweeps);
  const layered = METRIC_INFO[metric].kind === "layers";
  const groups = new Map<string, { trial: TrialRecord; layer?: number }[]>();
  sweeps.forEach((s, si) =>
    s.trials.forEach((t, ti) => {
      const layers = layered
        ? Math.max(0, ...t.epochs.map((e) => e.gradientNorms?.length ?? 0))
        : 1;
      for (let l = 0; l < layers; l++) {
        const label = layered ? `${labels[si][ti]} layer ${l + 1}` : labels[si][ti];
        groups.set(label, [...(groups.get(label) ?? []), {
          trial: t,
          layer: layered ? l : undefined,
        }]);
      }
    })
  );
  const scale = METRIC_INFO[metric].kind === "accuracy" ? 100 : 1;
  const points: CurvePoint[] = [];
  for (const [setting, members] of groups) {
    const epochs = Math.max(...members.map((m) => m.trial.epochs.length));
    for (let e = 0; e < epochs; e++) {
      const v = members.map((m) => value(m.trial, e, metric, m.layer)).filter((x): x is number =>
        x !== undefined
      );
      if (v.length === 0) continue;
      points.push({
        setting,
        epoch: e,
        mean: (scale * v.reduce((a, b) => a + b, 0)) / v.length,
        low: scale * Math.min(...v),
        high: scale * Math.max(...v),
      });
    }
  }
  return points;
}

/** The Vega-Lite spec of one learning-curve chart. */
export function curveSpec(sweeps: SweepData[], metric: MetricName, note?: string): ChartSpec {
  const { title } = settingLabels(sweeps);
  const data = curves(sweeps, metric);
  const info = METRIC_INFO[metric];
  const yTitle = info.title;
  const log = info.kind === "layers";
  const names = [...new Set(sweeps.map((s) => s.experiment.name))].join(", ") +
    (note ? ` (${note})` : "");
  const color = {
    field: "setting",
    type: "nominal" as const,
    title,
    sort: null,
    legend: { symbolOpacity: 1 },
  };
  const x = {
    field: "epoch",
    type: "quantitative" as const,
    title: "Epoch",
    // Whole epochs: a one-epoch chart's single tick reads `0`, not `0.000000`.
    axis: { tickMinStep: 1, format: "d" },
  };
  const scale = log ? { type: "log" as const } : { zero: false };
  // Trailing zeros trimmed: one value (one epoch, or equal repeats) reads `90`, not `90.000000`.
  const yAxis = log ? {} : { axis: { format: "~r" } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `${yTitle.replace(/ \(%\)$/, "")} per epoch`, subtitle: names },
    width: 560,
    height: 320,
    data: { values: data },
    layer: [
      {
        mark: { type: "area", opacity: 0.2 },
        encoding: {
          x,
          y: { field: "low", type: "quantitative", title: yTitle, scale, ...yAxis },
          y2: { field: "high" },
          // The same color channel as the lines: one scale, one legend (a separate fill
          // channel with legend null would hide the lines' legend when they have no points).
          color,
        },
      },
      {
        mark: { type: "line", point: data.length <= 200 },
        encoding: {
          x,
          y: { field: "mean", type: "quantitative", title: yTitle, scale, ...yAxis },
          color,
          tooltip: [{ field: "setting" }, { field: "epoch" }, {
            field: "mean",
            format: log ? ".3g" : ".2f",
          }],
        },
      },
    ],
    config: { font: "sans-serif", legend: { labelLimit: 360 } },
  };
}

/**
 * The charts worth drawing for these sweeps: every monitored metric (accuracies first), the
 * learning rate when a schedule changed it, and gradient norms.
 */
export function chartMetrics(sweeps: SweepData[]): MetricName[] {
  const trials = sweeps.flatMap((s) => s.trials);
  const measured = (m: MetricName) =>
    trials.some((t) => t.epochs.some((e) => (e as Record<string, unknown>)[m] !== undefined));
  const order = [...METRIC_NAMES].sort((a, b) =>
    Number(METRIC_INFO[b].kind === "accuracy") - Number(METRIC_INFO[a].kind === "accuracy")
  );
  return order.filter((m) => {
    const info = METRIC_INFO[m];
    if (info.monitor) return measured(m);
    if (m === "eta") return trials.some((t) => new Set(t.epochs.map((e) => e.eta)).size > 1);
    return false;
  });
}

/**
 * Renders every chart; returns `[file name, svg]` pairs. A search (a `sample` block) gets a
 * scatter per sampled parameter, parallel coordinates and the parameters' importance, and its
 * learning curves show only the best trials.
 */
export async function renderCharts(sweeps: SweepData[]): Promise<[string, string][]> {
  const out: [string, string][] = [];
  const sampled = sampledKeys(sweeps);
  // Settings are chosen on validation data where there is some, never on the test set.
  const rankBy = rankingMetric(sweeps);
  const many = sampled.length > 0 &&
    sweeps.reduce((n, s) => n + s.trials.length, 0) > 2 * BEST_CURVES;
  const shown = many ? bestTrials(sweeps, rankBy) : sweeps;
  const note = many ? `the ${BEST_CURVES} best trials by ${METRIC_INFO[rankBy].column}` : undefined;
  for (const metric of chartMetrics(sweeps)) {
    out.push([
      `${METRIC_INFO[metric].column}.svg`,
      await renderSvg(curveSpec(shown, metric, note)),
    ]);
  }
  for (const { key, log } of sampled) {
    out.push([`${key}_scatter.svg`, await renderSvg(scatterSpec(sweeps, key, log, rankBy))]);
  }
  for (const { name, spec } of searchSpecs(sweeps, rankBy)) {
    out.push([`${name}.svg`, await renderSvg(spec)]);
  }
  return out;
}

/** Writes the charts of one sweep as SVG files into its directory; returns their paths. */
export async function writePlots(sweep: SweepData, dir = sweep.dir): Promise<string[]> {
  const paths: string[] = [];
  for (const [name, svg] of await renderCharts([sweep])) {
    const path = join(dir, name);
    await writeFileAtomic(path, svg);
    paths.push(path);
  }
  return paths;
}
