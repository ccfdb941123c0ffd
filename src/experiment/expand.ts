/**
 * From an experiment to its trials: each sample draw, crossed with the cases and the grid,
 * times the repeats. A trial's seed derives from the experiment seed and the fields that shape
 * its training (never from `epochs` or `monitor`, so a short run is the exact prefix of a long
 * one); its id from the dataset's identity, its setting but `epochs` and its seed (so a longer
 * run continues the same trial). Neither depends on the number of workers or shards, nor on
 * where the files are.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { deriveSeed, NetsweepError, Rng } from "../core/mod.ts";
import type { Init } from "../vocabulary/mod.ts";
import {
  type DatasetSpec,
  type Setting,
  SETTING_FIELDS,
  SETTING_KEYS,
  type SettingKey,
  SHAPING_KEYS,
} from "./fields.ts";
import { type Experiment, parseExperiment } from "./parse.ts";
import { drawFrom } from "./distributions.ts";
import { suggest } from "./_suggest.ts";

/** One run of the sweep. */
export interface Trial {
  /** 12 hex digits of the SHA-256 of the dataset's identity, the setting (but epochs), the seed. */
  id: string;
  /** Position in the expansion (raising `trials` or adding grid values appends). */
  index: number;
  /** The resolved parameters. */
  setting: Setting;
  /** Which repeat of its setting (0 for the first). */
  repeat: number;
  /** The trial's seed, from the experiment seed, what shapes the training, and the repeat. */
  seed: number;
  /** Which draw of the sample block, or null. */
  draw: number | null;
}

/** The setting with its keys in the table's order, so equal settings hash equally. */
export function canonicalSetting(s: Partial<Setting>): Setting {
  return Object.fromEntries(SETTING_KEYS.map((k) => [k, s[k]])) as unknown as Setting;
}

/**
 * The initialisation `auto` stands for: network.py's N(0,1) for a `sizes` network (chapter 1);
 * network2.py's N(0,1/n_in) for a `layers` network, with which network3.py's conv-pool net
 * (sigmoid, eta 0.1) reaches 97.4% in 3 epochs, where N(0,1) gives 90.2% and network3.py's
 * own N(0,1/n_out) 96.7% (measured: docs/networks.md).
 */
export function resolvedInit(s: Pick<Setting, "init" | "layers">): Init {
  if (s.init !== "auto") return s.init;
  return s.layers ? "default" : "large";
}

/** The part of a setting that shapes the training (what the seed derives from). */
export function trainingKey(s: Setting): Partial<Setting> {
  return Object.fromEntries(SHAPING_KEYS.map((k) => [k, s[k]]));
}

/** A trial's seed: the experiment seed, what shapes the training, and the repeat. */
export function trialSeed(experimentSeed: number, setting: Setting, repeat: number): number {
  return deriveSeed(experimentSeed, trainingKey(setting), repeat);
}

/**
 * What identifies a dataset for trial ids, without where it lies: the embedded package's name,
 * or the file's name, size and checksum (see the sweep's plan), with the split options.
 */
export function datasetKey(spec: DatasetSpec, identity: string): string {
  // The identity says which named dataset it is; the name itself stays out, so that files
  // without one (and `name: "mnist"`, the embedded MNIST's) keep their trial ids.
  const { name: _name, path: _path, decodeLimitMB: _limit, ...options } = spec;
  return JSON.stringify({ identity, ...options });
}

/**
 * The id of a trial of `setting` with `seed` on the dataset `key`: everything but how long it
 * runs, so raising `epochs` continues each trial (records of format 3).
 */
