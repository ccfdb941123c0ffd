/**
 * One trial's summary numbers, from its record: the best and final value of a metric and the
 * epoch of the best, its median seconds per epoch, and whether it learned at all. CSV files,
 * the zarr store and the tables all use these.
 *
 * @module
 */
import { METRIC_INFO, type MetricName, metricValue } from "../network/metrics.ts";
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
 * Summarises `rec` for `metric` (default test accuracy). Ties keep the later epoch, as
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
