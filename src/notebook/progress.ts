/**
 * A sweep's progress in a notebook: one small HTML element (a progress bar, the running trials,
 * the ETA) updated in place through `update_display_data`, not a scrolling log. Updates are
 * throttled so that thousands of short epochs do not flood the kernel's channel.
 *
 * @module
 */
import type { SweepEvent } from "../sweep/mod.ts";
import { describeSetting, type SettingKey } from "../experiment/mod.ts";
import { duration, epochText } from "../vocabulary/mod.ts";
import { escapeHtml } from "./display.ts";

/** What the progress element shows. */
export interface ProgressView {
  name: string;
  /** Epochs done and planned in this run. */
  done: number;
  planned: number;
  trialsDone: number;
  trialsToRun: number;
  /** Trials of this sweep already complete before the run (read back, not retrained). */
  skipped: number;
  /** Per worker, its trial's last line. */
  running: Map<number, string>;
  /** Seconds left, estimated from the epochs so far. */
  eta: number;
  waiting: string;
  finished: boolean;
}

/** The progress element's HTML. */
export function progressHtml(v: ProgressView): string {
  const pct = v.planned ? Math.min(100, (100 * v.done) / v.planned) : 100;
  const lines = [...v.running.entries()].sort(([a], [b]) => a - b)
    .map(([w, l]) =>
      `<div style="font-family:monospace;font-size:85%">[w${w}] ${escapeHtml(l)}</div>`
    )
    .join("");
  const state = v.finished
    ? `finished${v.skipped ? `; ${v.skipped} trials were already complete (read back)` : ""}`
    : `ETA ${duration(v.eta)}${v.waiting ? `; ${escapeHtml(v.waiting)}` : ""}`;
  return `<div class="netsweep-progress"><b>${escapeHtml(v.name)}</b> ` +
    `<progress value="${v.done}" max="${Math.max(1, v.planned)}" style="width:40%"></progress> ` +
    `${
      pct.toFixed(0)
    }% · ${v.done} / ${v.planned} epochs · ${v.trialsDone} / ${v.trialsToRun} trials · ${state}` +
    `${v.finished ? "" : lines}</div>`;
}

/** Sends a display message on the kernel's IOPub channel. */
export type Broadcast = (type: string, content: Record<string, unknown>) => Promise<void>;

/**
 * An event handler that shows progress through `broadcast` (by default `Deno.jupyter`'s), in
 * one display updated at most every `intervalMs`; call `finish()` at the end.
 */
export function notebookProgress(
  broadcast: Broadcast = (type, content) =>
    (Deno as unknown as { jupyter: { broadcast: Broadcast } }).jupyter.broadcast(type, content),
  intervalMs = 250,
): { onEvent: (e: SweepEvent) => void; finish: (interrupted?: boolean) => Promise<void> } {
  const id = `netsweep-${crypto.randomUUID()}`;
  const view: ProgressView = {
    name: "",
    done: 0,
    planned: 0,
    trialsDone: 0,
    trialsToRun: 0,
    skipped: 0,
    running: new Map(),
    eta: NaN,
    waiting: "",
    finished: false,
  };
  let keys: SettingKey[] = [];
  let workers = 1;
  let seconds = 0;
  let shown = false;
  let last = 0;
  let sending: Promise<void> = Promise.resolve();
  const send = (force = false) => {
    const now = performance.now();
    if (!force && now - last < intervalMs) return;
    last = now;
    const type = shown ? "update_display_data" : "display_data";
    shown = true;
    const content = {
      data: {
        "text/html": progressHtml(view),
        "text/plain": `${view.name}: ${view.done}/${view.planned} epochs`,
      },
      metadata: {},
      transient: { display_id: id },
    };
    sending = sending.then(() => broadcast(type, content)).catch(() => {});
  };
  const onEvent = (e: SweepEvent) => {
    switch (e.type) {
      case "start":
        view.name = e.experiment.name;
        view.planned = e.epochs;
        view.trialsToRun = e.toRun;
        view.skipped = e.skipped;

        keys = e.varying;
        workers = e.workers;
        return send(true);
      case "trial-start":
        view.waiting = "";
        view.running.set(
          e.worker,
          `trial ${e.trial.index} (${describeSetting(e.trial.setting, keys)}) starting`,
        );
        return send();
      case "epoch":
        view.done++;
        seconds += e.metrics.trainSeconds + e.metrics.evalSeconds;
        view.eta = (seconds / view.done) * Math.max(0, view.planned - view.done) / workers;
        view.running.set(
          e.worker,
          `trial ${e.trial.index} (${
            describeSetting(e.trial.setting, keys)
          }) epoch ${e.metrics.epoch} [${e.metrics.epoch + 1}/${e.epochs}]: ${
            epochText(e.metrics)
          }`,
        );
        return send();
      case "trial-done":
        view.trialsDone++;
        view.running.delete(e.worker);
        return send();
      case "waiting":
        view.waiting = e.what;
        return send();
    }
  };
  return {
    onEvent,
    finish(interrupted = false) {
      view.finished = !interrupted;
      view.waiting = interrupted ? "interrupted" : "";
      // Pruned and early-stopped trials end before their planned epochs.
      if (!interrupted) view.planned = view.done;
      send(true);

      return sending;
    },
  };
}
