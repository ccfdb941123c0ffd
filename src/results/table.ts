/**
 * A comparison as text: an aligned table for a terminal of a given width (compacted, then
 * transposed to one block per setting when too wide), Markdown, CSV and JSON.
 *
 * @module
 */
import { METRIC_INFO } from "../vocabulary/mod.ts";
import { settingText } from "../experiment/mod.ts";
import { type Comparison, type SettingRow, type Stat, statusText } from "./compare.ts";

/** Output formats of {@linkcode formatComparison}. */
export type Format = "table" | "md" | "csv" | "json";

/** Every format name. */
export const FORMATS: readonly Format[] = ["table", "md", "csv", "json"];

/**
 * The shortest decimal that reads back as the same float32: metrics are float32, so
 * `0.946399986743927` is printed as `0.9464`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { float32Text } from "./table.ts";
 * assertEquals(float32Text(Math.fround(0.9464)), "0.9464");
 * assertEquals(float32Text(0.1), "0.1");
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

function formatStat(s: Stat, c: Comparison, count: number | null): string {
  if (s.n === 0) return "-";
  if (METRIC_INFO[c.metric].kind !== "accuracy") {
    return `${s.mean.toPrecision(4)}${s.n > 1 ? ` ± ${s.std.toPrecision(2)}` : ""}`;
  }
  const pct = `${(100 * s.mean).toFixed(2)}%${s.n > 1 ? ` ± ${(100 * s.std).toFixed(2)}` : ""}`;
  return count && s.n === 1 ? `${pct} (${Math.round(s.mean * count)} / ${count})` : pct;
}

function metricName(c: Comparison): string {
  return METRIC_INFO[c.metric].column.replaceAll("_", " ");
}

/**
 * Whether the table leads with validation accuracy: it does wherever validation accuracy was
 * monitored (settings are chosen on it, and the metric is shown at its best epoch).
 */
function validationFirst(c: Comparison): boolean {
  return c.metric !== "validationAccuracy" && c.rows.some((r) => r.validation);
}

/** The table's header and cells, as text. */
export function comparisonCells(c: Comparison): { header: string[]; cells: string[][] } {
  const multi = c.experiments.length > 1;
  const byValidation = validationFirst(c);
  // The best value over every epoch is shown beside validation only when asked for by --sort.
  const showBest = !byValidation || c.sort === "best";
  const name = metricName(c);
  // Pruned, early-stopped or shorter trials: show how many epochs each setting ran.
  const ran = new Set(c.rows.map((r) => r.epochs)).size > 1;
  const epoch = (x: number) => Number.isNaN(x) ? "-" : String(Math.round(x * 10) / 10);
  const accuracy = { ...c, metric: "validationAccuracy" as const };
  const voted = c.rows.some((r) => r.vote);
  const header = [
    "",
    ...(multi ? ["experiment"] : []),
    ...c.varying,
    ...(byValidation
      ? ["best validation", "epoch", `${name} at best val.`, `final ${name}`]
      : [`best ${name}`, "epoch", `final ${name}`]),
    ...(byValidation && showBest ? [`best ${name}`] : []),
    ...(voted ? ["majority vote"] : []),
    ...(ran ? ["epochs run"] : []),
    "s/epoch",
    "n",
    "status",
  ];
  const cells = c.rows.map((r: SettingRow) => [
    r.isBest ? "*" : "",
    ...(multi ? [r.experiment] : []),
    ...c.varying.map((k) => settingText(r.params[k], true)),
    ...(byValidation
      ? [
        r.validation ? formatStat(r.validation, accuracy, null) : "-",
        epoch(r.validationEpoch),
        r.atBestValidation ? formatStat(r.atBestValidation, c, r.evaluatedOn) : "-",
        formatStat(r.final, c, r.evaluatedOn),
      ]
      : [
        formatStat(r.best, c, r.evaluatedOn),
        epoch(r.bestEpoch),
        formatStat(r.final, c, r.evaluatedOn),
      ]),
    ...(byValidation && showBest ? [formatStat(r.best, c, r.evaluatedOn)] : []),
    ...(voted ? [voteText(r)] : []),
    ...(ran ? [String(Math.round(r.epochs * 10) / 10)] : []),
    Number.isNaN(r.secondsPerEpoch) ? "-" : r.secondsPerEpoch.toFixed(2),
    String(Object.values(r.status).reduce((a, b) => a + b, 0)),
    statusText(r),
  ]);
  return { header, cells };
}

/** `99.67% (mean 99.60%)`: the vote's test accuracy beside its networks' mean. */
function voteText(r: SettingRow): string {
  const v = r.vote;
  if (!v) return "-";
  return `${(100 * v.accuracy).toFixed(2)}% (mean ${(100 * v.mean).toFixed(2)}%)`;
}

/** The comparison cut into one part per dataset (one part when all rows share one). */
export function datasetParts(c: Comparison): { dataset: string | null; part: Comparison }[] {
  if (c.datasets.length <= 1) return [{ dataset: null, part: c }];
  return c.datasets.map((d) => ({
    dataset: d,
    part: { ...c, rows: c.rows.filter((r) => r.dataset === d) },
  }));
}

