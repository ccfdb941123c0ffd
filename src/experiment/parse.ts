/**
 * Validating an experiment file against the field tables (`fields.ts`) and merging it over the
 * defaults. Every error is one line naming the file and the JSON path, quoting the value, with
 * a "did you mean" for a misspelt name.
 *
 * @module
 */
import type { LayerSpec, MonitorMetric } from "../vocabulary/mod.ts";
import {
  DATASET_FIELDS,
  type DatasetSpec,
  DEFAULT_DATASET,
  DEFAULT_SETTING,
  MAX_TRIALS,
  NAME_PATTERN,
  PRUNE_FIELDS,
  type Setting,
  SETTING_FIELDS,
  SETTING_KEYS,
  type SettingKey,
  TOP_FIELDS,
} from "./fields.ts";
import type { Distribution } from "./distributions.ts";
import { Checker, show } from "./checker.ts";

/** Successive halving (see the README): rungs at minEpochs·factor^k epochs. */
export interface Prune {
  /** An accuracy or cost every trial monitors. */
  metric: MonitorMetric;
  /** Epochs of the first rung. */
  minEpochs: number;
  /** Each rung keeps the best 1/factor of the trials and is factor times longer. */
  factor: number;
}

/** A validated experiment with every default filled in. */
export interface Experiment {
  /** Results go to `<out>/<name>/`. */
  name: string;
  /** What the experiment reproduces, and what the book reports. */
  description: string;
  /** The dataset every trial shares. */
  dataset: DatasetSpec;
  /** Every trial's parameters, over the defaults. */
  base: Setting;
  /** Lists whose cartesian product gives the trials. */
  grid: Partial<Record<SettingKey, unknown[]>>;
  /** Explicit settings, each crossed with the grid. */
  cases: Partial<Setting>[];
  /** Sampled settings: `trials` draws of each distribution, crossed with cases and grid. */
  sample: Partial<Record<SettingKey, Distribution>>;
  /** Draws of the sample block (1 without one). */
  trials: number;
  /** Seeds per setting. */
  repeats: number;
  /** The experiment seed. */
  seed: number;
  /** Successive halving, or null. */
  prune: Prune | null;
}

const TOP_KEYS = [
  "$schema",
  "name",
  "description",
  "dataset",
  "base",
  "grid",
  "cases",
  "sample",
  "trials",
  "repeats",
  "seed",
  "prune",
];

/**
 * Validates an experiment (parsed JSON) and merges it over the defaults. Errors name the file
 * and the JSON path: `experiments/eta.json: $.grid.eta[1]: must be > 0, got 0`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { parseExperiment } from "./parse.ts";
 * const exp = parseExperiment({ name: "eta", grid: { eta: [0.1, 3] } }, "eta.json");
 * assertEquals([exp.base.epochs, exp.grid.eta?.length], [30, 2]);
 * ```
 */
export function parseExperiment(json: unknown, file: string): Experiment {
  const c: Checker = new Checker(file);
  const top = c.object(json, "$", TOP_KEYS);
  if (typeof top.name !== "string" || !new RegExp(NAME_PATTERN).test(top.name)) {
    c.fail("$.name", `must be a name of letters, digits, '.', '_' or '-', got ${show(top.name)}`);
  }
  if (top.description !== undefined && typeof top.description !== "string") {
    c.fail("$.description", `must be a string, got ${show(top.description)}`);
  }
  const baseIn = top.base === undefined ? {} : c.setting(top.base, "$.base");
  const grid = parseGrid(c, top.grid);
  const cases = parseCases(c, top.cases, grid);
  const sample = parseSample(c, top.sample, grid, cases);
  const sampled = Object.keys(sample).length > 0;
  if (sampled && top.trials === undefined) {
    c.fail("$.trials", "is required with a sample block (how many draws)");
  }
  if (!sampled && top.trials !== undefined) {
    c.fail("$.trials", "counts the draws of a sample block; there is none");
  }
  const { trials, repeats, seed } = c.fields<{ trials: number; repeats: number; seed: number }>(
    Object.fromEntries(
      Object.keys(TOP_FIELDS).filter((k) => top[k] !== undefined).map((k) => [k, top[k]]),
    ),
    "$",
    TOP_FIELDS,
  );
  checkCount(c, grid, cases.length, trials, repeats);
  return {
    name: top.name,
    description: (top.description as string | undefined) ?? "",
    dataset: parseDataset(c, top.dataset),
    base: { ...DEFAULT_SETTING, ...baseIn } as Setting,
    grid: grid as Experiment["grid"],
    cases,
    sample,
    trials,
    repeats,
    seed,
    prune: top.prune === undefined || top.prune === null
      ? null
      : c.fields<Prune>(top.prune, "$.prune", PRUNE_FIELDS),
  };
}