export function trialId(key: string, setting: Setting, seed: number): string {
  const { epochs: _length, ...identity } = canonicalSetting(setting);
  const text = JSON.stringify({ dataset: key, setting: identity, seed });
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

/** A format-2 record's id (netsweep 0.2: the whole setting, `epochs` included). */
export function trialIdFormat2(key: string, setting: Setting, seed: number): string {
  const text = JSON.stringify({ dataset: key, setting: canonicalSetting(setting), seed });
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function cartesian(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/** The values of draw `t` of the sample block: one uniform number per key, in table order. */
export function sampleDraw(exp: Experiment, t: number): Partial<Setting> {
  const keys = SETTING_KEYS.filter((k) => exp.sample[k]);
  if (keys.length === 0) return {};
  const rng = new Rng(deriveSeed(exp.seed, "sample", t));
  return Object.fromEntries(keys.map((k) => [k, drawFrom(exp.sample[k]!, rng.nextFloat())]));
}

/**
 * Expands an experiment into its trials, in a stable order: sample draws, then cases, then grid
 * points, then repeats. `dataset` is the dataset's key ({@linkcode datasetKey}).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { parseExperiment } from "./parse.ts";
 * import { expandTrials } from "./expand.ts";
 * const exp = parseExperiment({ name: "x", grid: { eta: [0.1, 1] }, repeats: 2 }, "x.json");
 * const trials = expandTrials(exp);
 * assertEquals([trials.length, trials[2].setting.eta], [4, 1]);
 * ```
 */
export function expandTrials(
  exp: Experiment,
  dataset: string = datasetKey(exp.dataset, "unidentified"),
): Trial[] {
  const cases = exp.cases.length > 0 ? exp.cases : [{}];
  const sampled = Object.keys(exp.sample).length > 0;
  const trials: Trial[] = [];
  const seen = new Set<string>();
  for (let t = 0; t < exp.trials; t++) {
    const drawn = sampleDraw(exp, t);
    for (const c of cases) {
      for (const point of cartesian(exp.grid as Record<string, unknown[]>)) {
        const sources = [exp.base, c, point, drawn];
        const setting = canonicalSetting(Object.assign({}, ...sources));
        setting.init = resolvedInit(setting);
        if (setting.layers !== null) {
          // sizes and layers describe the network two ways: the more specific source wins.
          const last = (k: string) =>
            sources.findLastIndex((s) => k in s && s[k as keyof typeof s] !== null);
          if (last("sizes") > last("layers")) setting.layers = null;
          else setting.sizes = [];
        }
        for (let repeat = 0; repeat < exp.repeats; repeat++) {
          const seed = trialSeed(exp.seed, setting, repeat);
          const id = trialId(dataset, setting, seed);
          if (seen.has(id)) continue; // the same setting reached twice (a case equal to a grid point)
          seen.add(id);
          trials.push({
            id,
            index: trials.length,
            setting,
            repeat,
            seed,
            draw: sampled ? t : null,
          });
        }
      }
    }
  }
  return trials;
}

/**
 * Applies `--set key=value` overrides to a parsed experiment file (raw JSON): each value is
 * JSON (or a bare string), goes into `base`, and replaces the key in the grid, the cases and
 * the sample block, so that it holds for every trial. Values are validated like the file;
 * errors name the overrides as `label` (`--set` on the command line, another name where they
 * come from elsewhere, such as a notebook's `sweep()`).
 */
export function applyOverrides(json: unknown, sets: string[], label = "--set"): unknown {
  if (sets.length === 0) return json;
  const overrides: Record<string, unknown> = {};
  for (const text of sets) {
    const eq = text.indexOf("=");
    if (eq <= 0) throw new NetsweepError(label, `expected key=value, got '${text}'`);
    const key = text.slice(0, eq).trim();
    const raw = text.slice(eq + 1).trim();
    if (!(key in SETTING_FIELDS)) {
      const near = suggest(key, SETTING_KEYS);
      throw new NetsweepError(
        label,
        `unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ""}`,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    overrides[key] = value;
  }
  parseExperiment({ name: "overrides", base: overrides }, label); // validates the values
  const drop = (o: unknown) =>
    o && typeof o === "object" && !Array.isArray(o)
      ? Object.fromEntries(Object.entries(o).filter(([k]) => !(k in overrides)))
      : o;
  const obj = { ...(json as Record<string, unknown>) };
  const base = { ...(obj.base as object ?? {}), ...overrides } as Record<string, unknown>;
  if ("layers" in overrides) delete base.sizes;
  if ("sizes" in overrides) delete base.layers;
  obj.base = base;
  if (obj.grid) obj.grid = drop(obj.grid);
  if (obj.sample) {
    obj.sample = drop(obj.sample);
    if (Object.keys(obj.sample as object).length === 0) {
      delete obj.sample;
      delete obj.trials;
    }
  }
  if (Array.isArray(obj.cases)) obj.cases = obj.cases.map(drop);
  return obj;
}

/** The keys whose values `--set` overrides. */
export function overriddenKeys(sets: string[]): SettingKey[] {
  return sets.map((s) => s.slice(0, s.indexOf("=")).trim() as SettingKey);
}
