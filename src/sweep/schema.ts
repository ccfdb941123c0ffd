/**
 * The experiment file: one typed table of fields, from which both the validator and
 * `experiments/schema.json` (for editors) are made, so the two cannot drift.
 *
 * @module
 */
import { ACTIVATIONS, COSTS } from "../network/functions.ts";
import { INITS } from "../network/init.ts";
import { NetsweepError } from "../errors.ts";
import { suggest } from "./_suggest.ts";

/** Metrics a trial can monitor each epoch. */
export const METRICS = [
  "testAccuracy",
  "testCost",
  "validationAccuracy",
  "validationCost",
  "trainingAccuracy",
  "trainingCost",
] as const;
/** One monitored metric. */
export type Metric = typeof METRICS[number];

type Field =
  | {
    kind: "number";
    exclusiveMinimum?: number;
    minimum?: number;
    default: number;
    description: string;
  }
  | {
    kind: "integer";
    minimum: number;
    nullable?: boolean;
    default: number | null;
    description: string;
  }
  | {
    kind: "enum";
    values: readonly (string | number)[];
    default: string | number;
    description: string;
  }
  | { kind: "sizes"; default: number[]; description: string }
  | { kind: "metrics"; default: Metric[]; description: string }
  | { kind: "path"; default: string | null; description: string };

/** Every parameter of one trial: network, training and training-set size. */
export const SETTING_FIELDS = {
  sizes: { kind: "sizes", default: [784, 30, 10], description: "Neurons per layer, input first." },
  activation: {
    kind: "enum",
    values: ACTIVATIONS,
    default: "sigmoid",
    description: "Hidden activation.",
  },
  cost: {
    kind: "enum",
    values: COSTS,
    default: "quadratic",
    description: "quadratic and cross-entropy use sigmoid outputs; log-likelihood uses softmax.",
  },
  init: {
    kind: "enum",
    values: INITS,
    default: "large",
    description:
      "large: N(0,1) (network.py); default: N(0,1/n_in) (network2.py); scaled: initStd·N(0,1), zero biases (Saito).",
  },
  initStd: {
    kind: "number",
    exclusiveMinimum: 0,
    default: 0.01,
    description: "Standard deviation for init 'scaled'.",
  },
  eta: { kind: "number", exclusiveMinimum: 0, default: 3.0, description: "Learning rate." },
  lmbda: {
    kind: "number",
    minimum: 0,
    default: 0,
    description: "L2 regularisation (network2.py).",
  },
  miniBatchSize: {
    kind: "integer",
    minimum: 1,
    default: 10,
    description: "Examples per mini-batch.",
  },
  epochs: { kind: "integer", minimum: 1, default: 30, description: "Epochs of training." },
  sampling: {
    kind: "enum",
    values: ["shuffle", "replacement"],
    default: "shuffle",
    description:
      "shuffle: Nielsen's consecutive mini-batches; replacement: Saito's sampled batches.",
  },
  iterations: {
    kind: "integer",
    minimum: 1,
    nullable: true,
    default: null,
    description: "With sampling 'replacement': total iterations (overrides epochs).",
  },
  earlyStopping: {
    kind: "integer",
    minimum: 0,
    default: 0,
    description: "Stop after this many epochs without better accuracy; 0 is off.",
  },
  trainSize: {
    kind: "integer",
    minimum: 1,
    nullable: true,
    default: null,
    description: "Train on the first N training images only; null for all.",
  },
  monitor: {
    kind: "metrics",
    default: ["testAccuracy"],
    description: "Metrics computed after each epoch.",
  },
} as const satisfies Record<string, Field>;

/** The dataset every trial of an experiment shares. */
export const DATASET_FIELDS = {
  path: {
    kind: "path",
    default: null,
    description:
      "Archive file or IDX directory, relative to the experiment file; null for the embedded MNIST.",
  },
  split: {
    kind: "enum",
    values: ["nielsen", "standard"],
    default: "nielsen",
    description: "Split scheme.",
  },
  scale: {
    kind: "enum",
    values: [255, 256, 1],
    default: 255,
    description: "Divisor of integer pixels.",
  },
} as const satisfies Record<string, Field>;

/** The resolved parameters of one trial. */
export interface Setting {
  sizes: number[];
  activation: typeof ACTIVATIONS[number];
  cost: typeof COSTS[number];
  init: typeof INITS[number];
  initStd: number;
  eta: number;
  lmbda: number;
  miniBatchSize: number;
  epochs: number;
  sampling: "shuffle" | "replacement";
  iterations: number | null;
  earlyStopping: number;
  trainSize: number | null;
  monitor: Metric[];
}

/** The resolved dataset of an experiment. */
export interface DatasetSpec {
  path: string | null;
  split: "nielsen" | "standard";
  scale: 255 | 256 | 1;
}

/** A validated experiment with every default filled in. */
export interface Experiment {
  name: string;
  description: string;
  dataset: DatasetSpec;
  base: Setting;
  grid: Partial<Record<keyof Setting, unknown[]>>;
  cases: Partial<Setting>[];
  repeats: number;
  seed: number;
}

