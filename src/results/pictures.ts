/**
 * The pictures the books teach with, drawn from the trials' predictions files alone: a trial's
 * confusion matrix, the change of the matrix between two settings, its misclassified test
 * digits (Nielsen's figures), the first layer's weights before and after training (Saito
 * chapter 7, Nielsen chapter 6), and the digits a setting's vote gets wrong (Nielsen's 33).
 * A trial is pictured at its epoch of best validation accuracy where validation was monitored
 * (the network the table reports), else at its last epoch; the vote uses the last epoch, as
 * network3.py's `ensemble()` does.
 *
 * @module
 */
import { describeSetting, varyingKeys } from "../experiment/mod.ts";
import {
  confusionMatrix,
  MAX_IMAGES,
  type PredictionSnapshot,
  type QuantisedTiles,
  readPredictions,
  snapshotOf,
  type TrialPredictions,
  type TrialRecord,
} from "../store/mod.ts";
import { METRIC_INFO } from "../vocabulary/mod.ts";
import { renderSvg } from "./chart.ts";
import { compareSweeps, rankingMetric, type SettingRow } from "./compare.ts";
import { confusionDiffSpec, confusionSpec, meanMatrix } from "./confusion.ts";
import { ensembleVote, type Vote } from "./ensemble.ts";
import { type Tile, tileGridSvg } from "./image_grid.ts";
import type { SweepData } from "./read.ts";
import { bestTrials } from "./search_plots.ts";

/** First-layer tiles shown per stage (the file keeps up to 100). */
export const SHOWN_UNITS = 50;

/** A picture: a file-like name, a heading, and its SVG text. */
export interface Picture {
  name: string;
  title: string;
  svg: string;
}

/**
 * Reads the predictions files of the sweeps' trials (those `wanted` says, default all) into
 * `sweep.predictions`. A damaged file is named in `sweep.skipped` and left out.
 */
export async function loadPredictions(
  sweeps: SweepData[],
  wanted: (t: TrialRecord) => boolean = () => true,
): Promise<void> {
  for (const s of sweeps) {
    s.predictions ??= new Map();
    for (const t of s.trials) {
      if (s.predictions.has(t.id) || !wanted(t)) continue;
      try {
        const p = await readPredictions(s.dir, t.id);
        if (!p || p.seed !== t.seed) continue;
        // Only the epochs the record shows (a sweep of fewer epochs shows a longer run's prefix).
        p.snapshots = p.snapshots.filter((x) => x.epoch < t.epochs.length);
        if (p.snapshots.length > 0) s.predictions.set(t.id, p);
      } catch (err) {
        s.skipped.push((err as Error).message);
      }
    }
  }
}

/** The trials of the rows with repeats: what the table's votes need. */
function repeatedTrials(sweeps: SweepData[]): Set<string> {
  return new Set(compareSweeps(sweeps).rows.flatMap((r) => (r.trials.length >= 2 ? r.trials : [])));
}

/** Reads the predictions the table's votes need (those of settings with repeats). */
export function loadVotePredictions(sweeps: SweepData[]): Promise<void> {
  const wanted = repeatedTrials(sweeps);
  return loadPredictions(sweeps, (t) => wanted.has(t.id));
}

/**
 * Reads the predictions {@linkcode sweepPictures} and the votes need: the best trial's, the
 * best two settings' and those of settings with repeats (not every trial of a large search).
 */
export function loadPicturePredictions(sweeps: SweepData[]): Promise<void> {
  const wanted = repeatedTrials(sweeps);
  const rows = compareSweeps(sweeps).rows;
  const first = rows.find((r) => r.isBest) ?? rows[0];
  const next = rows.find((r) => r !== first && r.dataset === first?.dataset);
  for (const r of [first, next]) r?.trials.forEach((id) => wanted.add(id));
  for (const s of bestTrials(sweeps, rankingMetric(sweeps), 1)) {
    s.trials.forEach((t) => wanted.add(t.id));
  }
  return loadPredictions(sweeps, (t) => wanted.has(t.id));
}

/** The snapshot a trial is pictured at: best validation where there is one, else the last. */
export function shownSnapshot(p: TrialPredictions): PredictionSnapshot | undefined {
  return snapshotOf(p, "best") ?? snapshotOf(p, "last");
}

