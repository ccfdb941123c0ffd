/**
 * Progress of a sweep on stderr: on a terminal, a live line per worker with the sweep's ETA;
 * otherwise one plain line per finished epoch (one per monitored epoch when a trial has
 * thousands). Epochs are named as network.py prints them, from 0, with the count beside:
 * `epoch 0 [1/30]`.
 *
 * @module
 */
import type { SweepEvent } from "./events.ts";
import { describeSetting, type SettingKey, type Trial } from "../experiment/mod.ts";
import { duration, epochText } from "../vocabulary/mod.ts";

/** Returns an event handler that reports progress to `write`. */
export function progressReporter(
  live: boolean,
  write: (text: string) => void,
): (e: SweepEvent) => void {
  const lines = new Map<number, string>();
  let shown = 0;
  let workers = 1;
  let remainingEpochs = 0;
  let epochSeconds = 0;
  let epochCount = 0;
  let waiting = "";
  let lastPlain = 0;
  const planned = new Map<string, number>();
  let keys: SettingKey[] = ["eta"];
  const label = (t: Trial) => `trial ${t.index} (${describeSetting(t.setting, keys)})`;
  const redraw = () => {
    const eta = epochCount ? (remainingEpochs * epochSeconds / epochCount) / workers : NaN;
    const body = [...lines.entries()].sort(([a], [b]) => a - b).map(([w, l]) => `[w${w}] ${l}`);
    body.push(
      `sweep: ${remainingEpochs} epochs to go, ETA ${duration(eta)}${
        waiting ? `; ${waiting}` : ""
      }`,
    );
    write(`${shown ? `\x1b[${shown}A` : ""}${body.map((l) => `\x1b[2K${l}\n`).join("")}`);
    shown = body.length;
  };
  /** A line that stays: on a terminal, above the live lines, which are drawn again below. */
  const say = (text: string) => {
    if (!live) return write(`${text}\n`);
    write(`${shown ? `\x1b[${shown}A` : ""}\x1b[2K${text}\n`);
    shown = 0;
    redraw();
  };
  return (e) => {
    switch (e.type) {
      case "start":
        if (e.varying.length > 0) keys = e.varying;
        workers = e.workers;
        remainingEpochs = e.epochs;
        write(
          `${e.experiment.name}: ${e.total} trials, ${e.toRun} to run${
            e.skipped ? ` (${e.skipped} already complete)` : ""
          } on ${e.workers} worker${e.workers === 1 ? "" : "s"} -> ${e.dir}\n`,
        );
        if (e.workersNote) write(`(${e.workersNote})\n`);
        break;
      case "trial-start":
        planned.set(e.trial.id, e.epochs);
        waiting = "";
        if (live) {
          lines.set(
            e.worker,
            `${label(e.trial)} ${e.from ? `resuming after epoch ${e.from - 1}` : "starting"}`,
          );
          redraw();
        } else if (e.from) write(`${label(e.trial)} resuming after epoch ${e.from - 1}\n`);
        break;
      case "epoch": {
        const m = e.metrics;
        epochSeconds += m.trainSeconds + m.evalSeconds;
        epochCount++;
        remainingEpochs = Math.max(0, remainingEpochs - 1);
        const text = `${label(e.trial)} epoch ${m.epoch} [${m.epoch + 1}/${e.epochs}]: ${
          epochText(m)
        }`;
        if (live) {
          lines.set(e.worker, text);
          // Thousands of short epochs: the terminal redraws at most ten times a second.
          const now = performance.now();
          if (now - lastPlain >= 100) {
            lastPlain = now;
            redraw();
          }
        } else if (
          m.testAccuracy !== undefined || m.validationAccuracy !== undefined || e.epochs <= 1000
        ) {
          write(`${text}\n`);
        }
        break;
      }
      case "trial-done": {
        const left = (planned.get(e.trial.id) ?? 0) - e.record.epochs.length;
        remainingEpochs = Math.max(0, remainingEpochs - Math.max(0, left));
        const text = `${label(e.trial)} ${e.record.status}${
          e.record.status === "diverged" ? ` in epoch ${e.record.divergedEpoch}` : ""
        }${e.record.error ? `: ${e.record.error}` : ""}`;
        if (live) {
          lines.set(e.worker, text);
          redraw();
        } else write(`${text}\n`);
        break;
      }
      case "waiting":
        waiting = e.what;
        if (live) redraw();
        else write(`waiting: ${e.what}\n`);
        break;
      case "note":
        say(`note: ${e.text}`);
        break;
      case "trial-lost":
        lines.delete(e.worker);
        say(`${label(e.trial)}: another process took it over; it finishes there`);
        break;
    }
  };
}
