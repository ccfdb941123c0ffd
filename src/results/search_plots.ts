/**
 * Charts of a search (a `sample` block): for each sampled parameter, every trial's best value
 * of the ranking metric against the parameter (a log axis for log distributions, pruned trials
 * marked), the parallel coordinates of all parameters against the result with each
 * parameter's importance, and the learning curves of only the best trials, where one line per
 * trial would be unreadable.
 *
 * @module
 */
import { distributionOf, DISTRIBUTIONS, type SettingKey } from "../experiment/mod.ts";
import { METRIC_INFO, type MetricName } from "../vocabulary/mod.ts";
import { type TrialRecord, trialSummary } from "../store/mod.ts";
import type { SweepData } from "./read.ts";
import type { ChartSpec } from "./chart.ts";
import {
  importanceSpec,
  parallelSpec,
  parameterImportance,
  type SearchPoint,
} from "./importance.ts";

/** Trials whose curves a search's learning-curve charts show. */
export const BEST_CURVES = 5;

/**
 * The sampled parameters of these sweeps, whether each is drawn on a log scale, and whether it
 * is a `choice` (its values are categories, not a range).
 */
export function sampledKeys(
  sweeps: SweepData[],
): { key: SettingKey; log: boolean; choice: boolean }[] {
  const out = new Map<SettingKey, boolean>();
  const choices = new Set<SettingKey>();
  for (const s of sweeps) {
    const experiments = [s.experiment, ...[...s.metas.values()].map((m) => m.experiment)];
    for (const e of experiments) {
      for (const [key, d] of Object.entries(e.sample ?? {})) {
        if (!d) continue;
        const { name } = distributionOf(d);
        const log = DISTRIBUTIONS[name].log;
        out.set(key as SettingKey, (out.get(key as SettingKey) ?? false) || log);
        if (name === "choice") choices.add(key as SettingKey);
      }
    }
  }
  return [...out].map(([key, log]) => ({ key, log, choice: choices.has(key) }));
}

function best(t: TrialRecord, metric: MetricName): number | undefined {
  return trialSummary(t, metric).best;
}

/** A scatter of each trial's best `metric` against sampled parameter `key`. */
export function scatterSpec(
  sweeps: SweepData[],
  key: SettingKey,
  log: boolean,
  metric: MetricName,
): ChartSpec {
  const info = METRIC_INFO[metric];
  const scale = info.kind === "accuracy" ? 100 : 1;
  const values = sweeps.flatMap((s) => s.trials).flatMap((t) => {
    const x = t.setting[key];
    const y = best(t, metric);
    return typeof x === "number" && y !== undefined && Number.isFinite(y)
      ? [{ x, y: y * scale, status: t.status, epochs: t.epochs.length, trial: t.id.slice(0, 12) }]
      : [];
  });
  const names = [...new Set(sweeps.map((s) => s.experiment.name))].join(", ");
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: `Best ${info.title.replace(/ \(%\)$/, "").toLowerCase()} by ${key}`,
      subtitle: names,
    },
    width: 420,
    height: 300,
    data: { values },
    mark: { type: "point", filled: true, opacity: 0.75 },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        title: `${key}${log ? " (log scale)" : ""}`,
        scale: log ? { type: "log" } : { zero: false },
      },
      y: { field: "y", type: "quantitative", title: info.title, scale: { zero: false } },
      color: { field: "status", type: "nominal", title: "status" },
      tooltip: [{ field: "trial" }, { field: "x", title: key }, { field: "y", format: ".2f" }, {
        field: "epochs",
      }],
    },
    config: { font: "sans-serif" },
  };
}

/** The sweeps cut down to their `n` best trials by `metric` (ties to the earlier trial). */
export function bestTrials(sweeps: SweepData[], metric: MetricName, n = BEST_CURVES): SweepData[] {
  const lower = METRIC_INFO[metric].lowerIsBetter;
  const ranked = sweeps.flatMap((s) => s.trials.map((t) => ({ t, v: best(t, metric) })))
    .filter((r) => r.v !== undefined && Number.isFinite(r.v))
    .sort((a, b) => (lower ? a.v! - b.v! : b.v! - a.v!) || a.t.index - b.t.index);
  const keep = new Set(ranked.slice(0, n).map((r) => r.t.id));
  return sweeps.map((s) => ({ ...s, trials: s.trials.filter((t) => keep.has(t.id)) }));
}

/** Every trial with a finite best `metric`: its sampled values and that best (in % for accuracies). */
export function searchPoints(
  sweeps: SweepData[],
  keys: SettingKey[],
  metric: MetricName,
): SearchPoint[] {
  const scale = METRIC_INFO[metric].kind === "accuracy" ? 100 : 1;
  return sweeps.flatMap((s) => s.trials).flatMap((t) => {
    const y = best(t, metric);
    if (y === undefined || !Number.isFinite(y)) return [];
    const values = Object.fromEntries(keys.map((k) => [k, t.setting[k]]));
    return [{ values, y: y * scale, trial: `${t.index} (${t.id.slice(0, 8)})` }];
  });
}

/**
 * A search's parallel-coordinates chart and its parameters' importance (with at least four
 * trials that measured `metric`, and a parameter with two bins).
 */
export function searchSpecs(
  sweeps: SweepData[],
  metric: MetricName,
): { name: string; spec: ChartSpec }[] {
  const sampled = sampledKeys(sweeps);
  const keys = sampled.map((s) => s.key);
  const points = searchPoints(sweeps, keys, metric);
  if (keys.length === 0 || points.length < 4) return [];
  const info = METRIC_INFO[metric];
  const title = `best ${info.title.replace(/ \(%\)$/, "").toLowerCase()}${
    info.kind === "accuracy" ? " (%)" : ""
  }`;
  const names = [...new Set(sweeps.map((s) => s.experiment.name))].join(", ");
  const subtitle = `${names}: ${points.length} trials`;
  const out = [{
    name: "parallel_coordinates",
    spec: parallelSpec(points, sampled, { title, lowerIsBetter: info.lowerIsBetter }, subtitle),
  }];
  const importance = parameterImportance(points, keys);
  if (importance.length > 0) {
    out.push({ name: "importance", spec: importanceSpec(importance, title, subtitle) });
  }
  return out;
}
