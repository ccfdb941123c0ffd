/**
 * The pictures of a sweep in a notebook: a finished trial as its confusion matrix,
 * misclassified digits and first-layer weights; the change of the confusion matrix between two
 * settings; the vote of a setting's repeats; a search's parallel coordinates and parameter
 * importance. Each displays itself (SVG or HTML), and all are drawn from the results folder.
 *
 * @module
 */
import type { Setting } from "../experiment/mod.ts";
import {
  confusionDiffSpec,
  confusionSvg,
  ensembleVote,
  loadPicturePredictions,
  loadPredictions,
  meanMatrix,
  misclassifiedSvg,
  type Picture,
  rankingMetric,
  renderSvg,
  searchSpecs,
  shownSnapshot,
  type SweepData,
  sweepPictures,
  trialLabel,
  type Vote,
  voteMissesSvg,
  weightsSvg,
} from "../results/mod.ts";
import {
  confusionMatrix,
  snapshotOf,
  type TrialPredictions,
  type TrialRecord,
  trialSummary,
} from "../store/mod.ts";
import { METRIC_INFO } from "../vocabulary/mod.ts";
import { escapeHtml, Html, JUPYTER_DISPLAY, type MediaBundle, Svg } from "./display.ts";

/** Which trials: an id, an index, or the values a setting must have (`{ eta: 3 }`). */
export type TrialSelector = string | number | Partial<Setting>;

function matches(t: TrialRecord, which: TrialSelector): boolean {
  if (typeof which === "string") return t.id === which || t.id.startsWith(which);
  if (typeof which === "number") return t.index === which;
  return Object.entries(which).every(([k, v]) =>
    JSON.stringify(t.setting[k as keyof Setting]) === JSON.stringify(v)
  );
}

/** The trials of `sweeps` that `which` selects, with their predictions (read as needed). */
export async function selectTrials(
  sweeps: SweepData[],
  which: TrialSelector,
): Promise<{ t: TrialRecord; p: TrialPredictions }[]> {
  await loadPredictions(sweeps, (t) => matches(t, which));
  const found = sweeps.flatMap((s) =>
    s.trials.filter((t) => matches(t, which)).flatMap((t) => {
      const p = s.predictions?.get(t.id);
      return p ? [{ t, p }] : [];
    })
  );
  if (found.length === 0) {
    throw new RangeError(
      `no trial with predictions matches ${
        JSON.stringify(which)
      } (trials keep them since netsweep 0.2)`,
    );
  }
  return found;
}

/** One finished trial: its pictures, each a method, all of them its display. */
export class TrialView {
  /** A trial's record and predictions, named in the context of `sweeps`. */
  constructor(
    readonly sweeps: SweepData[],
    readonly record: TrialRecord,
    readonly predictions: TrialPredictions,
  ) {}

  /** `trial 3 (eta=3)`. */
  get label(): string {
    return trialLabel(this.sweeps, this.record);
  }

  /** Its confusion matrix (at best validation where monitored, else at the last epoch). */
  async confusion(): Promise<Svg> {
    const s = shownSnapshot(this.predictions)!;
    return new Svg(await confusionSvg(this.predictions, s, this.label), "confusion matrix");
  }

  /** Its misclassified test digits, true class → predicted. */
  misclassified(): Svg {
    const s = shownSnapshot(this.predictions)!;
    return new Svg(misclassifiedSvg(this.predictions, s, this.label), "misclassified digits");
  }

  /** Its first layer's weights (or filters) before and after training; null without any. */
  weights(): Svg | null {
    const last = snapshotOf(this.predictions, "last")?.epoch;
    const svg = weightsSvg(this.predictions, this.label, last);
    return svg === null ? null : new Svg(svg, "first-layer weights");
  }

  /** All three, one under the other. */
  async [JUPYTER_DISPLAY](): Promise<MediaBundle> {
    const parts = [await this.confusion(), this.misclassified(), this.weights()]
      .filter((x): x is Svg => x !== null);
    return new Html(
      `<div><b>${escapeHtml(this.label)}</b>${
        parts.map((p) => `<div>${p.svg}</div>`).join("")
      }</div>`,
      `${this.label}: ${parts.map((p) => p.title).join(", ")}`,
    )[JUPYTER_DISPLAY]();
  }
}