/** The typed defaults every experiment file is merged over. */
export const DEFAULT_SETTING: Setting = Object.fromEntries(
  Object.entries(SETTING_FIELDS).map(([k, f]) => [k, f.default]),
) as unknown as Setting;

const DEFAULT_DATASET: DatasetSpec = Object.fromEntries(
  Object.entries(DATASET_FIELDS).map(([k, f]) => [k, f.default]),
) as unknown as DatasetSpec;

const TOP_KEYS = [
  "$schema",
  "name",
  "description",
  "dataset",
  "base",
  "grid",
  "cases",
  "repeats",
  "seed",
];
const SETTING_KEYS = Object.keys(SETTING_FIELDS) as (keyof Setting)[];

class Checker {
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

  field(field: Field, value: unknown, path: string): unknown {
    switch (field.kind) {
      case "number":
        if (typeof value !== "number" || !Number.isFinite(value)) {
          this.fail(path, `must be a number, got ${show(value)}`);
        }
        if (field.exclusiveMinimum !== undefined && !(value > field.exclusiveMinimum)) {
          this.fail(path, `must be > ${field.exclusiveMinimum}, got ${value}`);
        }
        if (field.minimum !== undefined && !(value >= field.minimum)) {
          this.fail(path, `must be >= ${field.minimum}, got ${value}`);
        }
        return value;
      case "integer":
        if (value === null && field.nullable) return null;
        if (typeof value !== "number" || !Number.isInteger(value)) {
          this.fail(
            path,
            `must be an integer${field.nullable ? " or null" : ""}, got ${show(value)}`,
          );
        }
        if (value < field.minimum) this.fail(path, `must be >= ${field.minimum}, got ${value}`);
        return value;
      case "enum":
        if (!field.values.includes(value as string)) {
          const near = typeof value === "string"
            ? suggest(value, field.values.map(String))
            : undefined;
          this.fail(
            path,
            `must be one of ${field.values.map((v) => JSON.stringify(v)).join(", ")}, got ${
              show(value)
            }${near ? ` (did you mean '${near}'?)` : ""}`,
          );
        }
        return value;
      case "sizes":
        if (
          !Array.isArray(value) || value.length < 2 ||
          !value.every((n) => typeof n === "number" && Number.isInteger(n) && n >= 1)
        ) {
          this.fail(path, `must be a list of two or more positive integers, got ${show(value)}`);
        }
        return value;
      case "metrics":
        if (!Array.isArray(value)) {
          this.fail(path, `must be a list of metric names, got ${show(value)}`);
        }
        value.forEach((m, i) =>
          this.field(
            { kind: "enum", values: METRICS, default: "", description: "" },
            m,
            `${path}[${i}]`,
          )
        );
        return value;
      case "path":
        if (value !== null && typeof value !== "string") {
          this.fail(path, `must be a path or null, got ${show(value)}`);
        }
        return value;
    }
  }

  setting(value: unknown, path: string): Partial<Setting> {
    const obj = this.object(value, path, SETTING_KEYS);
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      out[key] = this.field(SETTING_FIELDS[key as keyof Setting] as Field, v, `${path}.${key}`);
    }
    return out as Partial<Setting>;
  }
}

