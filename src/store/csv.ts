/**
 * The sweep's CSV files, derived from the trial records: `trials.csv` (one row per trial) and
 * `epochs.csv` (one row per trial and epoch, tidy; one column per metric, and per hidden layer
 * for `gradient_norm_<l>`). Both are written atomically.
 *
 * @module
 */
import { join } from "node:path";
import { METRIC_INFO, METRIC_NAMES, type MetricName } from "../vocabulary/mod.ts";
import { SETTING_KEYS, settingText } from "../experiment/mod.ts";
import type { TrialRecord } from "./records.ts";
import { trialSummary } from "./summary.ts";
import { writeFileAtomic } from "../coordination/mod.ts";

/**
 * One CSV cell. Text that a spreadsheet would run as a formula (starting with =, +, -, @, a
 * tab or a CR: OWASP's list) gets a leading apostrophe, so opening the file runs nothing.
 */
export function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "";
  let s = settingText(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  // RFC 4180: a bare CR ends a row for most readers, as LF does.
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Seconds to the microsecond: the timer's noise is far above that. */
function microseconds(s: number | undefined): number | undefined {
  return s === undefined ? undefined : Math.round(s * 1e6) / 1e6;
}

function rows(header: string[], data: unknown[][]): string {
  return [header.join(","), ...data.map((r) => r.map(cell).join(","))].join("\n") + "\n";
}

/** Hidden layers whose gradient norms some record has. */
function gradientLayers(records: readonly TrialRecord[]): number {
  let n = 0;
  for (const r of records) for (const e of r.epochs) n = Math.max(n, e.gradientNorms?.length ?? 0);
  return n;
}

/** The per-epoch columns: every scalar metric, then one gradient norm column per layer. */
export function epochColumns(
  layers: number,
): { name: string; metric: MetricName; layer?: number }[] {
  return METRIC_NAMES.flatMap((m): { name: string; metric: MetricName; layer?: number }[] =>
    METRIC_INFO[m].kind === "layers"
      ? Array.from(
        { length: layers },
        (_, l) => ({ name: `${METRIC_INFO[m].column}_${l + 1}`, metric: m, layer: l }),
      )
      : [{ name: METRIC_INFO[m].column, metric: m }]
  );
}

/** The `trials.csv` text for records in trial order. */
export function trialsCsv(records: readonly TrialRecord[]): string {
  const header = [
    "trial",
    "index",
    ...SETTING_KEYS,
    "repeat",
    "seed",
    "draw",
    "status",
    "epochs_done",
    "best_test_accuracy",
    "best_epoch",
    "final_test_accuracy",
    "best_validation_accuracy",
    "seconds_per_epoch",
    "diverged_epoch",
    "learned",
  ];
  return rows(
    header,
    records.map((r) => {
      const s = trialSummary(r);
      const v = trialSummary(r, "validationAccuracy");
      return [
        r.id,
        r.index,
        ...SETTING_KEYS.map((k) => r.setting[k]),
        r.repeat,
        r.seed,
        r.draw,
        r.status,
        r.epochs.length,
        s.best,
        s.bestEpoch,
        s.final,
        v.best,
        microseconds(s.secondsPerEpoch),
        r.divergedEpoch,
        s.learned === undefined ? undefined : String(s.learned),
      ];
    }),
  );
}

/** The `epochs.csv` text: trial, epoch, then one column per metric. */
export function epochsCsv(records: readonly TrialRecord[]): string {
  const columns = epochColumns(gradientLayers(records));
  const data: unknown[][] = [];
  for (const r of records) {
    for (const e of r.epochs) {
      data.push([
        r.id,
        e.epoch,
        ...columns.map((c) => {
          const v = c.layer === undefined
            ? (e as Record<string, unknown>)[c.metric]
            : e.gradientNorms?.[c.layer];
          return METRIC_INFO[c.metric].kind === "seconds" ? microseconds(v as number) : v;
        }),
      ]);
    }
  }
  return rows(["trial", "epoch", ...columns.map((c) => c.name)], data);
}

/** Writes both CSV files into `dir`. */
export async function writeCsvs(dir: string, records: readonly TrialRecord[]): Promise<void> {
  await writeFileAtomic(join(dir, "trials.csv"), trialsCsv(records));
  await writeFileAtomic(join(dir, "epochs.csv"), epochsCsv(records));
}