/** The trial `which` selects (the first match), or the best trial by the ranking metric. */
export async function trialView(sweeps: SweepData[], which?: TrialSelector): Promise<TrialView> {
  if (which !== undefined) {
    const [{ t, p }] = await selectTrials(sweeps, which);
    return new TrialView(sweeps, t, p);
  }
  const metric = rankingMetric(sweeps);
  const lower = METRIC_INFO[metric].lowerIsBetter;
  const ranked = sweeps.flatMap((s) => s.trials)
    .map((t) => ({ t, v: trialSummary(t, metric).best }))
    .filter((x) => x.v !== undefined && Number.isFinite(x.v))
    .sort((a, b) => (lower ? a.v! - b.v! : b.v! - a.v!) || a.t.index - b.t.index);
  for (const { t } of ranked) {
    const found = await selectTrials(sweeps, t.id).catch(() => []);
    if (found.length > 0) return new TrialView(sweeps, found[0].t, found[0].p);
  }
  throw new RangeError("no trial of these sweeps kept predictions");
}

/**
 * How the confusion matrix changes from the trials `a` selects to those `b` selects (each
 * averaged over its trials; red where B is worse).
 */
export async function confusionChange(
  sweeps: SweepData[],
  a: TrialSelector,
  b: TrialSelector,
): Promise<Svg> {
  const side = async (which: TrialSelector) => {
    const found = await selectTrials(sweeps, which);
    const ps = found.flatMap(({ p }) => {
      const s = shownSnapshot(p);
      return s ? [confusionMatrix(p.labels, s.predicted, p.classes)] : [];
    });
    return { m: meanMatrix(ps), n: ps.length, classes: found[0].p.classes };
  };
  const [ma, mb] = [await side(a), await side(b)];
  const text = (w: TrialSelector, n: number) =>
    `${typeof w === "object" ? JSON.stringify(w) : `trial ${w}`} (${n} trial${n > 1 ? "s" : ""})`;
  const svg = await renderSvg(
    confusionDiffSpec(ma.m, mb.m, ma.classes, "How the confusion matrix changes from A to B", [
      `A: ${text(a, ma.n)}`,
      `B: ${text(b, mb.n)}`,
      "each cell: B - A, counts averaged over each side's trials",
    ]),
  );
  return new Svg(svg, "confusion change");
}

/** The vote of the trials `which` selects at their last epoch, and its misclassified digits. */
export async function voteOf(
  sweeps: SweepData[],
  which: TrialSelector,
): Promise<{ vote: Vote; picture: Svg }> {
  const found = await selectTrials(sweeps, which);
  const members = found.map(({ p }) => p);
  const vote = ensembleVote(members);
  if (!vote) throw new RangeError(`fewer than two of ${JSON.stringify(which)}'s trials can vote`);
  const label = typeof which === "object" ? JSON.stringify(which) : String(which);
  return { vote, picture: new Svg(voteMissesSvg(vote, members, label), "the vote's misses") };
}

/** A search's parallel coordinates and parameter importance (empty for a grid). */
export async function searchCharts(sweeps: SweepData[]): Promise<Svg[]> {
  const out: Svg[] = [];
  for (const { name, spec } of searchSpecs(sweeps, rankingMetric(sweeps))) {
    out.push(new Svg(await renderSvg(spec), name.replaceAll("_", " ")));
  }
  return out;
}

/** The report's pictures, as one HTML display. */
export async function picturesView(sweeps: SweepData[]): Promise<Html> {
  await loadPicturePredictions(sweeps);
  const pictures: Picture[] = await sweepPictures(sweeps);
  const html = pictures.map((p) =>
    `<figure><figcaption><b>${escapeHtml(p.title)}</b></figcaption>${p.svg}</figure>`
  ).join("");
  return new Html(
    html || "<p>no pictures: no trial kept predictions</p>",
    pictures.map((p) => p.title).join("\n") || "no pictures",
  );
}
