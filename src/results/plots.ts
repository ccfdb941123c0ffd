/**
 * Learning curves as SVG, like the figure in Nielsen's chapter 3 that compares learning
 * rates: a metric per epoch, one line per setting (the mean over repeats, with a band from
 * the lowest to the highest repeat). Vega-Lite specs, rendered by Vega's headless SVG
 * renderer (no browser needed).
 *
 * @module
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { join } from "node:path";
import type { EpochColumn, SweepData } from "./read.ts";
import { settingText, varyingKeys } from "../sweep/schema.ts";
import { writeFileAtomic } from "./_atomic.ts";

/** One point of a learning curve. */
interface CurvePoint {
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
      ) => (keys.length === 1 ? settingText(t.setting[k]) : `${k}=${settingText(t.setting[k])}`));
      return [multi ? s.experiment.name : "", ...parts].filter(Boolean).join(" ") ||
        s.experiment.name;
    })
  );
  return {
    title: [multi ? "experiment" : "", ...keys].filter(Boolean).join(", ") || "setting",
    labels,
  };
}

/** Mean and spread per setting and epoch of `metric`; empty when it was never monitored. */
export function curves(sweeps: SweepData[], metric: EpochColumn): CurvePoint[] {
  const { labels } = settingLabels(sweeps);
  const groups = new Map<string, Float32Array[]>();
  sweeps.forEach((s, si) =>
    s.trials.forEach((_, ti) =>
      groups.set(labels[si][ti], [...(groups.get(labels[si][ti]) ?? []), s.metrics[metric][ti]])
    )
  );
  const points: CurvePoint[] = [];
  for (const [setting, rows] of groups) {
    const epochs = Math.max(...rows.map((r) => r.length));
    for (let e = 0; e < epochs; e++) {
      const v = rows.map((r) => r[e]).filter((x) => x !== undefined && !Number.isNaN(x));
      if (v.length === 0) continue;
      const scale = metric.endsWith("accuracy") ? 100 : 1;
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

const TITLES: Partial<Record<EpochColumn, string>> = {
  test_accuracy: "Test accuracy (%)",
  validation_accuracy: "Validation accuracy (%)",
  training_accuracy: "Training accuracy (%)",
  training_cost: "Training cost",
  test_cost: "Test cost",
  validation_cost: "Validation cost",
};

/** The Vega-Lite spec of one learning-curve chart. */
export function curveSpec(sweeps: SweepData[], metric: EpochColumn): TopLevelSpec {
  const { title } = settingLabels(sweeps);
  const data = curves(sweeps, metric);
  const yTitle = TITLES[metric] ?? metric;
  const names = sweeps.map((s) => s.experiment.name).join(", ");
  const color = { field: "setting", type: "nominal" as const, title, sort: null };
  const x = {
    field: "epoch",
    type: "quantitative" as const,
    title: "Epoch",
    axis: { tickMinStep: 1 },
  };
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
          y: { field: "low", type: "quantitative", title: yTitle, scale: { zero: false } },
          y2: { field: "high" },
          // The band's own channel: same field and scheme as the lines, no legend of its own.
          fill: { ...color, legend: null },
        },
      },
      {
        mark: { type: "line", point: data.length <= 200 },
        encoding: {
          x,
          y: { field: "mean", type: "quantitative", title: yTitle, scale: { zero: false } },
          color,
          tooltip: [{ field: "setting" }, { field: "epoch" }, { field: "mean", format: ".2f" }],
        },
      },
    ],
    config: { font: "sans-serif", legend: { labelLimit: 360 } },
  } as TopLevelSpec;
}

/** Renders a Vega-Lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** The charts worth drawing for these sweeps: accuracy first, then costs that were monitored. */
export function chartMetrics(sweeps: SweepData[]): EpochColumn[] {
  const monitored = (m: EpochColumn) =>
    sweeps.some((s) => s.metrics[m].some((r) => r.some((v) => !Number.isNaN(v))));
  return ([
    "test_accuracy",
    "validation_accuracy",
    "training_cost",
    "training_accuracy",
    "test_cost",
  ] as EpochColumn[])
    .filter(monitored);
}

/** Renders every chart; returns `[file name, svg]` pairs. */
export async function renderCharts(sweeps: SweepData[]): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const metric of chartMetrics(sweeps)) {
    out.push([`${metric}.svg`, await renderSvg(curveSpec(sweeps, metric))]);
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