/** The notes under a table: constant parameters, incompleteness, and the comparison's notes. */
export function comparisonNotes(c: Comparison): string[] {
  const out = [
    `constant: ${
      Object.entries(c.constant).map(([k, v]) => `${k}=${settingText(v, true)}`).join(" ")
    }`,
    "epochs count from 0, as network.py prints them; s/epoch: median seconds of an epoch " +
    "(training and evaluation), the first (warm-up) epoch left out",
  ];
  if (c.unfinished > 0) {
    out.push(`incomplete: ${c.unfinished} of ${c.trials} trials unfinished; rows show what exists`);
  }
  const voted = c.rows.filter((r) => r.vote);
  if (voted.length > 0) {
    const ties = voted.reduce((n, r) => n + r.vote!.byOutputs + r.vote!.byLowestClass, 0);
    out.push(
      "majority vote: test accuracy of the repeats voting at their last epoch (as network3.py's " +
        "ensemble()), beside the mean of the same networks alone; a tie goes to the larger sum " +
        `of the networks' outputs, then to the lower class (${ties} tied test images)`,
    );
  }
  return [...out, ...c.notes];
}

function csvText(c: Comparison): string {
  const keys = [
    ...(c.experiments.length > 1 ? ["experiment"] : []),
    ...(c.datasets.length > 1 ? ["dataset"] : []),
    ...c.varying,
  ];
  // Summary columns never share a name with a setting (`epochs` is one: hence `epochs_run`).
  const header = [
    ...keys,
    "best_mean",
    "best_std",
    "n",
    "best_epoch",
    "final_mean",
    "final_std",
    "validation_mean",
    "validation_epoch",
    "at_best_validation_mean",
    "seconds_per_epoch",
    "epochs_run",
    "status",
    "is_best",
    "vote_accuracy",
    "vote_mean",
    "vote_networks",
  ];
  const n = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? "" : float32Text(x));
  const cell = (r: SettingRow, k: string) =>
    k === "experiment" ? r.experiment : k === "dataset" ? r.dataset : settingText(r.params[k]);
  const lines = c.rows.map((r) =>
    [
      ...keys.map((k) => cell(r, k)),
      n(r.best.mean),
      n(r.best.std),
      String(r.best.n),
      n(r.bestEpoch),
      n(r.final.mean),
      n(r.final.std),
      n(r.validation?.mean),
      n(r.validationEpoch),
      n(r.atBestValidation?.mean),
      n(r.secondsPerEpoch),
      n(r.epochs),
      statusText(r),
      r.isBest,
      n(r.vote?.accuracy),
      n(r.vote?.mean),
      r.vote ? String(r.vote.members) : "",
    ].map((v) => (/[",\n\r]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v)))
      .join(",")
  );
  return [header.join(","), ...lines].join("\n") + "\n";
}

function markdownText(c: Comparison): string {
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const tables = datasetParts(c).flatMap(({ dataset, part }) => {
    const { header, cells } = comparisonCells(part);
    return [
      ...(dataset ? [`**dataset: ${esc(dataset)}**`, ""] : []),
      `| ${header.map(esc).join(" | ")} |`,
      `|${header.map(() => " --- ").join("|")}|`,
      ...cells.map((r) => `| ${r.map(esc).join(" | ")} |`),
      "",
    ];
  });
  return [...tables, ...comparisonNotes(c).map((n) => `_${n}_`)].join("\n") + "\n";
}

/** One table (one dataset's rows) as aligned text lines at most `width` wide where it can be. */
function tableLines(c: Comparison, width: number): string[] {
  const { header, cells } = comparisonCells(c);
  const aligned = (h: string[], rows: string[][]): string[] | null => {
    const widths = h.map((t, i) => Math.max(t.length, ...rows.map((r) => r[i].length)));
    if (widths.reduce((sum, w) => sum + w + 2, 0) > width) return null;
    const line = (r: string[]) => r.map((t, i) => t.padEnd(widths[i])).join("  ").trimEnd();
    return [line(h), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  };
  // Too wide: first drop the metric from the headings and the final column's `n / N` counts
  // (an 80-column terminal then still gets a table); then one block per setting.
  const name = metricName(c);
  const short: Record<string, string> = {
    [`best ${name}`]: "best",
    [`final ${name}`]: "final",
    [`${name} at best val.`]: "at best val.",
    "best validation": "validation",
  };
  const final = header.indexOf(`final ${name}`);
  const compactHeader = header.map((h) => short[h] ?? h);
  const compactCells = cells.map((r) =>
    r.map((t, i) => (i === final ? t.replace(/ \(\d+ \/ \d+\)$/, "") : t))
  );
  const legend = header.filter((h) => h in short && h !== "best validation").map((h) => short[h]);
  return aligned(header, cells) ??
    aligned(compactHeader, compactCells)?.concat(`(${legend.join(", ")}: ${name})`) ??
    cells.flatMap((r, i) => {
      const w = Math.max(...header.map((x) => x.length));
      return [
        `${r[0] === "*" ? "* best" : "-"} setting ${i + 1}`,
        ...header.slice(1).flatMap((h, j) =>
          wrap(`  ${h.padEnd(w)}  ${r[j + 1]}`, width, " ".repeat(w + 4))
        ),
      ];
    });
}

/**
 * Formats a comparison: `table` aligned for a terminal of `width` columns (transposed to one
 * block per setting when wider), `md` Markdown, `csv` and `json` for machines. Rows on
 * different datasets make one table each (one column in CSV, a field in JSON).
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
  if (format === "csv") return csvText(c);
  if (format === "md") return markdownText(c);
  const body = datasetParts(c).flatMap(({ dataset, part }, i) => [
    ...(i > 0 ? [""] : []),
    ...(dataset ? wrap(`dataset: ${dataset}`, width) : []),
    ...tableLines(part, width),
  ]);
  return [...body, "", ...comparisonNotes(c).flatMap((n) => wrap(n, width))].join("\n") + "\n";
}

/** `text` broken at spaces into lines of at most `width`, continuations after `indent`. */
function wrap(text: string, width: number, indent = "  "): string[] {
  if (text.length <= width) return [text];
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/(?<=\S) /)) {
    if (line.trim() && line.length + 1 + word.length > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}
