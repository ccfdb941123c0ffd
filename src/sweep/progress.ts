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
  const progress = new Progress(live, write);
  return (e) => progress.on(e);
}

/** A running trial: its epochs to go and the seconds its epochs take so far. */
interface Running {
  left: number;
  seconds: number;
  epochs: number;
}

/**
 * The state behind the progress lines. The sweep's ETA shares its epochs to go among the
 * workers at the pace measured so far, and is never shorter than what a running trial needs
 * alone at its own pace (a trial runs on one worker).
 */
class Progress {
  readonly #lines = new Map<number, string>();
  readonly #planned = new Map<string, number>();
  readonly #running = new Map<string, Running>();
  #shown = 0;
  #workers = 1;
  #remainingEpochs = 0;
  #epochSeconds = 0;
  #epochCount = 0;
  #waiting = "";
  #lastDraw = 0;
  #keys: SettingKey[] = ["eta"];

  constructor(readonly live: boolean, readonly write: (text: string) => void) {}

  #label(t: Trial): string {
    return `trial ${t.index} (${describeSetting(t.setting, this.#keys)})`;
  }

  /** Seconds until the sweep ends, or NaN before any epoch has been timed. */
  eta(): number {
    if (this.#epochCount === 0) return NaN;
    const pace = this.#epochSeconds / this.#epochCount;
    let longest = 0;
    for (const r of this.#running.values()) {
      longest = Math.max(longest, r.left * (r.epochs ? r.seconds / r.epochs : pace));
    }
    return Math.max((this.#remainingEpochs * pace) / this.#workers, longest);
  }

  #redraw(): void {
    const body = [...this.#lines.entries()].sort(([a], [b]) => a - b).map(([w, l]) =>
      `[w${w}] ${l}`
    );
    body.push(
      `sweep: ${this.#remainingEpochs} epochs to go, ETA ${duration(this.eta())}${
        this.#waiting ? `; ${this.#waiting}` : ""
      }`,
    );
    const up = this.#shown ? `\x1b[${this.#shown}A` : "";
    this.write(`${up}${body.map((l) => `\x1b[2K${l}\n`).join("")}`);
    this.#shown = body.length;
  }

  /** A line that stays: on a terminal, above the live lines, which are drawn again below. */
  #say(text: string): void {
    if (!this.live) return this.write(`${text}\n`);
    this.write(`${this.#shown ? `\x1b[${this.#shown}A` : ""}\x1b[2K${text}\n`);
    this.#shown = 0;
    this.#redraw();
  }

  /**
   * A worker's line: redrawn on a terminal, printed otherwise (when `plain`). Thousands of
   * short epochs (`often`) redraw the terminal at most ten times a second.
   */
  #show(worker: number, text: string, plain: boolean, often = false): void {
    if (!this.live) {
      if (plain) this.write(`${text}\n`);
      return;
    }
    this.#lines.set(worker, text);
    const now = performance.now();
    if (often && now - this.#lastDraw < 100) return;
    if (often) this.#lastDraw = now;
    this.#redraw();
  }

  on(e: SweepEvent): void {
    switch (e.type) {
      case "start":
        if (e.varying.length > 0) this.#keys = e.varying;
        this.#workers = e.workers;
        this.#remainingEpochs = e.epochs;
        this.write(
          `${e.experiment.name}: ${e.total} trials, ${e.toRun} to run${
            e.skipped ? ` (${e.skipped} already complete)` : ""
          } on ${e.workers} worker${e.workers === 1 ? "" : "s"} -> ${e.dir}\n`,
        );
        if (e.workersNote) this.write(`(${e.workersNote})\n`);
        break;
      case "trial-start": {
        this.#planned.set(e.trial.id, e.epochs);
        this.#running.set(e.trial.id, { left: e.epochs - e.from, seconds: 0, epochs: 0 });
        this.#waiting = "";
        const what = e.from ? `resuming after epoch ${e.from - 1}` : "starting";
        this.#show(e.worker, `${this.#label(e.trial)} ${what}`, e.from > 0);
        break;
      }
      case "epoch": {
        const m = e.metrics;
        const seconds = m.trainSeconds + m.evalSeconds;
        this.#epochSeconds += seconds;
        this.#epochCount++;
        this.#remainingEpochs = Math.max(0, this.#remainingEpochs - 1);
        const r = this.#running.get(e.trial.id);
        if (r) {
          Object.assign(r, {
            left: r.left - 1,
            seconds: r.seconds + seconds,
            epochs: r.epochs + 1,
          });
        }
        const text = `${this.#label(e.trial)} epoch ${m.epoch} [${m.epoch + 1}/${e.epochs}]: ${
          epochText(m)
        }`;
        const worth = m.testAccuracy !== undefined || m.validationAccuracy !== undefined ||
          e.epochs <= 1000;
        this.#show(e.worker, text, worth, true);
        break;
      }
      case "trial-done": {
        this.#running.delete(e.trial.id);
        const left = (this.#planned.get(e.trial.id) ?? 0) - e.record.epochs.length;
        this.#remainingEpochs = Math.max(0, this.#remainingEpochs - Math.max(0, left));
        const text = `${this.#label(e.trial)} ${e.record.status}${
          e.record.status === "diverged" ? ` in epoch ${e.record.divergedEpoch}` : ""
        }${e.record.error ? `: ${e.record.error}` : ""}`;
        this.#show(e.worker, text, true);
        break;
      }
      case "waiting":
        this.#waiting = e.what;
        if (this.live) this.#redraw();
        else this.write(`waiting: ${e.what}\n`);
        break;
      case "note":
        this.#say(`note: ${e.text}`);
        break;
      case "trial-lost":
        this.#running.delete(e.trial.id);
        this.#lines.delete(e.worker);
        this.#say(`${this.#label(e.trial)}: another process took it over; it finishes there`);
        break;
    }
  }
}
