/**
 * Validating an experiment file against the field tables (`fields.ts`) and merging it over the
 * defaults. Every error is one line naming the file and the JSON path, quoting the value, with
 * a "did you mean" for a misspelt name.
 *
 * @module
 */
import { NetsweepError } from "../errors.ts";
import type { MonitorMetric } from "../network/metrics.ts";
import { METRIC_INFO } from "../network/metrics.ts";
import { LAYER_FIELDS, type LayerSpec } from "../network/layers/registry.ts";
import { suggest } from "./_suggest.ts";
import {
  DATASET_FIELDS,
  type DatasetSpec,
  DEFAULT_DATASET,
  DEFAULT_SETTING,
  type Field,
  MAX_WIDTH,
  METRIC_VALUES,
  type Setting,
  SETTING_FIELDS,
  SETTING_KEYS,
  type SettingKey,
} from "./fields.ts";
import {
  type Distribution,
  DISTRIBUTION_NAMES,
  distributionOf,
  DISTRIBUTIONS,
} from "./distributions.ts";

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

/** JSON text of a value for messages (JSON has no Infinity: a too-large number says so). */
function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number" && !Number.isFinite(v)) return `${v} (a number too large for a float)`;
  return JSON.stringify(v);
}

/** Checks values against fields; every failure is a NetsweepError naming file and path. */
export class Checker {
  constructor(readonly file: string) {}

