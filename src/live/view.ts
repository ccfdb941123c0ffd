/**
 * What the live page shows of one sweep, computed from its records as they stand: trial counts
 * per status, the settings table, the running trials with their epochs and ETA (and whether
 * the process running each is still alive), files it could not read, and the sweep's ETA.
 *
 * @module
 */
import {
  compareSweeps,
  comparisonNotes,
  epochSeconds,
  rankingMetric,
  type SweepData,
  tableHtml,
} from "../results/mod.ts";
import { describeSetting, varyingKeys } from "../experiment/mod.ts";
import { METRIC_INFO, plannedEpochs } from "../vocabulary/mod.ts";
import { runAlive } from "../coordination/mod.ts";
import { isComplete, type TrialRecord, type TrialStatus, trialSummary } from "../store/mod.ts";

/** A trial being trained (or whose process died while training it). */
export interface RunningTrial {
  id: string;
  index: number;
  /** Its varying parameters, `eta=3`. */
  label: string;
  /** Epochs finished. */
  epochs: number;
  planned: number;
  /** Median seconds its epochs take (training and evaluation, warm-up epoch left out). */
  secondsPerEpoch: number | null;
  /** Seconds left, from its own epochs' pace. */
  eta: number | null;
  /** False when its process's heartbeat has stopped (killed): re-running resumes it. */
  alive: boolean;
}

/** A trial that ended, whose pictures the page can show. */
export interface FinishedTrial {
  id: string;
  index: number;
  /** Its varying parameters and its result, `trial 3: eta=3 (95.42%)`. */
  label: string;
  /** Its best value of the ranking metric (null when never measured). */
  value: number | null;
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
  /** Trials that ended (not failed), best first by the ranking metric. */
  finished: FinishedTrial[];
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
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

/**
 * Seconds the sweep still needs: the epochs left in every unfinished trial at that trial's own
 * pace (a trial not started yet: its setting's pace, else the sweep's), shared by the `live`
 * processes, but never less than the longest running trial's own ETA (the sweep ends after it).
 */
export function sweepEta(
  left: { setting: string; pace: number | null; epochs: number }[],
  runningEtas: number[],
  live: number,
): number | null {
  const paces = new Map<string, number[]>();
  for (const t of left) {
    if (t.pace !== null) paces.set(t.setting, [...(paces.get(t.setting) ?? []), t.pace]);
  }
  const overall = median(left.flatMap((t) => t.pace === null ? [] : [t.pace]));
  if (live === 0 || overall === null) return null;
  let work = 0;
  for (const t of left) {
    work += (t.pace ?? median(paces.get(t.setting) ?? []) ?? overall) * t.epochs;
  }
  return Math.max(work / live, ...runningEtas);
}

/** The view of `sweep`, named `key` on the page. */
export function liveView(key: string, sweep: SweepData): LiveView {
  const c = compareSweeps([sweep]);
  const keys = varyingKeys(sweep.trials);
  const training = sweep.counts?.training ?? 0;
  const statuses: Partial<Record<TrialStatus, number>> = {};
  const running: RunningTrial[] = [];
  const left: { setting: string; pace: number | null; epochs: number }[] = [];
  let remainingEpochs = 0;
  let epochsDone = 0;
  for (const t of sweep.trials) {
    epochsDone += t.epochs.length;
    statuses[t.status] = (statuses[t.status] ?? 0) + 1;
    const plan = planned(t, training);
    const own = t.epochs.length > 0 ? epochSeconds(t) : null;
    const setting = describeSetting(t.setting, keys);
    // Finished trials count for the pace of their setting, with no epochs left.
    const rest = isComplete(t.status) ? 0 : Math.max(0, plan - t.epochs.length);
    left.push({ setting, pace: own, epochs: rest });
    remainingEpochs += rest;
    if (t.status !== "running") continue;
    running.push({
      id: t.id,
      index: t.index,
      label: setting || `trial ${t.index}`,
      epochs: t.epochs.length,
      planned: plan,
      secondsPerEpoch: own,
      eta: own === null ? null : own * rest,
      alive: t.run !== undefined && runAlive(sweep.dir, t.run),
    });
  }
  const alive = running.filter((r) => r.alive);
  const metric = rankingMetric([sweep]);
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
    eta: sweepEta(left, alive.flatMap((r) => r.eta === null ? [] : [r.eta]), alive.length),
    finished: finishedTrials(sweep.trials, keys, metric),
  };
}

/** The trials that ended with epochs (not failed), best first by `metric`. */
function finishedTrials(
  trials: TrialRecord[],
  keys: ReturnType<typeof varyingKeys>,
  metric: ReturnType<typeof rankingMetric>,
): FinishedTrial[] {
  const info = METRIC_INFO[metric];
  const text = (v: number) =>
    info.kind === "accuracy" ? `${(100 * v).toFixed(2)}%` : v.toPrecision(4);
  const score = (f: FinishedTrial) =>
    f.value === null ? -Infinity : info.lowerIsBetter ? -f.value : f.value;
  return trials
    .filter((t) => isComplete(t.status) && t.status !== "failed" && t.epochs.length > 0)
    .map((t) => {
      const v = trialSummary(t, metric).best;
      const setting = describeSetting(t.setting, keys);
      return {
        id: t.id,
        index: t.index,
        label: `trial ${t.index}${setting ? `: ${setting}` : ""}${
          v === undefined ? "" : ` (${info.column.replaceAll("_", " ")} ${text(v)})`
        }`,
        value: v ?? null,
      };
    })
    .sort((a, b) => score(b) - score(a) || a.index - b.index);
}
