/**
 * Progress of a sweep on stderr: on a terminal, a live line per worker with the sweep's ETA;
 * otherwise one plain line per finished epoch.
 *
 * @module
 */
import type { SweepEvent } from "./runner.ts";
import type { Trial } from "./expand.ts";
import { type Setting, settingText } from "./schema.ts";

/** `eta=3 lmbda=0.1`: the keys that vary in this sweep. */
export function describeSetting(s: Setting, keys: (keyof Setting)[]): string {
  return keys.map((k) => `${k}=${settingText(s[k])}`).join(" ");
}

function pct(x: number | undefined): string {
  return x === undefined ? "-" : `${(100 * x).toFixed(2)}%`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : s >= 60
    ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`
    : `${s}s`;
}

/** Returns an event handler that reports progress to `write`. */
export function progressReporter(
  varying: (keyof Setting)[],
  live: boolean,
  write: (text: string) => void,
): (e: SweepEvent) => void {
  const lines = new Map<number, string>();
  let shown = 0;
  let workers = 1;
  let remainingEpochs = 0;
  let epochSeconds = 0;
  let epochCount = 0;
  const planned = new Map<string, number>();
  const keys = varying.length > 0 ? varying : (["eta"] as (keyof Setting)[]);
  const label = (t: Trial) => `trial ${t.index} (${describeSetting(t.setting, keys)})`;
  const redraw = () => {
    const eta = epochCount ? (remainingEpochs * epochSeconds / epochCount) / workers : NaN;
    const body = [...lines.entries()].sort(([a], [b]) => a - b).map(([w, l]) => `[w${w}] ${l}`);
    body.push(`sweep: ${remainingEpochs} epochs to go, ETA ${duration(eta)}`);
    write(`${shown ? `\x1b[${shown}A` : ""}${body.map((l) => `\x1b[2K${l}\n`).join("")}`);
    shown = body.length;
  };
  return (e) => {
    switch (e.type) {
      case "start":
        workers = e.workers;
        remainingEpochs = e.epochs;
        write(
          `${e.experiment.name}: ${e.total} trials, ${e.toRun} to run${
            e.skipped ? ` (${e.skipped} already complete)` : ""
          } on ${e.workers} worker${e.workers === 1 ? "" : "s"} -> ${e.dir}\n`,
        );
        break;
      case "trial-start":
        planned.set(e.trial.id, e.epochs);
        if (live) {
          lines.set(e.worker, `${label(e.trial)} starting`);
          redraw();
        }
        break;
      case "epoch": {
        const m = e.metrics;
        epochSeconds += m.trainSeconds + m.evalSeconds;
        epochCount++;
        remainingEpochs = Math.max(0, remainingEpochs - 1);
        const text = `${label(e.trial)} epoch ${m.epoch + 1}/${e.epochs}: test ${
          pct(m.testAccuracy)
        }${
          m.validationAccuracy !== undefined ? `, validation ${pct(m.validationAccuracy)}` : ""
        }, ${m.trainSeconds.toFixed(2)} s`;
        if (live) {
          lines.set(e.worker, text);
          redraw();
        } else write(`${text}\n`);
        break;
      }
      case "trial-done": {
        remainingEpochs = Math.max(
          0,
          remainingEpochs - ((planned.get(e.trial.id) ?? 0) - e.record.epochs.length),
        );
        const text = `${label(e.trial)} ${e.record.status}${
          e.record.status === "diverged" ? ` in epoch ${e.record.divergedEpoch}` : ""
        }${e.record.error ? `: ${e.record.error}` : ""}`;
        if (live) {
          lines.set(e.worker, text);
          redraw();
        } else write(`${text}\n`);
        break;
      }
    }
  };
}
