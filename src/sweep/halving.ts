/**
 * Successive halving as a pure function of the trials' records: which trials go on to which
 * epoch, which are pruned, and which rung the sweep waits at. Every process (each worker count,
 * each shard, each re-run after a kill) computes the same answer from the same records, so the
 * survivors depend only on the results, never on timing.
 *
 * Rungs are at `minEpochs·factor^k` epochs. Every trial of the sweep trains to the first rung
 * (or to its planned epochs, if fewer); once all have reached it, they are ranked by the metric
 * at the rung (the latest value measured at or before it; diverged or unmeasured trials last;
 * ties to the lower trial index) and the best `floor(n / factor)` (at least one) go on to the
 * next rung; the rest are pruned, keeping every epoch they ran.
 *
 * @module
 */
import { METRIC_INFO, type MetricName, metricValue } from "../vocabulary/mod.ts";
import { recordComplete, type TrialRecord } from "../store/mod.ts";
import type { Prune } from "../experiment/mod.ts";

/** A trial as halving sees it. */
export interface HalvingTrial {
  id: string;
  index: number;
  /** Its planned epochs. */
  planned: number;
}

/** What halving says about one trial. */
export type HalvingAction =
  /** Train (or go on training) up to epoch `until`. */
  | { action: "run"; until: number }
  /** Reached the current rung; waits for the others. */
  | { action: "wait" }
  /** Not among the best at `rung` epochs: stopped there. */
  | { action: "pruned"; rung: number }
  /** Needs nothing more (done, diverged, early-stopped, or promoted through every rung). */
  | { action: "complete" };

/** The state of a pruned sweep. */
export interface HalvingState {
  /** Per trial id. */
  actions: Map<string, HalvingAction>;
  /** The rung the sweep is at (its epochs), or null once it is decided. */
  rung: number | null;
  /** Trials at the current rung, and how many of them reached it. */
  population: number;
  reached: number;
}

/** The rung epochs below `planned`: minEpochs, minEpochs·factor, ... */
export function rungs(prune: Prune, planned: number): number[] {
  const out: number[] = [];
  for (let r = prune.minEpochs; r < planned; r *= prune.factor) out.push(r);
  return out;
}

/** Statuses after which a trial trains no further (and a failure tried as often as allowed). */
const ENDED = new Set(["done", "diverged", "early-stopped"]);

function hasEnded(rec: TrialRecord | undefined, planned: number): boolean {
  if (rec === undefined) return false;
  if (rec.status === "done") return rec.epochs.length >= planned; // more epochs asked: it goes on
  return ENDED.has(rec.status) || (rec.status === "failed" && recordComplete(rec));
}

/**
 * The trial's score at `epochs` epochs: the latest value of `metric` measured at or before,
 * NaN when there is none or the trial diverged before reaching them. Epochs once written never
 * change, so a rung's ranking is the same however far the trials have gone since.
 */
function scoreAt(rec: TrialRecord | undefined, metric: MetricName, epochs: number): number {
  if (!rec || rec.status === "failed") return NaN;
  if (rec.status === "diverged" && rec.epochs.length < epochs) return NaN;
  for (let e = Math.min(epochs, rec.epochs.length) - 1; e >= 0; e--) {
    const v = metricValue(rec.epochs[e], metric);
    if (v !== undefined) return v;
  }
  return NaN;
}

/**
 * Successive halving's verdict for `trials` given their `records`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { successiveHalving } from "./halving.ts";
 * // Three trials at their first rung (1 epoch): only the best goes on, and as the lone
 * // survivor it runs to its planned end.
 * const rec = (id: string, acc: number) =>
 *   ({ id, status: "paused", epochs: [{ epoch: 0, trainSeconds: 1, validationAccuracy: acc }] });
 * const records = new Map([["a", rec("a", 0.5)], ["b", rec("b", 0.9)], ["c", rec("c", 0.7)]]);
 * const trials = ["a", "b", "c"].map((id, index) => ({ id, index, planned: 9 }));
 * const prune = { metric: "validationAccuracy" as const, minEpochs: 1, factor: 3 };
 * const s = successiveHalving(trials, records as never, prune);
 * assertEquals(s.actions.get("b"), { action: "run", until: 9 });

 * assertEquals(s.actions.get("a"), { action: "pruned", rung: 1 });
 * ```
 */
export function successiveHalving(
  trials: readonly HalvingTrial[],
  records: ReadonlyMap<string, TrialRecord>,
  prune: Prune,
): HalvingState {
  const lower = METRIC_INFO[prune.metric].lowerIsBetter;
  const actions = new Map<string, HalvingAction>();
  let population = [...trials].sort((a, b) => a.index - b.index);
  const ended = (t: HalvingTrial) => hasEnded(records.get(t.id), t.planned);
  const done = (t: HalvingTrial) => records.get(t.id)?.epochs.length ?? 0;
  for (let rung = prune.minEpochs;; rung *= prune.factor) {
    const target = (t: HalvingTrial) => Math.min(rung, t.planned);
    // Behind: short of the rung, or at its planned end without its final status (killed there).
    const behind = population.filter((t) =>
      !ended(t) && (done(t) < target(t) || target(t) === t.planned)
    );
    if (behind.length > 0) {
      for (const t of population) {
        actions.set(
          t.id,
          behind.includes(t)
            ? { action: "run", until: target(t) }
            : ended(t)
            ? { action: "complete" }
            : { action: "wait" },
        );
      }
      const reached = population.length - behind.length;
      return { actions, rung, population: population.length, reached };
    }
    // Everyone has reached the rung (or ended): rank and keep the best 1/factor.
    const score = (t: HalvingTrial) => {
      const v = scoreAt(records.get(t.id), prune.metric, target(t));
      return Number.isNaN(v) ? -Infinity : lower ? -v : v;
    };
    const ranked = population.map((t) => ({ t, s: score(t) }))
      .sort((a, b) => b.s - a.s || a.t.index - b.t.index);
    const keep = Math.max(1, Math.floor(population.length / prune.factor));
    for (const { t } of ranked.slice(keep)) {
      actions.set(t.id, ended(t) ? { action: "complete" } : { action: "pruned", rung });
    }
    // The kept trials that ended (done, diverged, early-stopped) stay in the population: they
    // hold their places at later rungs, ranked by their last value, so that the rankings
    // never depend on how far the trials have gone.
    population = ranked.slice(0, keep).map((r) => r.t);
    for (const t of population) if (ended(t)) actions.set(t.id, { action: "complete" });
    if (population.every(ended)) return { actions, rung: null, population: 0, reached: 0 };
    // A lone survivor has no one left to beat: it trains to the end without pausing.
    if (population.length === 1) {
      const [t] = population;
      actions.set(t.id, { action: "run", until: t.planned });
      return { actions, rung: t.planned, population: 1, reached: 0 };
    }
  }
}
