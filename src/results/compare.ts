/**
 * Settings tables: one row per distinct setting, repeats aggregated as mean, standard
 * deviation and n; only the parameters that vary are columns (the rest are listed once).
 * Built from the trial records.
 *
 * @module
 */
import { METRIC_INFO, METRIC_NAMES, type MetricInfo, type MetricName } from "../vocabulary/mod.ts";
import { SETTING_KEYS, type SettingKey, varyingKeys } from "../experiment/mod.ts";
import {
  isComplete,
  STATUSES,
  type TrialRecord,
  type TrialStatus,
  trialSummary,
  valueAtBestValidation,
} from "../store/mod.ts";
import type { SweepData } from "./read.ts";

/** Mean, sample standard deviation and count of a statistic over repeats. */
export interface Stat {
  /** The mean. */
  mean: number;
  /** The sample standard deviation (0 for one value). */
  std: number;
  /** How many values. */
  n: number;
}

/** One distinct setting of one experiment. */
export interface SettingRow {
  /** The experiment's name. */
  experiment: string;
  /** Values of the varying parameters. */
  params: Record<string, unknown>;
  /** Best value of the metric over the epochs (per trial, then aggregated). */
  best: Stat;
  /** Epoch of the best value (mean over repeats), from 0 as network.py prints it. */
  bestEpoch: number;
  /** Value at the last epoch that measured it. */
  final: Stat;
  /** Best validation accuracy, where monitored. */
  validation: Stat | null;
  /** The metric at the epoch of best validation accuracy (network3.py's report), where both are. */
  atBestValidation: Stat | null;
  /** Median seconds of training per epoch (mean over repeats). */
  secondsPerEpoch: number;
  /** Epochs trained (mean over repeats). */
  epochs: number;
  /** Trials per status. */
  status: Partial<Record<TrialStatus, number>>;
  /** Trials that ended no better than chance. */
  notLearning: number;
  /** Size of the split the metric is measured on, when known (for `9542 / 10000`). */
  evaluatedOn: number | null;
  /** True for the best row. */
  isBest: boolean;
}

/** A comparison of one or more sweeps. */
export interface Comparison {
  /** The metric compared. */
  metric: MetricName;
  /** What the rows are sorted by. */
  sort: string;
  /** The parameters that differ between trials. */
  varying: SettingKey[];
  /** Parameters with one value across every row. */
  constant: Record<string, unknown>;
  /** One row per setting, best first. */
  rows: SettingRow[];
  /** Trials in all. */
  trials: number;
  /** Trials not complete (pending, running, paused, interrupted, failed). */
  unfinished: number;
  /** The experiments compared. */
  experiments: string[];
  /** Datasets the rows come from, when more than one. */
  datasets: string[];
  /** Notes for the reader: files skipped, a stale zarr store. */
  notes: string[];
}

/** Sort keys of {@linkcode compareSweeps} besides the parameters. */
export const SORT_KEYS = ["best", "final", "validation", "seconds", "epochs"];

/** Options of {@linkcode compareSweeps}. */
export interface CompareOptions {
  /** The per-epoch metric to compare; default `testAccuracy`. */
  metric?: MetricName;
  /** `best` (default), `final`, `validation`, `seconds`, `epochs`, or a parameter name. */
  sort?: string;
}