function snapshotText(s: PredictionSnapshot): string {
  return `epoch ${s.epoch} (${s.roles.includes("best") ? "best validation" : "last"})`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** The trial's name in a picture: its index and varying parameters. */
export function trialLabel(sweeps: SweepData[], t: TrialRecord): string {
  const keys = varyingKeys(sweeps.flatMap((s) => s.trials));
  const setting = describeSetting(t.setting, keys);
  return `trial ${t.index}${setting ? ` (${setting})` : ""}`;
}

/** The confusion matrix of trial `p` at snapshot `s`. */
export async function confusionSvg(p: TrialPredictions, s: PredictionSnapshot, label: string) {
  const m = confusionMatrix(p.labels, s.predicted, p.classes);
  let wrong = 0;
  for (let i = 0; i < p.count; i++) if (s.predicted[i] !== p.labels[i]) wrong++;
  return await renderSvg(confusionSpec(m, p.classes, `Confusion matrix: ${label}`, [
    `${snapshotText(s)}: ${count(wrong)} of ${count(p.count)} test images wrong`,
    "rows: the true class; columns: the class predicted",
  ]));
}

function imageTile(p: TrialPredictions, j: number, caption: string, title: string): Tile {
  const [h, w] = p.imageShape;
  return { pixels: p.images.pixels.subarray(j * h * w, (j + 1) * h * w), caption, title };
}

/** Trial `p`'s misclassified test digits at snapshot `s`, as stored (the first 100). */
export function misclassifiedSvg(p: TrialPredictions, s: PredictionSnapshot, label: string) {
  const where = new Map([...p.images.index].map((ix, j) => [ix, j]));
  const tiles: Tile[] = [];
  let wrong = 0;
  for (let i = 0; i < p.count; i++) {
    if (s.predicted[i] === p.labels[i]) continue;
    wrong++;
    const j = where.get(i);
    if (j === undefined || tiles.length >= MAX_IMAGES) continue;
    const caption = `${p.labels[i]} → ${s.predicted[i]}`;
    tiles.push(
      imageTile(p, j, caption, `test image ${i}: true ${caption.replace(" →", ", predicted")}`),
    );
  }
  return tileGridSvg({
    shape: p.imageShape,
    scale: 2,
    columns: 12,
    title: `Misclassified test digits: ${label}`,
    subtitle: [
      `${snapshotText(s)}: ${count(wrong)} of ${count(p.count)} wrong${
        wrong > tiles.length ? `, the first ${tiles.length} shown` : ""
      }; under each: true class → predicted`,
    ],
    tiles,
  });
}

/** Ink for one tile: the unit's weights from its lowest (white) to its highest (black). */
function weightTile(values: ArrayLike<number>, u: number, size: number, title: string): Tile {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < size; i++) {
    lo = Math.min(lo, values[u * size + i]);
    hi = Math.max(hi, values[u * size + i]);
  }
  const pixels = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    // A flat tile (a change too small to store, or none) is an even gray, not a blank.
    pixels[i] = hi > lo ? Math.round((255 * (values[u * size + i] - lo)) / (hi - lo)) : 128;
  }
  return { pixels, title: hi > lo ? title : `${title}: all equal` };
}

/** A stage's weights as numbers (int8 values times their unit's scale). */
function dequantised(q: QuantisedTiles, units: number, size: number): Float32Array {
  const out = new Float32Array(units * size);
  for (let u = 0; u < units; u++) {
    for (let i = 0; i < size; i++) out[u * size + i] = q.values[u * size + i] * q.scales[u];
  }
  return out;
}

/**
 * The first layer's weights before and after training, a tile per unit (or filter), and the
 * change between them: a network trained briefly from large random weights still looks like
 * its initial noise, and only the change shows what it learned.
 */
export function weightsSvg(p: TrialPredictions, label: string, lastEpoch?: number): string | null {
  const w = p.weights;
  if (!w) return null;
  const [h, wd] = w.tile;
  const size = h * wd;
  const shown = Math.min(w.before.scales.length, SHOWN_UNITS);
  const what = w.kind === "conv" ? "filter" : "unit";
  const stage = (values: ArrayLike<number>) =>
    Array.from({ length: shown }, (_, u) => weightTile(values, u, size, `${what} ${u}`));
  const before = dequantised(w.before, shown, size);
  const blocks = [{ heading: "Before training (as initialised)", tiles: stage(before) }];
  if (w.after) {
    const after = dequantised(w.after, shown, size);
    blocks.push({
      heading: `After training${lastEpoch === undefined ? "" : ` (epoch ${lastEpoch})`}`,
      tiles: stage(after),
    }, {
      heading: "Change during training (after - before)",
      tiles: stage(after.map((x, i) => x - before[i])),
    });
  }
  const scale = Math.max(2, Math.floor(56 / Math.max(h, wd)));
  return tileGridSvg({
    shape: w.tile,
    scale,
    columns: 10,
    title: `First-layer ${w.kind === "conv" ? "filters" : "weights"}: ${label}`,
    subtitle: [
      w.kind === "conv"
        ? `${shown} of ${w.units} ${h}x${wd} filters`
        : `${shown} of ${w.units} hidden units, each unit's ${count(size)} weights as an image`,
      "darker = larger weight; each tile scaled from its own lowest to its highest value",
      ...(w.after
        ? [
          "an even gray tile: all equal (no change larger than 1/127 of the unit's largest weight)",
        ]
        : []),
    ],
    blocks,
  });
}

