/**
 * Settings tables: one row per distinct setting, repeats aggregated as mean, standard
 * deviation and n; only the parameters that vary are columns (the rest are listed once, those
 * that apply). Built from the trial records. Where validation accuracy is monitored, settings
 * are ranked by it and the metric is reported at the epoch of best validation accuracy, as the
 * books do: ranking by the best test accuracy would choose settings on the test set. Results on
 * different data are ranked separately, one group per dataset.
 *
 * @module
 */
import { METRIC_INFO, METRIC_NAMES, type MetricInfo, type MetricName } from "../vocabulary/mod.ts";
import { type SettingKey, varyingKeys } from "../experiment/mod.ts";
import {
  isComplete,
  STATUSES,
  type TrialRecord,
  type TrialStatus,
  trialSummary,
  valueAtBestValidation,
} from "../store/mod.ts";
import type { SweepData } from "./read.ts";
import { applyingConstants, datasetOf, epochSeconds } from "./_rows.ts";
import { ensembleVote, type Vote } from "./ensemble.ts";

/** Mean, sample standard deviation and count of a statistic over repeats. */
export interface Stat {
  /** The mean over repeats (the value itself for one). */
  mean: number;
  /** The sample standard deviation (0 for one value). */
  std: number;
  /** How many values. */
  n: number;
}

/** One distinct setting of one experiment on one dataset. */
export interface SettingRow {
  /** The experiment's name. */
  experiment: string;
  /** The data it was trained and measured on, in words (`mnist.pkl.gz (100 training, ...)`). */
  dataset: string;
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
  /** Epoch of the best validation accuracy (mean over repeats); NaN where not monitored. */
  validationEpoch: number;
  /** The metric at the epoch of best validation accuracy (network3.py's report), where both are. */
  atBestValidation: Stat | null;
  /**
   * Median seconds an epoch takes, training and evaluation, the first (warm-up) epoch left out
   * when there are others (mean over repeats).
   */
  secondsPerEpoch: number;
  /** Epochs trained (mean over repeats). */
  epochs: number;
  /** Trials per status. */
  status: Partial<Record<TrialStatus, number>>;
  /** Trials that ended no better than chance. */
  notLearning: number;
  /** Size of the split the metric is measured on, when known (for `9542 / 10000`). */
  evaluatedOn: number | null;
  /** True for the best row of its dataset (by validation accuracy where monitored). */
  isBest: boolean;
  /** The ids of the setting's trials (its repeats). */
  trials: string[];
  /**
   * The test accuracy of the repeats' majority vote at their last epoch, beside their mean,
   * where at least two repeats' predictions were read (`loadPredictions`); else null.
   */
  vote: Omit<Vote, "wrong"> | null;
}

/** A comparison of one or more sweeps. */
export interface Comparison {
  /** The metric compared. */
  metric: MetricName;
  /**
   * What the rows are sorted by: `validation` (the default where validation accuracy is
   * monitored), `best` (the default otherwise), `final`, `seconds`, `epochs` or a parameter.
   */
  sort: string;
  /** The parameters that differ between trials. */
  varying: SettingKey[];
  /** Parameters with one value across every row, those that apply to some trial. */
  constant: Record<string, unknown>;
  /** One row per setting and dataset: grouped by dataset, best first within each. */
  rows: SettingRow[];
  /** Trials in all. */
  trials: number;
  /** Trials not complete (pending, running, paused, interrupted, failed). */
  unfinished: number;
  /** The experiments compared. */
  experiments: string[];
  /** Datasets the rows come from, when more than one (each ranked on its own). */
  datasets: string[];
  /** Notes for the reader: how the rows are ranked, files skipped, a stale zarr store. */
  notes: string[];
}

/** Sort keys of {@linkcode compareSweeps} besides the parameters. */
export const SORT_KEYS = ["validation", "best", "final", "seconds", "epochs"];

