/**
 * What the live page shows of one sweep, computed from its records as they stand: trial counts
 * per status, the settings table, the running trials with their epochs and ETA (and whether
 * the process running each is still alive), files it could not read, and the sweep's ETA.
 *
 * @module
 */
import { compareSweeps, comparisonNotes, type SweepData, tableHtml } from "../results/mod.ts";
import { describeSetting, varyingKeys } from "../experiment/mod.ts";
import { plannedEpochs } from "../vocabulary/mod.ts";
import { runAlive } from "../coordination/mod.ts";
import { isComplete, type TrialRecord, type TrialStatus } from "../store/mod.ts";

/** A trial being trained (or whose process died while training it). */
export interface RunningTrial {
  id: string;
  index: number;
  /** Its varying parameters, `eta=3`. */
  label: string;
  /** Epochs finished. */
  epochs: number;
  planned: number;
  /** Seconds left, from its own epochs' median time. */
  eta: number | null;
  /** False when its process's heartbeat has stopped (killed): re-running resumes it. */
  alive: boolean;
}

/** The live page's view of one sweep. */
export interface LiveView {
  key: string;
  name: string;
  description: string;
  dir: string;
  statuses: Partial<Record<TrialStatus, number>>;
  trials: number;
  /** The settings table as HTML. */
  table: string;
  notes: string[];
  running: RunningTrial[];
  /** Epochs finished, over all trials. */
  epochsDone: number;
  /** Epochs left in the unfinished trials, and the time they need at the current pace. */
  remainingEpochs: number;
  eta: number | null;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function planned(t: TrialRecord, training: number): number {
  const s = t.setting;
  return plannedEpochs(
    {
      sampling: s.sampling,
      iterations: s.iterations ?? undefined,
      epochs: s.epochs,
      miniBatchSize: s.miniBatchSize,
    },
    s.trainSize ?? training,
  );
}

/** The view of `sweep`, named `key` on the page. */
export function liveView(key: string, sweep: SweepData): LiveView {
  const c = compareSweeps([sweep]);
  const keys = varyingKeys(sweep.trials);
  const training = sweep.counts?.training ?? 0;
  const statuses: Partial<Record<TrialStatus, number>> = {};
  const seconds = (t: TrialRecord) => t.epochs.map((e) => e.trainSeconds + (e.evalSeconds ?? 0));
  const pace = median(sweep.trials.flatMap(seconds));
  const running: RunningTrial[] = [];
  let remainingEpochs = 0;
  let epochsDone = 0;
  for (const t of sweep.trials) {
    epochsDone += t.epochs.length;
    statuses[t.status] = (statuses[t.status] ?? 0) + 1;
    const plan = planned(t, training);
    if (!isComplete(t.status)) remainingEpochs += Math.max(0, plan - t.epochs.length);
    if (t.status !== "running") continue;
    const own = median(seconds(t)) ?? pace;
    running.push({
      id: t.id,
      index: t.index,
      label: describeSetting(t.setting, keys) || `trial ${t.index}`,
      epochs: t.epochs.length,
      planned: plan,
      eta: own === null ? null : own * Math.max(0, plan - t.epochs.length),
      alive: t.run !== undefined && runAlive(sweep.dir, t.run),
    });
  }
  const live = running.filter((r) => r.alive).length;
  return {
    key,
    name: sweep.experiment.name,
    description: sweep.experiment.description,
    dir: sweep.dir,
    statuses,
    trials: sweep.trials.length,
    table: tableHtml(c),
    notes: comparisonNotes(c),
    running,
    epochsDone,
    remainingEpochs,

    eta: pace === null || live === 0 ? null : (pace * remainingEpochs) / live,
  };
}
