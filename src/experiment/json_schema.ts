/**
 * The JSON Schema of experiment files (`experiments/schema.json`, for editors' completion),
 * generated from the tables the checker reads (fields.ts, the layer fields, the
 * distributions): every bound, default, enum and required key comes from there, and
 * tests/schema_test.ts feeds generated experiments to both this schema (with Ajv) and the
 * checker, which must agree.
 *
 * @module
 */
import { LAYER_FIELDS } from "../vocabulary/mod.ts";
import {
  DATASET_FIELDS,
  type Field,
  layerField,
  MAX_WIDTH,
  METRIC_VALUES,
  NAME_PATTERN,
  PRUNE_FIELDS,
  SCHEDULE_FIELDS,
  SETTING_FIELDS,
  TOP_FIELDS,
} from "./fields.ts";
import { DISTRIBUTION_NAMES } from "./distributions.ts";

type Schema = Record<string, unknown>;

function pick(o: Record<string, unknown>, keys: string[]): Schema {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** An object whose properties are a field table's. */
function objectSchema(
  fields: Record<string, Field>,
  required: readonly string[] = [],
  extra: Schema = {},
): Schema {
  return {
    type: "object",
    additionalProperties: false,
    ...(required.length ? { required: [...required] } : {}),
    properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fieldSchema(f)])),
    ...extra,
  };
}

const LAYER_SCHEMA: Schema = {
  oneOf: Object.entries(LAYER_FIELDS).map(([type, fields]) => {
    const o = objectSchema(
      Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, layerField(f)])),
      ["type", ...Object.entries(fields).filter(([, f]) => f.required).map(([k]) => k)],
    );
    (o.properties as Schema).type = { const: type };
    return o;
  }),
};

/** The schema of one field: the checker's `field()` accepts exactly what this accepts. */
export function fieldSchema(f: Field): Record<string, unknown> {
  const base = f.default === null && f.kind === "integer"
    ? { description: f.description, default: null }
    : { description: f.description, default: f.default };
  switch (f.kind) {
    case "number":
      return {
        type: "number",
        ...pick(f, ["minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"]),
        ...base,
      };
    case "integer":
      return {
        type: f.nullable ? ["integer", "null"] : "integer",
        minimum: f.minimum,
        maximum: f.maximum,
        ...base,
      };
    case "enum":
      return { enum: f.nullable ? [...f.values, null] : f.values, ...base };
    case "boolean":
      return { type: "boolean", ...base };
    case "sizes":
      return {
        type: "array",
        items: { type: "integer", minimum: 1, maximum: MAX_WIDTH },
        minItems: 2,
        ...base,
      };
    case "layers":
      return { type: ["array", "null"], items: LAYER_SCHEMA, minItems: 1, ...base };
    case "metrics":
      return { type: "array", items: { enum: METRIC_VALUES }, uniqueItems: true, ...base };
    case "schedule":
      return {
        ...objectSchema(SCHEDULE_FIELDS, Object.keys(SCHEDULE_FIELDS)),
        type: ["object", "null"],
        ...base,
      };
    case "path":
      return { type: ["string", "null"], ...base };
  }
}

/** The JSON Schema of experiment files. */
export function experimentJsonSchema(): Record<string, unknown> {
  const setting = objectSchema(SETTING_FIELDS as Record<string, Field>);
  const settingProps = setting.properties as Record<string, Schema>;
  const range = { type: "array", items: { type: "number" }, minItems: 2, maxItems: 2 };
  const distribution = {
    type: "object",
    minProperties: 1,
    maxProperties: 1,
    additionalProperties: false,
    properties: Object.fromEntries(
      DISTRIBUTION_NAMES.map((d) => [d, d === "choice" ? { type: "array", minItems: 1 } : range]),
    ),
  };
  const top = objectSchema(TOP_FIELDS).properties as Schema;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "netsweep experiment",
    description:
      "A hyperparameter sweep: base settings, a grid, cases and samples, repeats, a seed, and optional pruning.",
    type: "object",
    additionalProperties: false,
    required: ["name"],
    // A sample block needs its number of draws, and draws need a sample block.
    dependentRequired: { sample: ["trials"], trials: ["sample"] },
    properties: {
      $schema: { type: "string" },
      name: { type: "string", pattern: NAME_PATTERN, description: "Results go to <out>/<name>/." },
      description: { type: "string" },
      // A dataset is named or given by path, not both (null is "not given").
      dataset: objectSchema(DATASET_FIELDS as Record<string, Field>, [], {
        not: {
          required: ["name", "path"],
          properties: { name: { type: "string" }, path: { type: "string" } },
        },
      }),
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
      sample: {
        type: "object",
        additionalProperties: false,
        description:
          "Settings drawn at random, `trials` times, each draw crossed with the cases and the grid.",
        properties: Object.fromEntries(Object.keys(settingProps).map((k) => [k, distribution])),
      },
      ...top,
      prune: {
        ...objectSchema(PRUNE_FIELDS),
        type: ["object", "null"],
        description:
          "Successive halving: at minEpochs, minEpochs·factor, ... epochs only the best 1/factor of the trials go on.",
      },
    },
  };
}
