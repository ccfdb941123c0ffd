/**
 * One trial's summary numbers, from its record: the best and final value of a metric and the
 * epoch of the best, its median seconds per epoch, and whether it learned at all. CSV files,
 * the zarr store and the tables all use these.
 *
 * @module
 */
import { METRIC_INFO, type MetricName, metricValue } from "../vocabulary/mod.ts";
import type { TrialRecord } from "./records.ts";

/** Summary of one trial for one metric. */
export interface TrialSummary {
  best?: number;
  /** The epoch of the best value (network.py's `Epoch N`, from 0); the last one on ties. */
  bestEpoch?: number;
  final?: number;
  secondsPerEpoch?: number;
  /**
   * False when the trial ended no better than chance (accuracy at most 1.5 / classes, or a
   * cost that never fell below its first value), true when it did better, undefined when the
   * metric was never measured.
   */
  learned?: boolean;
}

/** The number of classes a setting's output layer has. */
export function classesOf(rec: TrialRecord): number {
  const s = rec.setting;
  if (s.layers && s.layers.length > 0) {
    const last = s.layers[s.layers.length - 1];
    return last.type === "dense" ? last.size : 10;
  }
  return s.sizes[s.sizes.length - 1] ?? 10;
}

/**
 * The value of `metric` at the epoch of best validation accuracy (ties: the later epoch),
 * the number network3.py reports; undefined when either was never measured together.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { valueAtBestValidation } from "./summary.ts";
 * const epoch = (epoch: number, v: number, t: number) =>
 *   ({ epoch, trainSeconds: 1, validationAccuracy: v, testAccuracy: t });

 * const rec = { epochs: [epoch(0, 0.9, 0.8), epoch(1, 0.95, 0.91), epoch(2, 0.95, 0.93)] };
 * assertEquals(valueAtBestValidation(rec as never, "testAccuracy"), 0.93);
 * ```
 */
export function valueAtBestValidation(rec: TrialRecord, metric: MetricName): number | undefined {
  let best = -Infinity;
  let at: number | undefined;
  for (const e of rec.epochs) {
    const v = metricValue(e, "validationAccuracy");
    const m = metricValue(e, metric);
    if (v === undefined || Number.isNaN(v) || m === undefined || Number.isNaN(m)) continue;
    if (v >= best) [best, at] = [v, m];
  }
  return at;
}

/**
 * Summarises `rec` for `metric` (default test accuracy).
 Ties keep the later epoch, as
 * network3.py does (`>=`).
 */
export function trialSummary(rec: TrialRecord, metric: MetricName = "testAccuracy"): TrialSummary {
  const lower = METRIC_INFO[metric].lowerIsBetter;
  let best: number | undefined;
  let bestEpoch: number | undefined;
  let first: number | undefined;
  let final: number | undefined;
  for (const e of rec.epochs) {
    const v = metricValue(e, metric);
    if (v === undefined || Number.isNaN(v)) continue;
    first ??= v;
    final = v;
    if (best === undefined || (lower ? v <= best : v >= best)) [best, bestEpoch] = [v, e.epoch];
  }
  const seconds = rec.epochs.map((e) => e.trainSeconds).sort((a, b) => a - b);
  const kind = METRIC_INFO[metric].kind;
  const learned = final === undefined
    ? undefined
    : kind === "accuracy"
    ? final > 1.5 / classesOf(rec)
    : kind === "cost"
    ? final < first! || rec.epochs.length === 1
    : undefined;
  return {
    best,
    bestEpoch,
    final,
    secondsPerEpoch: seconds.length ? seconds[seconds.length >> 1] : undefined,
    learned,
  };
}