  fail(path: string, problem: string): never {
    throw new NetsweepError(this.file, `${path}: ${problem}`);
  }

  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.fail(path, `must be an object, got ${show(value)}`);
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        const near = suggest(key, known);
        this.fail(
          `${path}.${key}`,
          `unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ""}`,
        );
      }
    }
    return value as Record<string, unknown>;
  }

  #integer(
    value: unknown,
    path: string,
    min: number,
    max: number,
    nullable = false,
  ): number | null {
    if (value === null && nullable) return null;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.fail(path, `must be an integer${nullable ? " or null" : ""}, got ${show(value)}`);
    }
    if (value < min) this.fail(path, `must be >= ${min}, got ${value}`);
    if (value > max) this.fail(path, `must be <= ${max}, got ${value}`);
    return value;
  }

  field(f: Field, value: unknown, path: string): unknown {
    switch (f.kind) {
      case "number": {
        if (typeof value !== "number" || !Number.isFinite(value)) {
          this.fail(path, `must be a finite number, got ${show(value)}`);
        }
        const bounds: [number | undefined, (v: number, b: number) => boolean, string][] = [
          [f.exclusiveMinimum, (v, b) => v > b, ">"],
          [f.minimum, (v, b) => v >= b, ">="],
          [f.exclusiveMaximum, (v, b) => v < b, "<"],
          [f.maximum, (v, b) => v <= b, "<="],
        ];
        for (const [b, ok, op] of bounds) {
          if (b !== undefined && !ok(value, b)) this.fail(path, `must be ${op} ${b}, got ${value}`);
        }
        return value;
      }
      case "integer":
        return this.#integer(value, path, f.minimum, f.maximum, f.nullable);
      case "enum": {
        if (value === null && f.nullable) return null;
        if (f.values.includes(value as string)) return value;
        const asNumber = typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
        if (f.values.includes(asNumber)) {
          this.fail(path, `must be the number ${asNumber}, not the string ${show(value)}`);
        }
        const near = typeof value === "string" ? suggest(value, f.values.map(String)) : undefined;
        this.fail(
          path,
          `must be one of ${f.values.map((v) => JSON.stringify(v)).join(", ")}${
            f.nullable ? " or null" : ""
          }, got ${show(value)}${near ? ` (did you mean '${near}'?)` : ""}`,
        );
      }
      // falls through (fail never returns)
      case "boolean":
        if (typeof value !== "boolean") {
          this.fail(path, `must be true or false, got ${show(value)}`);
        }
        return value;
      case "sizes":
        if (!Array.isArray(value) || value.length < 2) {
          this.fail(path, `must be a list of two or more positive integers, got ${show(value)}`);
        }
        value.forEach((n, i) => this.#integer(n, `${path}[${i}]`, 1, MAX_WIDTH));
        return value;
      case "layers":
        return value === null ? null : this.#layers(value, path);
      case "metrics":
        if (!Array.isArray(value)) {
          this.fail(path, `must be a list of metric names, got ${show(value)}`);
        }
        value.forEach((m, i) =>
          this.field(
            { kind: "enum", values: METRIC_VALUES, default: "", description: "" },
            m,
            `${path}[${i}]`,
          )
        );
        if (new Set(value).size !== value.length) {
          this.fail(path, `lists a metric twice: ${show(value)}`);
        }
        return value;
      case "schedule": {
        if (value === null) return null;
        const o = this.object(value, path, ["patience", "factor", "stopAt"]);
        for (const k of ["patience", "factor", "stopAt"]) {
          if (o[k] === undefined) this.fail(`${path}.${k}`, "is required");
        }
        this.#integer(o.patience, `${path}.patience`, 1, 1_000_000);
        this.field(
          {
            kind: "number",
            exclusiveMinimum: 0,
            exclusiveMaximum: 1,
            default: 0.5,
            description: "",
          },
          o.factor,
          `${path}.factor`,
        );
        this.field(
          { kind: "number", exclusiveMinimum: 0, maximum: 1, default: 0.5, description: "" },
          o.stopAt,
          `${path}.stopAt`,
        );
        return { patience: o.patience, factor: o.factor, stopAt: o.stopAt };
      }
      case "path":
        if (value !== null && typeof value !== "string") {
          this.fail(path, `must be a path or null, got ${show(value)}`);
        }
        return value;
    }
  }

  #layers(value: unknown, path: string): LayerSpec[] {
    if (!Array.isArray(value) || value.length === 0) {
      this.fail(path, `must be a non-empty list of layers, got ${show(value)}`);
    }
    return value.map((l, i) => {
      const at = `${path}[${i}]`;
      const kinds = Object.keys(LAYER_FIELDS);
      const type = (l as { type?: unknown })?.type;
      if (typeof type !== "string" || !kinds.includes(type)) {
        const near = typeof type === "string" ? suggest(type, kinds) : undefined;
        this.fail(
          `${at}.type`,
          `must be one of ${kinds.join(", ")}, got ${show(type)}${
            near ? ` (did you mean '${near}'?)` : ""
          }`,
        );
      }
      const fields = LAYER_FIELDS[type as LayerSpec["type"]];
      const o = this.object(l, at, ["type", ...Object.keys(fields)]);
      for (const [k, f] of Object.entries(fields)) {
        if (o[k] === undefined) {
          if (f.required) this.fail(`${at}.${k}`, `is required for a ${type} layer`);
          continue;
        }
        if (f.kind === "integer") {
          this.#integer(o[k], `${at}.${k}`, f.minimum ?? 1, f.maximum ?? MAX_WIDTH);
        } else {this.field(
            { kind: "number", minimum: 0, exclusiveMaximum: 1, default: 0, description: "" },
            o[k],
            `${at}.${k}`,
          );}
      }
      return o as unknown as LayerSpec;
    });
  }

  setting(value: unknown, path: string): Partial<Setting> {
    const obj = this.object(value, path, SETTING_KEYS);
    if (obj.sizes !== undefined && obj.layers !== undefined && obj.layers !== null) {
      this.fail(`${path}.layers`, "give sizes or layers, not both");
    }
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      out[key] = this.field(SETTING_FIELDS[key as SettingKey], v, `${path}.${key}`);
    }
    return out as Partial<Setting>;
  }

  distribution(value: unknown, path: string, key: SettingKey): Distribution {
    const obj = this.object(value, path, DISTRIBUTION_NAMES);
    const names = Object.keys(obj);
    if (names.length !== 1) {
      this.fail(
        path,
        `must name one distribution (${DISTRIBUTION_NAMES.join(", ")}), got ${show(value)}`,
      );
    }
    const d = obj as Distribution;
    const { name, args } = distributionOf(d);
    if (!Array.isArray(args)) this.fail(`${path}.${name}`, `must be a list, got ${show(args)}`);
    const problem = DISTRIBUTIONS[name].check(args);
    if (problem) this.fail(`${path}.${name}`, problem);
    const f = SETTING_FIELDS[key];
    if (name !== "choice") {
      if (f.kind !== "number" && f.kind !== "integer") {
        this.fail(path, `${key} is not a number: sample it with choice`);
      }
      if (f.kind === "integer" && !DISTRIBUTIONS[name].integer) {
        this.fail(`${path}.${name}`, `${key} is an integer: use intUniform or intLogUniform`);
      }
    }
    // Every value the distribution can give must be valid: both ends, or every choice.
    args.forEach((v, i) => this.field(f, v, `${path}.${name}[${i}]`));
    return d;
  }
}

/**
 * Validates an experiment (parsed JSON) and merges it over the defaults. Errors name the file
 * and the JSON path: `experiments/eta.json: $.grid.eta[1]: must be > 0, got 0`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { parseExperiment } from "./schema.ts";
 * const exp = parseExperiment({ name: "eta", grid: { eta: [0.1, 3] } }, "eta.json");
 * assertEquals([exp.base.epochs, exp.grid.eta?.length], [30, 2]);
 * ```
 */
