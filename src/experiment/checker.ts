/**
 * The checks behind every experiment error: values against the field tables, each failure one
 * line naming the file and the JSON path, quoting the value, with a "did you mean" for a
 * misspelt name.
 *
 * @module
 */
import { NetsweepError } from "../core/mod.ts";
import { LAYER_FIELDS, type LayerSpec } from "../vocabulary/mod.ts";
import { type KeySection, suggest, suggestKeys } from "./_suggest.ts";
import {
  DATASET_FIELDS,
  type Field,
  layerField,
  MAX_WIDTH,
  METRIC_VALUES,
  PRUNE_FIELDS,
  SCHEDULE_FIELDS,
  type Setting,
  SETTING_FIELDS,
  SETTING_KEYS,
  type SettingKey,
  TOP_FIELDS,
} from "./fields.ts";
import {
  type Distribution,
  DISTRIBUTION_NAMES,
  distributionOf,
  DISTRIBUTIONS,
} from "./distributions.ts";

/** The sections of an experiment file a key may belong in, for "did you mean" across them. */
const SECTIONS: KeySection[] = [
  { path: "$", keys: ["name", "description", ...Object.keys(TOP_FIELDS)] },
  { path: "$.dataset", keys: Object.keys(DATASET_FIELDS) },
  { path: "$.base", keys: SETTING_KEYS },
  { path: "$.prune", keys: Object.keys(PRUNE_FIELDS) },
];

/**
 * The sections other than the one at `path` (a setting in grid, a case or sample is one of
 * `$.base`); none for a layer, a schedule or a distribution, whose keys are their own.
 */
function otherSections(path: string): KeySection[] {
  const section = /^\$\.(grid|sample|cases\[\d+\])$/.test(path) ? "$.base" : path;
  if (!SECTIONS.some((s) => s.path === section)) return [];
  return SECTIONS.filter((s) => s.path !== section);
}

/** JSON text of a value for messages (JSON has no Infinity: a too-large number says so). */
export function show(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "number" && !Number.isFinite(v)) return `${v} (a number too large for a float)`;
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = Array.isArray(v) ? "[...]" : "{...}"; // nested too deep to print
  }
  // A message is one readable line: a huge value is quoted by its start.
  return text.length > 80 ? `${text.slice(0, 60)}... (${text.length} characters)` : text;
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
        const near = suggestKeys(key, path, known, otherSections(path))
          .map((s) => `'${s}'`).join(" or ");
        this.fail(
          `${path}.${key}`,
          `unknown key '${key}'${near ? ` (did you mean ${near}?)` : ""}`,
        );
      }
    }
    return value as Record<string, unknown>;
  }

  /**
   * An object of the `fields` table: unknown keys refused, `required` ones present, each value
   * checked. Absent optional keys take their defaults.
   */
  fields<T>(
    value: unknown,
    path: string,
    fields: Record<string, Field>,
    required: readonly string[] = [],
  ): T {
    const o = this.object(value, path, Object.keys(fields));
    const out: Record<string, unknown> = {};
    for (const [k, f] of Object.entries(fields)) {
      if (o[k] === undefined) {
        if (required.includes(k)) this.fail(`${path}.${k}`, "is required");
        out[k] = f.default;
      } else out[k] = this.field(f, o[k], `${path}.${k}`);
    }
    return out as T;
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
      case "schedule":
        if (value === null) return null;
        return this.fields(value, path, SCHEDULE_FIELDS, Object.keys(SCHEDULE_FIELDS));
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
        this.field(layerField(f), o[k], `${at}.${k}`);
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

  /**
   * A resolved setting, as a trial record's header holds it (every key may be there; a layered
   * network's `sizes` is empty): each value checked against its field.
   */
  resolvedSetting(value: unknown, path: string): Partial<Setting> {
    const obj = this.object(value, path, SETTING_KEYS);
    const layered = obj.layers !== undefined && obj.layers !== null;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(obj)) {
      const empty = key === "sizes" && layered && Array.isArray(v) && v.length === 0;
      out[key] = empty ? [] : this.field(SETTING_FIELDS[key as SettingKey], v, `${path}.${key}`);
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