function stat(xs: number[]): Stat {
  const v = xs.filter((x) => !Number.isNaN(x));
  const n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

const num = (x: number | undefined) => x ?? NaN;

/**
 * The metric a table ranks by when none is asked for: test accuracy where any trial monitors
 * it, else the first monitored accuracy (Saito's batch-norm runs monitor only training
 * accuracy), else the first monitored metric.
 */
export function defaultMetric(sweeps: SweepData[]): MetricName {
  const monitored = new Set(sweeps.flatMap((s) => s.trials.flatMap((t) => t.setting.monitor)));
  if (monitored.has("testAccuracy") || monitored.size === 0) return "testAccuracy";
  const order = METRIC_NAMES.filter((m) => monitored.has(m as never));
  return order.find((m) => METRIC_INFO[m].kind === "accuracy") ?? order[0] ?? "testAccuracy";
}

/**
 * Builds the settings table of one or more sweeps.
 *
 * @example
 * ```ts ignore
 * import { readSweeps } from "./read.ts";
 * import { compareSweeps } from "./compare.ts";
 * import { formatComparison } from "./table.ts";
 * const c = compareSweeps(await readSweeps(["results/eta"]));
 * console.log(formatComparison(c, "table"));
 * ```
 */
export function compareSweeps(sweeps: SweepData[], options: CompareOptions = {}): Comparison {
  const metric = options.metric ?? defaultMetric(sweeps);

  const lowerBetter = METRIC_INFO[metric].lowerIsBetter;
  const sort = options.sort ?? "best";
  const all = sweeps.flatMap((s) => s.trials.map((t) => ({ sweep: s, trial: t })));
  const varying = varyingKeys(all.map((a) => a.trial));
  const constant = Object.fromEntries(
    SETTING_KEYS.filter((k) => !varying.includes(k) && all.length > 0).map((
      k,
    ) => [k, all[0].trial.setting[k]]),
  );
  const nameOf = (a: { sweep: SweepData; trial: TrialRecord }) =>
    a.sweep.metas.get(a.trial.experiment)?.experiment.name ?? a.sweep.experiment.name;
  const groups = new Map<string, typeof all>();
  for (const a of all) {
    const key = JSON.stringify([nameOf(a), varying.map((k) => a.trial.setting[k])]);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const split = (METRIC_INFO[metric] as MetricInfo).split;
  const rows: SettingRow[] = [...groups.values()].map((members) => {
    const first = members[0];
    const per = members.map((m) => ({
      s: trialSummary(m.trial, metric),
      v: trialSummary(m.trial, "validationAccuracy"),
      at: valueAtBestValidation(m.trial, metric),

      status: m.trial.status,
      epochs: m.trial.epochs.length,
    }));
    const status: Partial<Record<TrialStatus, number>> = {};
    for (const p of per) status[p.status] = (status[p.status] ?? 0) + 1;
    const counts = first.sweep.metas.get(first.trial.experiment)?.counts ?? first.sweep.counts;
    return {
      experiment: nameOf(first),
      params: Object.fromEntries(varying.map((k) => [k, first.trial.setting[k]])),
      best: stat(per.map((p) => num(p.s.best))),
      bestEpoch: stat(per.map((p) => num(p.s.bestEpoch))).mean,
      final: stat(per.map((p) => num(p.s.final))),
      validation: per.some((p) => p.v.best !== undefined)
        ? stat(per.map((p) => num(p.v.best)))
        : null,
      atBestValidation: metric !== "validationAccuracy" && per.some((p) => p.at !== undefined)
        ? stat(per.map((p) => num(p.at)))
        : null,
      secondsPerEpoch: stat(per.map((p) => num(p.s.secondsPerEpoch))).mean,
      epochs: stat(per.map((p) => p.epochs)).mean,
      status,
      notLearning: per.filter((p) => p.s.learned === false).length,
      evaluatedOn: split === "test"
        ? counts?.test ?? null
        : split === "validation"
        ? counts?.validation ?? null
        : null,
      isBest: false,
    };
  });
  const value = (r: SettingRow): number | string => {
    if (sort === "best") return r.best.mean;
    if (sort === "final") return r.final.mean;
    if (sort === "validation") return r.validation?.mean ?? NaN;
    if (sort === "seconds") return r.secondsPerEpoch;
    if (sort === "epochs") return r.epochs;
    const v = r.params[sort];
    return typeof v === "number" ? v : JSON.stringify(v ?? "");
  };
  // Scores sort best first: descending for accuracies, ascending for costs and seconds.
  const descending = sort === "best" || sort === "final"
    ? !lowerBetter
    : sort === "validation" || sort === "epochs";
  rows.sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (typeof x === "number" && typeof y === "number") {
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : 1;
      if (Number.isNaN(y)) return -1;
      return descending ? y - x : x - y;
    }
    return String(x).localeCompare(String(y));
  });
  const scored = rows.filter((r) => !Number.isNaN(r.best.mean));
  if (scored.length > 0) {
    scored.reduce((
      a,
      b,
    ) => ((lowerBetter ? b.best.mean < a.best.mean : b.best.mean > a.best.mean) ? b : a))
      .isBest = true;
  }
  const datasets = [
    ...new Set(all.map((a) => a.sweep.metas.get(a.trial.experiment)?.dataset ?? "")),
  ].filter(Boolean);
  const notes: string[] = [];
  for (const s of sweeps) {
    for (const line of s.skipped) notes.push(`skipped ${line}`);
    if (s.storeStale) {
      notes.push(
        `${s.dir}/sweep.zarr is older than the trial records: \`deno task plot ${s.dir}\` rebuilds it`,
      );
    }
  }
  if (datasets.length > 1) {
    notes.push(`the rows come from ${datasets.length} datasets: ${datasets.join("; ")}`);
  }
  return {
    metric,
    sort,
    varying,
    constant,
    rows,
    trials: all.length,
    unfinished: all.filter((a) => !isComplete(a.trial.status)).length,
    experiments: [...new Set(all.map(nameOf))].length > 0
      ? [...new Set(all.map(nameOf))]
      : sweeps.map((s) => s.experiment.name),
    datasets: datasets.length > 1 ? datasets : [],
    notes,
  };
}

/** `3 done, 1 diverged, 2 not learning`. */
export function statusText(r: SettingRow): string {
  const parts = STATUSES.filter((s) => r.status[s]).map((s) => `${r.status[s]} ${s}`);
  if (r.notLearning) parts.push(`${r.notLearning} not learning`);
  return parts.join(", ");
}