function parseDataset(c: Checker, value: unknown): DatasetSpec {
  const given = value === undefined
    ? {}
    : c.object(value, "$.dataset", Object.keys(DATASET_FIELDS));
  const dataset = { ...DEFAULT_DATASET };
  for (const [key, v] of Object.entries(given)) {
    (dataset as Record<string, unknown>)[key] = c.field(
      DATASET_FIELDS[key as keyof DatasetSpec],
      v,
      `$.dataset.${key}`,
    );
  }
  if (dataset.name !== null && dataset.path !== null) {
    c.fail(
      "$.dataset.name",
      `give a name or a path, not both (name ${show(dataset.name)}, path ${show(dataset.path)})`,
    );
  }
  if (dataset.validationImages !== null && dataset.trainingImages === null) {
    c.fail(
      "$.dataset.validationImages",
      "needs trainingImages (the validation images follow them)",
    );
  }
  return dataset;
}

function parseGrid(c: Checker, value: unknown): Record<string, unknown[]> {
  const grid: Record<string, unknown[]> = {};
  if (value === undefined) return grid;
  for (const [key, values] of Object.entries(c.object(value, "$.grid", SETTING_KEYS))) {
    if (!Array.isArray(values) || values.length === 0) {
      c.fail(`$.grid.${key}`, `must be a non-empty list of values, got ${show(values)}`);
    }
    grid[key] = values.map((v, i) =>
      c.field(SETTING_FIELDS[key as SettingKey], v, `$.grid.${key}[${i}]`)
    );
  }
  return grid;
}

function parseCases(
  c: Checker,
  value: unknown,
  grid: Record<string, unknown[]>,
): Partial<Setting>[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length === 0) {
    c.fail("$.cases", `must be a non-empty list of settings, got ${show(value)}`);
  }
  const cases = value.map((s, i) => c.setting(s, `$.cases[${i}]`));
  cases.forEach((s, i) => {
    for (const k of Object.keys(s)) {
      if (k in grid) {
        c.fail(`$.cases[${i}].${k}`, `is also in the grid, whose values would override it`);
      }
    }
  });
  return cases;
}

function parseSample(
  c: Checker,
  value: unknown,
  grid: Record<string, unknown[]>,
  cases: Partial<Setting>[],
): Partial<Record<SettingKey, Distribution>> {
  const sample: Partial<Record<SettingKey, Distribution>> = {};
  if (value === undefined) return sample;
  for (const [key, d] of Object.entries(c.object(value, "$.sample", SETTING_KEYS))) {
    if (key in grid) {
      c.fail(`$.sample.${key}`, "is also in the grid: sample it or list it, not both");
    }
    cases.forEach((s, i) => {
      if (key in s) {
        c.fail(`$.cases[${i}].${key}`, "is also sampled: sample it or set it, not both");
      }
    });
    sample[key as SettingKey] = c.distribution(d, `$.sample.${key}`, key as SettingKey);
  }
  return sample;
}

/** Refuses an experiment that crosses to more trials than a sweep may hold, before expanding. */
function checkCount(
  c: Checker,
  grid: Record<string, unknown[]>,
  cases: number,
  trials: number,
  repeats: number,
): void {
  const count = Object.values(grid).reduce((n, values) => n * values.length, 1) *
    Math.max(1, cases) * trials * repeats;
  if (count <= MAX_TRIALS) return;
  const parts = [
    ...Object.entries(grid).map(([k, v]) => `${k}: ${v.length}`),
    ...(cases > 1 ? [`cases: ${cases}`] : []),
    ...(trials > 1 ? [`trials: ${trials}`] : []),
    ...(repeats > 1 ? [`repeats: ${repeats}`] : []),
  ];
  c.fail(
    Object.keys(grid).length ? "$.grid" : "$",
    `crosses to ${count.toLocaleString("en-US")} trials (${parts.join(" x ")}), more than the ${
      MAX_TRIALS.toLocaleString("en-US")
    } a sweep may hold`,
  );
}

