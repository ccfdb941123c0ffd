/**
 * The sweep's CSV files, derived from the trial records: `trials.csv` (one row per trial) and
 * `epochs.csv` (one row per trial and epoch, tidy). Both are written atomically.
 *
 * @module
 */
import { join } from "node:path";
import type { TrialRecord } from "../sweep/records.ts";
import { type Setting, SETTING_FIELDS, settingText } from "../sweep/schema.ts";
import { writeFileAtomic } from "./_atomic.ts";

/** The per-epoch metric columns, in order. */
export const EPOCH_COLUMNS = [
  "test_accuracy",
  "test_cost",
  "validation_accuracy",
  "validation_cost",
  "training_accuracy",
  "training_cost",
  "train_seconds",
  "eval_seconds",
] as const;

/** The EpochMetrics field of each column. */
export const EPOCH_FIELDS: Record<typeof EPOCH_COLUMNS[number], string> = {
  test_accuracy: "testAccuracy",
  test_cost: "testCost",
  validation_accuracy: "validationAccuracy",
  validation_cost: "validationCost",
  training_accuracy: "trainingAccuracy",
  training_cost: "trainingCost",
  train_seconds: "trainSeconds",
  eval_seconds: "evalSeconds",
};

function cell(v: unknown): string {
  if (v === undefined || v === null) return "";
  const s = settingText(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Seconds to the microsecond: the timer's noise is far above that. */
function microseconds(s: number | undefined): number | undefined {
  return s === undefined ? undefined : Math.round(s * 1e6) / 1e6;
}

function rows(header: string[], data: unknown[][]): string {
  return [header, ...data].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

/** Summary numbers of one trial. */
export function trialSummary(rec: TrialRecord): {
  bestTestAccuracy?: number;
  bestEpoch?: number;
  finalTestAccuracy?: number;
  secondsPerEpoch?: number;
} {
  const withAcc = rec.epochs.filter((e) => e.testAccuracy !== undefined);
  if (rec.epochs.length === 0) return {};
  const best = withAcc.reduce<typeof withAcc[number] | undefined>(
    (b, e) => (b === undefined || e.testAccuracy! > b.testAccuracy! ? e : b),
    undefined,
  );
  const seconds = rec.epochs.map((e) => e.trainSeconds).sort((a, b) => a - b);
  return {
    bestTestAccuracy: best?.testAccuracy,
    bestEpoch: best?.epoch,
    finalTestAccuracy: withAcc.at(-1)?.testAccuracy,
    secondsPerEpoch: seconds[seconds.length >> 1],
  };
}

/** The `trials.csv` text for records in trial order. */
export function trialsCsv(records: TrialRecord[]): string {
  const keys = Object.keys(SETTING_FIELDS) as (keyof Setting)[];
  const header = [
    "trial",
    "index",
    ...keys,
    "repeat",
    "seed",
    "status",
    "epochs_done",
    "best_test_accuracy",
    "best_epoch",
    "final_test_accuracy",
    "seconds_per_epoch",
    "diverged_epoch",
  ];
  return rows(
    header,
    records.map((r, i) => {
      const s = trialSummary(r);
      return [
        r.id,
        i,
        ...keys.map((k) => r.setting[k]),
        r.repeat,
        r.seed,
        r.status,
        r.epochs.length,
        s.bestTestAccuracy,
        s.bestEpoch,
        s.finalTestAccuracy,
        microseconds(s.secondsPerEpoch),
        r.divergedEpoch,
      ];
    }),
  );
}

/** The `epochs.csv` text: trial, epoch, then one column per metric. */
export function epochsCsv(records: TrialRecord[]): string {
  const data: unknown[][] = [];
  for (const r of records) {
    for (const e of r.epochs) {
      data.push([
        r.id,
        e.epoch,
        ...EPOCH_COLUMNS.map((c) => {
          const v = (e as unknown as Record<string, number>)[EPOCH_FIELDS[c]];
          return c.endsWith("_seconds") ? microseconds(v) : v;
        }),
      ]);
    }
  }
  return rows(["trial", "epoch", ...EPOCH_COLUMNS], data);
}

/** Writes both CSV files into `dir`. */
export async function writeCsvs(dir: string, records: TrialRecord[]): Promise<void> {
  await writeFileAtomic(join(dir, "trials.csv"), trialsCsv(records));
  await writeFileAtomic(join(dir, "epochs.csv"), epochsCsv(records));
}