/** Trial `t`'s pictures: confusion matrix, misclassified digits, first-layer weights. */
export async function trialPictures(
  sweeps: SweepData[],
  t: TrialRecord,
  p: TrialPredictions,
): Promise<Picture[]> {
  const s = shownSnapshot(p);
  if (!s) return [];
  const label = trialLabel(sweeps, t);
  const out: Picture[] = [
    { name: "confusion", title: "Confusion matrix", svg: await confusionSvg(p, s, label) },
    { name: "misclassified", title: "Misclassified digits", svg: misclassifiedSvg(p, s, label) },
  ];
  const weights = weightsSvg(p, label, snapshotOf(p, "last")?.epoch);
  if (weights) out.push({ name: "weights", title: "First-layer weights", svg: weights });
  return out;
}

/** The digits a setting's vote gets wrong, from the members' stored images. */
export function voteMissesSvg(vote: Vote, members: TrialPredictions[], label: string): string {
  const first = members[0];
  const tiles: Tile[] = [];
  for (const w of vote.wrong) {
    const owner = members.find((p) => p.images.index.includes(w.index));
    if (!owner || tiles.length >= MAX_IMAGES) continue;
    const j = owner.images.index.indexOf(w.index);
    const caption = `${w.label} → ${w.predicted}`;
    tiles.push(imageTile(owner, j, caption, `test image ${w.index}`));
  }
  const missing = vote.wrong.length - tiles.length;
  return tileGridSvg({
    shape: first.imageShape,
    scale: 2,
    columns: 12,
    title: `The vote's misclassified test digits: ${label}`,
    subtitle: [
      `${vote.members} networks at their last epoch vote: ${count(vote.count - vote.correct)} of ${
        count(vote.count)
      } wrong (${(100 * vote.accuracy).toFixed(2)}%; the networks alone: ${
        (100 * vote.mean).toFixed(2)
      }% on average)`,
      `under each: true class → the vote${
        missing > 0
          ? `; ${tiles.length} shown (each network keeps the images of its first 100 errors)`
          : ""
      }`,
    ],
    tiles,
  });
}

function membersOf(sweeps: SweepData[], row: SettingRow): TrialPredictions[] {
  return row.trials.flatMap((id) => {
    for (const s of sweeps) {
      const p = s.predictions?.get(id);
      if (p) return [p];
    }
    return [];
  });
}

/**
 * The sweeps' pictures: the best trial's (by the ranking metric), the change of the confusion
 * matrix from the best setting to the runner-up, and the vote's misclassified digits of the
 * best setting that has a vote. Needs {@linkcode loadPredictions} first; empty without
 * predictions.
 */
export async function sweepPictures(sweeps: SweepData[]): Promise<Picture[]> {
  const metric = rankingMetric(sweeps);
  const withPredictions = sweeps.map((s) => ({
    ...s,
    trials: s.trials.filter((t) => s.predictions?.has(t.id)),
  }));
  const best =
    bestTrials(withPredictions, metric, 1).flatMap((s) => s.trials.map((t) => ({ s, t })))[0];
  if (!best) return [];
  const out = await trialPictures(sweeps, best.t, best.s.predictions!.get(best.t.id)!);
  const by = METRIC_INFO[metric].column.replaceAll("_", " ");
  out.forEach((p) => (p.title = `${p.title}: the best trial by ${by}`));
  const c = compareSweeps(sweeps);
  const rows = c.rows.filter((r) => membersOf(sweeps, r).some((p) => shownSnapshot(p)));
  const a = rows.find((r) => r.isBest) ?? rows[0];
  const b = rows.find((r) => r !== a && r.dataset === a?.dataset);
  if (a && b) out.push(await diffPicture(sweeps, a, b));
  const voted = c.rows.find((r) => r.vote);
  if (voted) {
    const members = membersOf(sweeps, voted);
    const vote = ensembleVote(members);
    if (vote) {
      const label = rowLabel(voted);
      out.push({
        name: "vote",
        title: "The vote's misclassified digits",
        svg: voteMissesSvg(vote, members, label),
      });
    }
  }
  return out;
}

function rowLabel(r: SettingRow): string {
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(" ");
  return params || r.experiment;
}

async function diffPicture(sweeps: SweepData[], a: SettingRow, b: SettingRow): Promise<Picture> {
  const matrix = (r: SettingRow) => {
    const ps = membersOf(sweeps, r).flatMap((p) => {
      const s = shownSnapshot(p);
      return s ? [{ p, s }] : [];
    });
    return {
      classes: ps[0].p.classes,
      n: ps.length,
      m: meanMatrix(ps.map(({ p, s }) => confusionMatrix(p.labels, s.predicted, p.classes))),
    };
  };
  const [ma, mb] = [matrix(a), matrix(b)];
  const svg = await renderSvg(confusionDiffSpec(
    ma.m,
    mb.m,
    ma.classes,
    "How the confusion matrix changes from A to B",
    [
      `A: ${rowLabel(a)} (the best setting, ${ma.n} trial${ma.n > 1 ? "s" : ""})`,
      `B: ${rowLabel(b)} (the next, ${mb.n} trial${mb.n > 1 ? "s" : ""})`,
      "each cell: B - A, counts averaged over each setting's trials",
    ],
  ));
  return { name: "confusion_change", title: "Confusion change between two settings", svg };
}