/**
 * The checks that need a whole resolved setting (several fields together). Throws naming
 * `where` (say `trial 3 (eta=0.5)`).
 */
export function checkSetting(s: Setting, prune: Prune | null, c: Checker, where: string): void {
  if (s.iterations !== null && s.sampling !== "replacement") {
    c.fail(
      `${where}.iterations`,
      `counts Saito's sampled batches: it needs sampling 'replacement' (with '${s.sampling}', set epochs)`,
    );
  }
  const accuracy = s.monitor.includes("validationAccuracy") || s.monitor.includes("testAccuracy");
  if (s.earlyStopping > 0 && !accuracy) {
    c.fail(
      `${where}.earlyStopping`,
      "needs a monitored accuracy: add validationAccuracy or testAccuracy to monitor",
    );
  }
  if (s.etaSchedule && !accuracy) {
    c.fail(
      `${where}.etaSchedule`,
      "needs a monitored accuracy: add validationAccuracy or testAccuracy to monitor",
    );
  }
  if (s.batchNorm && s.miniBatchSize < 2) {
    c.fail(
      `${where}.batchNorm`,
      "needs mini-batches of at least 2 examples (the batch's mean and variance)",
    );
  }
  if (prune && !s.monitor.includes(prune.metric)) {
    c.fail(`${where}.monitor`, `must include ${prune.metric}, the metric prune ranks trials by`);
  }
}

/**
 * A setting value as text: sizes as `784-30-10`, lists of names space-separated, layers as
 * `conv20x5 pool2 dense100 dense10`, a schedule as `10/0.5/0.0078125`, null as `-`. Tables,
 * legends, progress lines, CSV cells and the zarr category labels all use it.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { settingText } from "./parse.ts";
 * assertEquals(settingText([784, 30, 10]), "784-30-10");
 * assertEquals(settingText(["testAccuracy", "trainingCost"]), "testAccuracy trainingCost");
 * ```
 */
export function settingText(v: unknown, compact = false): string {
  if (Array.isArray(v)) {
    if (v.length === 0) return "-";
    if (v.every((x) => typeof x === "number")) return v.join("-");
    if (v.every((x) => typeof x === "string")) return v.join(" ");
    return v.map((l: LayerSpec) =>
      l.type === "conv"
        ? `conv${l.maps}x${l.kernel}`
        : l.type === "pool"
        ? `pool${l.size}`
        : `dense${l.size}${l.dropout ? `d${l.dropout}` : ""}`
    ).join(" ");
  }
  if (v && typeof v === "object" && "patience" in v) {
    const s = v as { patience: number; factor: number; stopAt: number };
    return `${s.patience}/${s.factor}/${s.stopAt}`;
  }
  if (typeof v === "number" && compact) return compactNumber(v);

  return v === null || v === undefined ? "-" : String(v);
}

/**
 * A number as typed when short (`0.5`, `1e-7`, `0.000184785`), else to 4 significant digits
 * (a sampled `0.0013088185396056273` shows as `0.001309`, `3.7705e-7` as `3.771e-7`).
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { compactNumber } from "./parse.ts";
 * assertEquals(compactNumber(0.0013088185396056273), "0.001309");
 * assertEquals(compactNumber(3.770572483438186e-7), "3.771e-7");
 * assertEquals(compactNumber(30), "30");
 * ```
 */
export function compactNumber(v: number): string {
  const s = String(v);
  if (s.length <= 11) return s;
  const fixed = String(Number(v.toPrecision(4)));
  const exp = v.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e");
  return fixed.length <= exp.length ? fixed : exp;
}

/** The setting keys whose values differ between `items`, in table order. */
export function varyingKeys(items: readonly { setting: Setting }[]): SettingKey[] {
  return SETTING_KEYS.filter((k) =>
    new Set(items.map((t) => JSON.stringify(t.setting[k]))).size > 1
  );
}

/** `eta=3 lmbda=0.1`: the keys that vary in this sweep. */
export function describeSetting(s: Setting, keys: SettingKey[]): string {
  return keys.map((k) => `${k}=${settingText(s[k], true)}`).join(" ");
}