function show(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

/**
 * Validates an experiment (parsed JSON) and merges it over the defaults. Errors name the file
 * and the JSON path: `experiments/eta.json: $.grid.eta[1]: must be > 0, got 0`.
 *
 * @example
 * ```ts
 * import { parseExperiment } from "./schema.ts";
 * const exp = parseExperiment({ name: "eta", grid: { eta: [0.1, 3] } }, "eta.json");
 * console.assert(exp.base.epochs === 30 && exp.grid.eta?.length === 2);
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
      DATASET_FIELDS[key as keyof DatasetSpec] as Field,
      v,
      `$.dataset.${key}`,
    );
  }
  const base = {
    ...DEFAULT_SETTING,
    ...(top.base === undefined ? {} : c.setting(top.base, "$.base")),
  };
  const grid: Record<string, unknown[]> = {};
  if (top.grid !== undefined) {
    for (const [key, values] of Object.entries(c.object(top.grid, "$.grid", SETTING_KEYS))) {
      if (!Array.isArray(values) || values.length === 0) {
        c.fail(`$.grid.${key}`, `must be a non-empty list of values, got ${show(values)}`);
      }
      grid[key] = values.map((v, i) =>
        c.field(SETTING_FIELDS[key as keyof Setting] as Field, v, `$.grid.${key}[${i}]`)
      );
    }
  }
  let cases: Partial<Setting>[] = [];
  if (top.cases !== undefined) {
    if (!Array.isArray(top.cases) || top.cases.length === 0) {
      c.fail("$.cases", `must be a non-empty list of settings, got ${show(top.cases)}`);
    }
    cases = top.cases.map((s, i) => c.setting(s, `$.cases[${i}]`));
  }
  const repeats = top.repeats === undefined ? 1 : c.field(
    { kind: "integer", minimum: 1, default: 1, description: "" },
    top.repeats,
    "$.repeats",
  ) as number;
  const seed = top.seed === undefined ? 1 : c.field(
    { kind: "integer", minimum: 0, default: 1, description: "" },
    top.seed,
    "$.seed",
  ) as number;
  if (seed > 0xffffffff) c.fail("$.seed", `must be < 2^32, got ${seed}`);
  return {
    name: top.name,
    description: (top.description as string | undefined) ?? "",
    dataset,
    base,
    grid: grid as Experiment["grid"],
    cases,
    repeats,
    seed,
  };
}

/**
 * A setting value as text: sizes as `784-30-10`, lists of names space-separated, null as `-`.
 * Tables, legends, progress lines, CSV cells and the zarr category labels all use it.
 *
 * @example
 * ```ts
 * import { settingText } from "./schema.ts";
 * console.assert(settingText([784, 30, 10]) === "784-30-10");
 * console.assert(settingText(["testAccuracy", "trainingCost"]) === "testAccuracy trainingCost");
 * ```
 */
export function settingText(v: unknown): string {
  if (Array.isArray(v)) return v.join(v.every((x) => typeof x === "number") ? "-" : " ");
  return v === null || v === undefined ? "-" : String(v);
}

/** The inverse of {@linkcode settingText} for the value of `key`. */
export function settingFromText(key: keyof Setting, text: string): unknown {
  if (key === "sizes") return text.split("-").map(Number);
  if (key === "monitor") return text === "" ? [] : text.split(" ");
  return text;
}

/** The setting keys whose values differ between `items`, in table order. */
export function varyingKeys(items: { setting: Setting }[]): (keyof Setting)[] {
  return (Object.keys(SETTING_FIELDS) as (keyof Setting)[]).filter((k) =>
    new Set(items.map((t) => JSON.stringify(t.setting[k]))).size > 1
  );
}

/**
 * Checks a resolved setting against the data: the first layer must take every pixel and the
 * last must have one neuron per class.
 */
export function checkFitsData(
  setting: Setting,
  inputSize: number,
  classes: number,
  file: string,
  where: string,
): void {
  const sizes = setting.sizes;
  if (sizes[0] !== inputSize) {
    throw new NetsweepError(
      file,
      `${where}.sizes: first layer ${sizes[0]} does not fit the data's ${inputSize} inputs`,
    );
  }
  if (sizes[sizes.length - 1] !== classes) {
    throw new NetsweepError(
      file,
      `${where}.sizes: last layer ${
        sizes[sizes.length - 1]
      } does not fit the data's ${classes} classes`,
    );
  }
}

function fieldSchema(f: Field): Record<string, unknown> {
  const base = { description: f.description, default: f.default };
  switch (f.kind) {
    case "number":
      return { type: "number", ...pick(f, ["exclusiveMinimum", "minimum"]), ...base };
    case "integer":
      return { type: f.nullable ? ["integer", "null"] : "integer", minimum: f.minimum, ...base };
    case "enum":
      return { enum: f.values, ...base };
    case "sizes":
      return { type: "array", items: { type: "integer", minimum: 1 }, minItems: 2, ...base };
    case "metrics":
      return { type: "array", items: { enum: METRICS }, uniqueItems: true, ...base };
    case "path":
      return { type: ["string", "null"], ...base };
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** The JSON Schema of experiment files, generated from the same table the validator uses. */
export function experimentJsonSchema(): Record<string, unknown> {
  const settingProps = Object.fromEntries(
    Object.entries(SETTING_FIELDS).map(([k, f]) => [k, fieldSchema(f as Field)]),
  );
  const setting = { type: "object", additionalProperties: false, properties: settingProps };
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "netsweep experiment",
    description: "A hyperparameter sweep: base settings, a grid and/or cases, repeats and a seed.",
    type: "object",
    additionalProperties: false,
    required: ["name"],
    properties: {
      $schema: { type: "string" },
      name: {
        type: "string",
        pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description: "Results go to <out>/<name>/.",
      },
      description: { type: "string" },
      dataset: {
        type: "object",
        additionalProperties: false,
        properties: Object.fromEntries(
          Object.entries(DATASET_FIELDS).map(([k, f]) => [k, fieldSchema(f as Field)]),
        ),
      },
      base: { ...setting, description: "Every trial's parameters, over the defaults." },
      grid: {
        type: "object",
        additionalProperties: false,
        description: "Lists whose cartesian product gives the trials.",
        properties: Object.fromEntries(
          Object.entries(settingProps).map((
            [k, s],
          ) => [k, { type: "array", minItems: 1, items: s }]),
        ),
      },
      cases: {
        type: "array",
        minItems: 1,
        items: setting,
        description: "Explicit settings (each crossed with the grid).",
      },
      repeats: { type: "integer", minimum: 1, default: 1, description: "Seeds per setting." },
      seed: {
        type: "integer",
        minimum: 0,
        maximum: 4294967295,
        default: 1,
        description: "Experiment seed.",
      },
    },
  };
}
