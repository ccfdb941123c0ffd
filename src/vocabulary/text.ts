/**
 * Short texts for progress lines, tables and the live view: durations and what an epoch
 * measured.
 *
 * @module
 */
import type { EpochMetrics } from "./metrics.ts";

function pct(x: number | undefined): string {
  return x === undefined ? "-" : `${(100 * x).toFixed(2)}%`;
}

/** `1h02m`, `3m05s`, `42s`. */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
    ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
    : `${s}s`;
}

/** What an epoch measured, in a few words. */
export function epochText(m: EpochMetrics): string {
  const parts: string[] = [];
  if (m.testAccuracy !== undefined) parts.push(`test ${pct(m.testAccuracy)}`);
  if (m.validationAccuracy !== undefined) parts.push(`validation ${pct(m.validationAccuracy)}`);
  if (m.trainingCost !== undefined) parts.push(`training cost ${m.trainingCost.toPrecision(4)}`);
  parts.push(`${m.trainSeconds.toFixed(2)} s`);
  return parts.join(", ");
}
