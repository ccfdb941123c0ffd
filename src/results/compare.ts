/**
 * Settings tables: one row per distinct setting, repeats aggregated as mean, standard
 * deviation and n; only the parameters that vary are columns (the rest are listed once).
 *
 * @module
 */
import type { EpochColumn, SweepData } from "./read.ts";
import { type Setting, SETTING_FIELDS, settingText, varyingKeys } from "../sweep/schema.ts";

/** Mean, sample standard deviation and count of a statistic over repeats. */
export interface Stat {
  mean: number;
  std: number;
  n: number;
}

/** One distinct setting of one experiment. */
export interface SettingRow {
  experiment: string;
  /** Values of the varying parameters. */
  params: Record<string, unknown>;
  /** Best value of the metric over the epochs (per trial, then aggregated). */
  best: Stat;
  /** Epoch of the best value (mean over repeats). */
  bestEpoch: number;
  /** Value after the last finished epoch. */
  final: Stat;
  /** Best validation accuracy, where monitored. */
  validation: Stat | null;
  secondsPerEpoch: number;
  status: { done: number; diverged: number; earlyStopped: number; unfinished: number };
  /** Size of the split the metric is measured on, when known (for `9542 / 10000`). */
  evaluatedOn: number | null;
  /** True for the best row. */
  isBest: boolean;
}

/** A comparison of one or more sweeps. */
export interface Comparison {
  metric: EpochColumn;
  sort: string;
  varying: string[];
  /** Parameters with one value across every row. */
  constant: Record<string, unknown>;
  rows: SettingRow[];
  trials: number;
  /** Trials not complete (pending, running, interrupted, failed). */
  unfinished: number;
  experiments: string[];
}