export function parseExperiment(json: unknown, file: string): Experiment {
  const c: Checker = new Checker(file);
  const top = c.object(json, "$", TOP_KEYS);
  if (typeof top.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(top.name)) {
    c.fail("$.name", `must be a name of letters, digits, '.', '_' or '-', got ${show(top.name)}`);
  }
  if (top.description !== undefined && typeof top.description !== "string") {
    c.fail("$.description", `must be a string, got ${show(top.description)}`);
  }
  const datasetIn = top.dataset === undefined
    ? {}
    : c.object(top.dataset, "$.dataset", Object.keys(DATASET_FIELDS));
  const dataset = { ...DEFAULT_DATASET };
  for (const [key, v] of Object.entries(datasetIn)) {
    (dataset as Record<string, unknown>)[key] = c.field(
      DATASET_FIELDS[key as keyof DatasetSpec],
      v,
      `$.dataset.${key}`,
    );
  }
  if (dataset.validationImages !== null && dataset.trainingImages === null) {
    c.fail(
      "$.dataset.validationImages",
      "needs trainingImages (the validation images follow them)",
    );
  }
  const baseIn = top.base === undefined ? {} : c.setting(top.base, "$.base");
  const base = { ...DEFAULT_SETTING, ...baseIn } as Setting;
  const grid: Record<string, unknown[]> = {};
  if (top.grid !== undefined) {
    for (const [key, values] of Object.entries(c.object(top.grid, "$.grid", SETTING_KEYS))) {
      if (!Array.isArray(values) || values.length === 0) {
        c.fail(`$.grid.${key}`, `must be a non-empty list of values, got ${show(values)}`);
      }
      grid[key] = values.map((v, i) =>
        c.field(SETTING_FIELDS[key as SettingKey], v, `$.grid.${key}[${i}]`)
      );
    }
  }
  let cases: Partial<Setting>[] = [];
  if (top.cases !== undefined) {
    if (!Array.isArray(top.cases) || top.cases.length === 0) {
      c.fail("$.cases", `must be a non-empty list of settings, got ${show(top.cases)}`);
    }
    cases = top.cases.map((s, i) => c.setting(s, `$.cases[${i}]`));
    cases.forEach((s, i) => {
      for (const k of Object.keys(s)) {
        if (k in grid) {
          c.fail(`$.cases[${i}].${k}`, `is also in the grid, whose values would override it`);
        }
      }
    });
  }
  const sample: Partial<Record<SettingKey, Distribution>> = {};
  if (top.sample !== undefined) {
    for (const [key, d] of Object.entries(c.object(top.sample, "$.sample", SETTING_KEYS))) {
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
  }
  const sampled = Object.keys(sample).length > 0;
  if (sampled && top.trials === undefined) {
    c.fail("$.trials", "is required with a sample block (how many draws)");
  }
  if (!sampled && top.trials !== undefined) {
    c.fail("$.trials", "counts the draws of a sample block; there is none");
  }
  const int = (v: unknown, path: string, min: number, max: number) =>
    c.field(
      { kind: "integer", minimum: min, maximum: max, default: 1, description: "" },
      v,
      path,
    ) as number;
  const trials = top.trials === undefined ? 1 : int(top.trials, "$.trials", 1, 1_000_000);
  const repeats = top.repeats === undefined ? 1 : int(top.repeats, "$.repeats", 1, 100_000);
  const seed = top.seed === undefined ? 1 : int(top.seed, "$.seed", 0, 0xffffffff);
  let prune: Prune | null = null;
  if (top.prune !== undefined && top.prune !== null) {
    const o = c.object(top.prune, "$.prune", ["metric", "minEpochs", "factor"]);
    const metrics = METRIC_VALUES.filter((m) =>
      METRIC_INFO[m].kind === "accuracy" || METRIC_INFO[m].kind === "cost"
    );
    prune = {
      metric: c.field(
        { kind: "enum", values: metrics, default: "validationAccuracy", description: "" },
        o.metric ?? "validationAccuracy",
        "$.prune.metric",
      ) as MonitorMetric,
      minEpochs: o.minEpochs === undefined
        ? 1
        : int(o.minEpochs, "$.prune.minEpochs", 1, 1_000_000),
      factor: o.factor === undefined ? 3 : int(o.factor, "$.prune.factor", 2, 1000),
    };
  }
  return {
    name: top.name,
    description: (top.description as string | undefined) ?? "",
    dataset,
    base,
    grid: grid as Experiment["grid"],
    cases,
    sample,
    trials,
    repeats,
    seed,
    prune,
  };
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
 * import { settingText } from "./schema.ts";
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
 * import { compactNumber } from "./schema.ts";
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
