/**
 * The JSON Schema of experiment files (`experiments/schema.json`, for editors' completion),
 * generated from the same field tables the validator uses, so the two cannot drift.
 *
 * @module
 */
import { LAYER_FIELDS } from "../vocabulary/mod.ts";
import { DATASET_FIELDS, type Field, METRIC_VALUES, SETTING_FIELDS } from "./fields.ts";
import { DISTRIBUTION_NAMES } from "./distributions.ts";

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

const LAYER_SCHEMA = {
  oneOf: Object.entries(LAYER_FIELDS).map(([type, fields]) => ({
    type: "object",
    additionalProperties: false,
    required: ["type", ...Object.entries(fields).filter(([, f]) => f.required).map(([k]) => k)],
    properties: {
      type: { const: type },
      ...Object.fromEntries(
        Object.entries(fields).map(([k, f]) => [
          k,
          f.kind === "integer"
            ? {
              type: "integer",
              minimum: f.minimum ?? 1,
              maximum: f.maximum,
              description: f.description,
            }
            : { type: "number", minimum: 0, exclusiveMaximum: 1, description: f.description },
        ]),
      ),
    },
  })),
};

function fieldSchema(f: Field): Record<string, unknown> {
  const base = { description: f.description, default: f.default };
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
      return { type: "array", items: { type: "integer", minimum: 1 }, minItems: 2, ...base };
    case "layers":
      return { type: ["array", "null"], items: LAYER_SCHEMA, minItems: 1, ...base };
    case "metrics":
      return { type: "array", items: { enum: METRIC_VALUES }, uniqueItems: true, ...base };
    case "schedule":
      return {
        type: ["object", "null"],
        additionalProperties: false,
        required: ["patience", "factor", "stopAt"],
        properties: {
          patience: { type: "integer", minimum: 1 },
          factor: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
          stopAt: { type: "number", exclusiveMinimum: 0, maximum: 1 },
        },
        ...base,
      };
    case "path":
      return { type: ["string", "null"], ...base };
  }
}

/** The JSON Schema of experiment files. */
export function experimentJsonSchema(): Record<string, unknown> {
  const settingProps = Object.fromEntries(
    Object.entries(SETTING_FIELDS).map(([k, f]) => [k, fieldSchema(f as Field)]),
  );
  const setting = { type: "object", additionalProperties: false, properties: settingProps };
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
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "netsweep experiment",
    description:
      "A hyperparameter sweep: base settings, a grid, cases and samples, repeats, a seed, and optional pruning.",
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
      sample: {
        type: "object",
        additionalProperties: false,
        description:
          "Settings drawn at random, `trials` times, each draw crossed with the cases and the grid.",
        properties: Object.fromEntries(Object.keys(settingProps).map((k) => [k, distribution])),
      },
      trials: { type: "integer", minimum: 1, description: "Draws of the sample block." },
      repeats: { type: "integer", minimum: 1, default: 1, description: "Seeds per setting." },
      seed: {
        type: "integer",
        minimum: 0,
        maximum: 4294967295,
        default: 1,
        description: "Experiment seed.",
      },
      prune: {
        type: ["object", "null"],
        additionalProperties: false,
        description:
          "Successive halving: at minEpochs, minEpochs·factor, ... epochs only the best 1/factor of the trials go on.",
        properties: {
          metric: { enum: METRIC_VALUES, default: "validationAccuracy" },
          minEpochs: { type: "integer", minimum: 1, default: 1 },
          factor: { type: "integer", minimum: 2, default: 3 },
        },
      },
    },
  };
}