/** Options of {@linkcode compareSweeps}. */
export interface CompareOptions {
  /** The per-epoch metric to compare; default `test_accuracy`. */
  metric?: EpochColumn;
  /** `best` (default), `final`, `validation`, `seconds`, or a parameter name. */
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

function bestOf(row: Float32Array): { value: number; epoch: number; final: number } {
  let value = NaN;
  let epoch = -1;
  let final = NaN;
  for (let e = 0; e < row.length; e++) {
    const v = row[e];
    if (Number.isNaN(v)) continue;
    final = v;
    if (!(v <= value)) [value, epoch] = [v, e];
  }
  return { value, epoch, final };
}

const LOWER_IS_BETTER = new Set([
  "test_cost",
  "validation_cost",
  "training_cost",
  "train_seconds",
  "eval_seconds",
]);

/**
 * Builds the settings table of one or more sweeps.
 *
 * @example
 * ```ts ignore
 * import { readSweep } from "./read.ts";
 * import { compareSweeps, formatComparison } from "./compare.ts";
 * const c = compareSweeps([await readSweep("results/eta")]);
 * console.log(formatComparison(c, "table"));
 * ```
 */
export function compareSweeps(sweeps: SweepData[], options: CompareOptions = {}): Comparison {
  const metric = options.metric ?? "test_accuracy";
  const lowerBetter = LOWER_IS_BETTER.has(metric);
  const sort = options.sort ?? "best";
  const keys = Object.keys(SETTING_FIELDS) as (keyof Setting)[];
  const all = sweeps.flatMap((s) => s.trials.map((t, i) => ({ sweep: s, trial: t, i })));
  const varying = varyingKeys(all.map((a) => a.trial));
  const constant = Object.fromEntries(
    keys.filter((k) => !varying.includes(k) && all.length > 0).map((
      k,
    ) => [k, all[0].trial.setting[k]]),
  );
  const groups = new Map<string, typeof all>();
  for (const a of all) {
    const key = JSON.stringify([a.sweep.experiment.name, varying.map((k) => a.trial.setting[k])]);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const rows: SettingRow[] = [...groups.values()].map((members) => {
    const first = members[0];
    const per = members.map((m) => {
      const row = m.sweep.metrics[metric][m.i];
      const b = lowerBetter ? bestOfLower(row) : bestOf(row);
      const val = bestOf(m.sweep.metrics.validation_accuracy[m.i]);
      const secs = [...m.sweep.metrics.train_seconds[m.i]].filter((x) => !Number.isNaN(x)).sort((
        x,
        y,
      ) => x - y);
      return {
        ...b,
        validation: val.value,
        seconds: secs.length ? secs[secs.length >> 1] : NaN,
        status: m.trial.status,
      };
    });
    const count = (...s: string[]) => per.filter((p) => s.includes(p.status)).length;
    const counts = first.sweep.counts;
    return {
      experiment: first.sweep.experiment.name,
      params: Object.fromEntries(varying.map((k) => [k, first.trial.setting[k]])),
      best: stat(per.map((p) => p.value)),
      bestEpoch: stat(per.map((p) => p.epoch).filter((e) => e >= 0)).mean,
      final: stat(per.map((p) => p.final)),
      validation: per.some((p) => !Number.isNaN(p.validation))
        ? stat(per.map((p) => p.validation))
        : null,
      secondsPerEpoch: stat(per.map((p) => p.seconds)).mean,
      status: {
        done: count("done"),
        diverged: count("diverged"),
        earlyStopped: count("early-stopped"),
        unfinished: count("pending", "running", "interrupted", "failed"),
      },
      evaluatedOn: metric.startsWith("test")
        ? counts?.test ?? null
        : metric.startsWith("validation")
        ? counts?.validation ?? null
        : counts?.training ?? null,
      isBest: false,
    };
  });
  const value = (r: SettingRow): number | string => {
    if (sort === "best") return r.best.mean;
    if (sort === "final") return r.final.mean;
    if (sort === "validation") return r.validation?.mean ?? NaN;
    if (sort === "seconds") return r.secondsPerEpoch;
    const v = r.params[sort];
    return typeof v === "number" ? v : JSON.stringify(v ?? "");
  };
  // Scores sort best first: descending for accuracies, ascending for costs and seconds.
  const descending = (sort === "best" || sort === "final") ? !lowerBetter : sort === "validation";
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
    const best = scored.reduce((
      a,
      b,
    ) => ((lowerBetter ? b.best.mean < a.best.mean : b.best.mean > a.best.mean) ? b : a));
    best.isBest = true;
  }
  return {
    metric,
    sort,
    varying,
    constant,
    rows,
    trials: all.length,
    unfinished:
      all.filter((a) => !["done", "diverged", "early-stopped"].includes(a.trial.status)).length,
    experiments: sweeps.map((s) => s.experiment.name),
  };
}

function bestOfLower(row: Float32Array): { value: number; epoch: number; final: number } {
  const negated = bestOf(row.map((v) => -v));
  return { value: -negated.value, epoch: negated.epoch, final: -negated.final };
}

/**
 * The shortest decimal that reads back as the same float32: the store keeps metrics as
 * float32, so `0.946399986743927` is printed as `0.9464`.
 *
 * @example
 * ```ts
 * import { float32Text } from "./compare.ts";
 * console.assert(float32Text(Math.fround(0.9464)) === "0.9464");
 * console.assert(float32Text(0.1) === "0.1");
 * ```
 */
export function float32Text(x: number): string {
  const f = Math.fround(x);
  for (let p = 1; p < 9; p++) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

/** Output formats of {@linkcode formatComparison}. */
export type Format = "table" | "md" | "csv" | "json";

function isAccuracy(metric: string): boolean {
  return metric.endsWith("accuracy");
}

function formatStat(s: Stat, metric: string, count: number | null): string {
  if (s.n === 0) return "-";
  if (!isAccuracy(metric)) {
    return `${s.mean.toPrecision(4)}${s.n > 1 ? ` ± ${s.std.toPrecision(2)}` : ""}`;
  }
  const pct = `${(100 * s.mean).toFixed(2)}%${s.n > 1 ? ` ± ${(100 * s.std).toFixed(2)}` : ""}`;
  return count && s.n === 1 ? `${pct} (${Math.round(s.mean * count)} / ${count})` : pct;
}

function statusText(s: SettingRow["status"]): string {
  const parts = [
    s.done ? `${s.done} done` : "",
    s.diverged ? `${s.diverged} diverged` : "",
    s.earlyStopped ? `${s.earlyStopped} early-stopped` : "",
    s.unfinished ? `${s.unfinished} unfinished` : "",
  ];
  return parts.filter(Boolean).join(", ");
}

/** The table's header and cells, as text. */
export function comparisonCells(c: Comparison): { header: string[]; cells: string[][] } {
  const multi = c.experiments.length > 1;
  const anyValidation = c.rows.some((r) => r.validation);
  const name = c.metric.replaceAll("_", " ");
  const header = [
    "",
    ...(multi ? ["experiment"] : []),
    ...c.varying,
    `best ${name}`,
    "epoch",
    `final ${name}`,
    ...(anyValidation && c.metric !== "validation_accuracy" ? ["validation"] : []),
    "s/epoch",
    "n",
    "status",
  ];
  const cells = c.rows.map((r) => [
    r.isBest ? "*" : "",
    ...(multi ? [r.experiment] : []),
    ...c.varying.map((k) => settingText(r.params[k])),
    formatStat(r.best, c.metric, r.evaluatedOn),
    Number.isNaN(r.bestEpoch) ? "-" : String(Math.round(r.bestEpoch * 10) / 10),
    formatStat(r.final, c.metric, r.evaluatedOn),
    ...(anyValidation && c.metric !== "validation_accuracy"
      ? [r.validation ? formatStat(r.validation, "validation_accuracy", null) : "-"]
      : []),
    Number.isNaN(r.secondsPerEpoch) ? "-" : r.secondsPerEpoch.toFixed(2),
    String(
      r.best.n || r.status.done + r.status.diverged + r.status.earlyStopped + r.status.unfinished,
    ),
    statusText(r.status),
  ]);
  return { header, cells };
}

function notes(c: Comparison): string[] {
  const out = [
    `constant: ${Object.entries(c.constant).map(([k, v]) => `${k}=${settingText(v)}`).join(" ")}`,
  ];
  if (c.unfinished > 0) {
    out.push(`incomplete: ${c.unfinished} of ${c.trials} trials unfinished; rows show what exists`);
  }
  return out;
}

/**
 * Formats a comparison: `table` aligned for a terminal of `width` columns (transposed to one
 * block per setting when wider), `md` Markdown, `csv` and `json` for machines.
 */
export function formatComparison(c: Comparison, format: Format, width = 100): string {
  if (format === "json") {
    // Statistics of float32 metrics print as float32; parameters exactly as given.
    const stats = new Set(["mean", "std", "secondsPerEpoch"]);
    return JSON.stringify(
      c,
      (k, v) =>
        typeof v !== "number"
          ? v
          : Number.isNaN(v)
          ? null
          : stats.has(k) && !Number.isInteger(v)
          ? Number(float32Text(v))
          : v,
      2,
    );
  }
  if (format === "csv") {
    const keys = [...(c.experiments.length > 1 ? ["experiment"] : []), ...c.varying];
    const header = [
      ...keys,
      "best_mean",
      "best_std",
      "n",
      "best_epoch",
      "final_mean",
      "final_std",
      "validation_mean",
      "seconds_per_epoch",
      "done",
      "diverged",
      "early_stopped",
      "unfinished",
      "is_best",
    ];
    const num = (x: number | undefined) => x === undefined || Number.isNaN(x) ? "" : float32Text(x);
    const lines = c.rows.map((r) =>
      [
        ...keys.map((k) => (k === "experiment" ? r.experiment : settingText(r.params[k]))),
        num(r.best.mean),
        num(r.best.std),
        String(r.best.n),
        num(r.bestEpoch),
        num(r.final.mean),
        num(r.final.std),
        num(r.validation?.mean),
        num(r.secondsPerEpoch),
        r.status.done,
        r.status.diverged,
        r.status.earlyStopped,
        r.status.unfinished,
        r.isBest,
      ].map((v) => (/[",\n]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v)))
        .join(",")
    );
    return [header.join(","), ...lines].join("\n") + "\n";
  }
  const { header, cells } = comparisonCells(c);
  if (format === "md") {
    const esc = (s: string) => s.replaceAll("|", "\\|");
    return [
      `| ${header.map(esc).join(" | ")} |`,
      `|${header.map(() => " --- ").join("|")}|`,
      ...cells.map((r) => `| ${r.map(esc).join(" | ")} |`),
      "",
      ...notes(c).map((n) => `_${n}_`),
    ].join("\n") + "\n";
  }
  const aligned = (h: string[], rows: string[][]): string[] | null => {
    const widths = h.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i].length)));
    if (widths.reduce((sum, w) => sum + w + 2, 0) > width) return null;
    const line = (r: string[]) => r.map((t, i) => t.padEnd(widths[i])).join("  ").trimEnd();
    return [line(h), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  };
  // Too wide: first drop the final column's `n / N` counts and shorten the two metric headings
  // (an 80-column terminal then still gets a table); then one block per setting.
  const final = header.indexOf(`final ${c.metric.replaceAll("_", " ")}`);
  const compactHeader = header.map((h, i) => i === final ? "final" : i === final - 2 ? "best" : h);
  const compactCells = cells.map((r) =>
    r.map((t, i) => (i === final ? t.replace(/ \(\d+ \/ \d+\)$/, "") : t))
  );
  const body = aligned(header, cells) ??
    aligned(compactHeader, compactCells)?.concat(
      `(best and final: ${c.metric.replaceAll("_", " ")})`,
    ) ??
    cells.flatMap((r, i) => [
      `${r[0] === "*" ? "* best" : "-"} setting ${i + 1}`,
      ...header.slice(1).map((h, j) =>
        `  ${h.padEnd(Math.max(...header.map((x) => x.length)))}  ${r[j + 1]}`
      ),
    ]);
  return [...body, "", ...notes(c).flatMap((n) => wrap(n, width))].join("\n") + "\n";
}

/** `text` broken at spaces into lines of at most `width` (continuations indented). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `  ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
