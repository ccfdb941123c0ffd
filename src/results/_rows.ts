// What a settings table says besides the scores: which constant settings apply at all, which
// dataset a trial ran on (in words, so that rows on different data are never ranked together),
// and how long its epochs really take.
import { basename } from "node:path";
import { OPTIMIZER_READS } from "../vocabulary/mod.ts";
import { datasetKey, type Setting, SETTING_KEYS, type SettingKey } from "../experiment/mod.ts";
import type { ExperimentMeta, TrialRecord } from "../store/mod.ts";
import type { SweepData } from "./read.ts";

const OPTIMIZER_KEYS = new Set(Object.values(OPTIMIZER_READS).flat());

/** Whether setting `key` does anything in `s` (momentum does nothing for plain SGD). */
function applies(key: SettingKey, s: Setting): boolean {
  if (OPTIMIZER_KEYS.has(key)) return OPTIMIZER_READS[s.optimizer].includes(key);
  switch (key) {
    case "initStd":
      return s.init === "scaled";
    case "sizes":
      return !s.layers;
    case "layers":
      return Boolean(s.layers);
    case "iterations":
      return s.sampling === "replacement";
    default:
      return true;
  }
}

/**
 * The settings with one value across `settings` (and not in `varying`) that apply to at least
 * one of them: the table's `constant:` line.
 */
export function applyingConstants(
  settings: Setting[],
  varying: readonly SettingKey[],
): Record<string, unknown> {
  if (settings.length === 0) return {};
  return Object.fromEntries(
    SETTING_KEYS.filter((k) => !varying.includes(k) && settings.some((s) => applies(k, s)))
      .map((k) => [k, settings[0][k]]),
  );
}

/**
 * Median seconds an epoch of `t` takes, training and evaluation. The first epoch is left out
 * when there are others: it includes the WebAssembly kernels' warm-up, often several times a
 * later epoch, and with two epochs an upper median would be that one. NaN before any epoch.
 */
export function epochSeconds(t: TrialRecord): number {
  const all = t.epochs.map((e) => e.trainSeconds + (e.evalSeconds ?? 0));
  const xs = (all.length > 1 ? all.slice(1) : all).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

type DataOf = Pick<ExperimentMeta, "experiment" | "dataset" | "counts">;

function describe(d: DataOf): string {
  const spec = d.experiment.dataset;
  const source = !spec
    ? "unrecorded data"
    : spec.path
    ? basename(spec.path)
    : spec.name && spec.name !== "mnist"
    ? spec.name
    : "the embedded MNIST";
  const c = d.counts;
  const sizes = c
    ? `${c.training} training, ${
      c.validation ? `${c.validation} validation, ` : ""
    }${c.test} test images`
    : "";
  const options = [
    spec?.split && spec.split !== "nielsen" ? `${spec.split} split` : "",
    spec?.scale && spec.scale !== 255 ? `pixels / ${spec.scale}` : "",
    spec?.expand ? `expanded (${spec.expand})` : "",
  ];
  const details = [sizes, ...options].filter(Boolean).join(", ");
  return details ? `${source}: ${details}` : source;
}

/**
 * Returns the dataset of each trial of `sweeps`: a key (the trials' own dataset key) and the
 * dataset in words, made unique by the data's identity where two differ only in content.
 */
export function datasetOf(
  sweeps: SweepData[],
): (s: SweepData, t: TrialRecord) => { key: string; text: string } {
  const data = (s: SweepData, t: TrialRecord): DataOf =>
    s.metas.get(t.experiment) ?? { experiment: s.experiment, dataset: "", counts: s.counts! };
  const keyOf = (d: DataOf) =>
    d.experiment.dataset ? datasetKey(d.experiment.dataset, d.dataset) : "";
  const keysByText = new Map<string, Set<string>>();
  for (const s of sweeps) {
    for (const t of s.trials) {
      const d = data(s, t);
      const text = describe(d);
      keysByText.set(text, (keysByText.get(text) ?? new Set()).add(keyOf(d)));
    }
  }
  return (s, t) => {
    const d = data(s, t);
    const text = describe(d);
    const key = keyOf(d);
    const clash = (keysByText.get(text)?.size ?? 1) > 1;
    return { key, text: clash ? `${text} [${d.dataset || "unidentified"}]` : text };
  };
}