/** Options of {@linkcode compareSweeps}. */
export interface CompareOptions {
  /** The per-epoch metric to compare; default `testAccuracy`. */
  metric?: MetricName;
  /**
   * `validation` (the default where validation accuracy is monitored), `best` (the default
   * otherwise), `final`, `seconds`, `epochs`, or a parameter name.
   */
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
 * The metric a table reports when none is asked for: test accuracy where any trial monitors
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
 * The metric settings are chosen by: validation accuracy where any trial monitors it (choosing
 * on the test set would flatter the chosen setting), else {@linkcode defaultMetric}.
 */
export function rankingMetric(sweeps: SweepData[]): MetricName {
  const validation = sweeps.some((s) =>
    s.trials.some((t) => t.setting.monitor.includes("validationAccuracy"))
  );
  return validation ? "validationAccuracy" : defaultMetric(sweeps);
}

interface Member {
  sweep: SweepData;
  trial: TrialRecord;
  name: string;
  dataset: { key: string; text: string };
}

function settingRow(members: Member[], metric: MetricName, varying: SettingKey[]): SettingRow {
  const first = members[0];
  const per = members.map((m) => ({
    s: trialSummary(m.trial, metric),
    v: trialSummary(m.trial, "validationAccuracy"),
    at: valueAtBestValidation(m.trial, metric),
    seconds: epochSeconds(m.trial),
    status: m.trial.status,
    epochs: m.trial.epochs.length,
  }));
  const status: Partial<Record<TrialStatus, number>> = {};
  for (const p of per) status[p.status] = (status[p.status] ?? 0) + 1;
  const counts = first.sweep.metas.get(first.trial.experiment)?.counts ?? first.sweep.counts;
  const split = (METRIC_INFO[metric] as MetricInfo).split;
  const validated = per.some((p) => p.v.best !== undefined);
  return {
    experiment: first.name,
    dataset: first.dataset.text,
    params: Object.fromEntries(varying.map((k) => [k, first.trial.setting[k]])),
    best: stat(per.map((p) => num(p.s.best))),
    bestEpoch: stat(per.map((p) => num(p.s.bestEpoch))).mean,
    final: stat(per.map((p) => num(p.s.final))),
    validation: validated ? stat(per.map((p) => num(p.v.best))) : null,
    validationEpoch: validated ? stat(per.map((p) => num(p.v.bestEpoch))).mean : NaN,
    atBestValidation: metric !== "validationAccuracy" && per.some((p) => p.at !== undefined)
      ? stat(per.map((p) => num(p.at)))
      : null,
    secondsPerEpoch: stat(per.map((p) => p.seconds)).mean,
    epochs: stat(per.map((p) => p.epochs)).mean,
    status,
    notLearning: per.filter((p) => p.s.learned === false).length,
    evaluatedOn: split === "test"
      ? counts?.test ?? null
      : split === "validation"
      ? counts?.validation ?? null
      : null,
    isBest: false,
    trials: members.map((m) => m.trial.id),
    vote: voteOf(members),
  };
}

function voteOf(members: Member[]): SettingRow["vote"] {
  const preds = members.flatMap((m) => m.sweep.predictions?.get(m.trial.id) ?? []);
  const vote = preds.length >= 2 ? ensembleVote(preds) : null;
  if (!vote) return null;
  const { wrong: _, ...rest } = vote;
  return rest;
}

/** Sorts `rows` by `sort` in place: scores best first, parameters in their order. */
function sortRows(rows: SettingRow[], sort: string, lowerBetter: boolean): void {
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
}

/** Marks the best row: by validation accuracy where `byValidation`, else by the metric. */
function markBest(rows: SettingRow[], byValidation: boolean, lowerBetter: boolean): void {
  const score = (r: SettingRow) => byValidation ? r.validation?.mean ?? NaN : r.best.mean;
  const better = (a: number, b: number) => (!byValidation && lowerBetter ? a < b : a > b);
  const scored = rows.filter((r) => !Number.isNaN(score(r)));
  if (scored.length === 0) return;
  scored.reduce((a, b) => (better(score(b), score(a)) ? b : a)).isBest = true;
}

/** The note that says how the rows are ranked, and what the star marks. */
function rankingNote(sort: string, metric: MetricName, byValidation: boolean): string {
  const info: MetricInfo = METRIC_INFO[metric];
  const name = info.column.replaceAll("_", " ");
  if (byValidation) {
    const at = `${name} shown at the epoch of best validation accuracy, as the books report it`;
    if (sort === "validation") return `ranked by best validation accuracy; ${at}`;
    if (sort === "best") {
      return `ranked by best ${name} over all epochs, as asked: that chooses settings on the ${
        info.split ?? "measured"
      } data; * marks the best by validation accuracy (the default order)`;
    }
    return `sorted by ${sort}; * marks the best by validation accuracy; ${at}`;
  }
  const hint = info.split === "test"
    ? " (monitor validationAccuracy to choose settings on validation data instead)"
    : "";
  return `${
    sort === "best" ? "ranked" : `sorted by ${sort}; * marks the best`
  } by best ${name}: no validation accuracy was monitored${hint}`;
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
  const datasets = datasetOf(sweeps);
  const all: Member[] = sweeps.flatMap((s) =>
    s.trials.map((t) => ({
      sweep: s,
      trial: t,
      name: s.metas.get(t.experiment)?.experiment.name ?? s.experiment.name,
      dataset: datasets(s, t),
    }))
  );
  const varying = varyingKeys(all.map((a) => a.trial));
  const groups = new Map<string, Member[]>();
  for (const a of all) {
    const key = JSON.stringify([a.dataset.text, a.name, varying.map((k) => a.trial.setting[k])]);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const byValidation = metric !== "validationAccuracy" &&
    all.some((a) => a.trial.setting.monitor.includes("validationAccuracy"));
  const sort = options.sort ?? (byValidation ? "validation" : "best");
  // Like with like: each dataset's rows ranked on their own, datasets in order of appearance.
  const order = [...new Set(all.map((a) => a.dataset.text))];
  const notes: string[] = [rankingNote(sort, metric, byValidation)];
  const rows = order.flatMap((dataset) => {
    const own = [...groups.values()].filter((m) => m[0].dataset.text === dataset)
      .map((m) => settingRow(m, metric, varying));
    // A dataset none of whose trials monitored validation accuracy: ranked by the metric.
    const validated = byValidation && own.some((r) => r.validation);
    if (byValidation && !validated) {
      notes.push(
        `${dataset}: no validation accuracy monitored: ranked by ${METRIC_INFO[metric].column}`,
      );
    } else if (byValidation && own.some((r) => !r.validation)) {
      notes.push("rows without validation accuracy come last: their trials did not monitor it");
    }
    sortRows(own, options.sort ?? (validated || !byValidation ? sort : "best"), lowerBetter);
    markBest(own, validated, lowerBetter);
    return own;
  });
  for (const s of sweeps) {
    for (const line of s.skipped) notes.push(`skipped ${line}`);
    if (s.storeStale) {
      notes.push(
        `${s.dir}/sweep.zarr is older than the trial records: \`deno task plot ${s.dir}\` rebuilds it`,
      );
    }
  }
  if (order.length > 1) {
    notes.push(`the rows come from ${order.length} datasets, each ranked on its own`);
  }
  const names = [...new Set(all.map((a) => a.name))];
  return {
    metric,
    sort,
    varying,
    constant: applyingConstants(all.map((a) => a.trial.setting), varying),
    rows,
    trials: all.length,
    unfinished: all.filter((a) => !isComplete(a.trial.status)).length,
    experiments: names.length > 0 ? names : sweeps.map((s) => s.experiment.name),
    datasets: order.length > 1 ? order : [],
    notes: [...new Set(notes)],
  };
}

/** `3 done, 1 diverged, 2 not learning`. */
export function statusText(r: SettingRow): string {
  const parts = STATUSES.filter((s) => r.status[s]).map((s) => `${r.status[s]} ${s}`);
  if (r.notLearning) parts.push(`${r.notLearning} not learning`);
  return parts.join(", ");
}
