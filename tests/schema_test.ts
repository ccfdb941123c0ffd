// The JSON Schema and the checker cannot drift: experiments generated from the field tables
// (every bound and its neighbours, wrong types, every enum value and a near miss, missing and
// extra keys) are judged by a real JSON Schema validator (Ajv, draft 2020-12) and by
// parseExperiment, and the two must agree on each. Rules that JSON Schema cannot state (a
// key in both the grid and a case, validation images without training images) are the
// checker's alone and are not generated here.
import { Ajv2020 } from "ajv/dist/2020.js";
import { assert } from "./_assert.ts";
import {
  DATASET_FIELDS,
  experimentJsonSchema,
  type Field,
  LAYER_FIELDS,
  NetsweepError,
  parseExperiment,
  PRUNE_FIELDS,
  SCHEDULE_FIELDS,
  SETTING_FIELDS,
  TOP_FIELDS,
} from "../mod.ts";
import { layerField } from "../src/experiment/mod.ts";

/** Values around a field's constraints, valid and not. */
function probes(f: Field): unknown[] {
  const wrong = ["x", true, [], {}, null, 1.5];
  switch (f.kind) {
    case "number": {
      const out: unknown[] = [f.default, 0, -1, 1, 1e300, -1e300, ...wrong];
      for (const b of [f.minimum, f.exclusiveMinimum, f.maximum, f.exclusiveMaximum]) {
        if (b !== undefined) out.push(b, b * (1 + 1e-9) + 1e-12, b * (1 - 1e-9) - 1e-12);
      }
      return out;
    }
    case "integer":
      return [
        f.default,
        f.minimum,
        f.minimum - 1,
        f.maximum,
        f.maximum + 1,
        f.minimum + 0.5,
        ...wrong,
      ];
    case "enum":
      return [
        ...f.values,
        `${f.values[0]}x`,
        String(f.values[0]),
        typeof f.values[0] === "number" ? f.values[0] + 1 : 1,
        ...wrong,
      ];
    case "boolean":
      return [true, false, 0, "true", null];
    case "sizes":
      return [[784, 30, 10], [784], [784, 0, 10], [784, 1.5, 10], [784, 2e6, 10], "784", null];
    case "metrics":
      return [["testAccuracy"], ["testAccuracy", "testAccuracy"], ["nope"], "testAccuracy", null];
    case "path":
      return ["a.pkl.gz", null, 3, true];
    case "schedule":
      return [null, ...scheduleProbes()];
    case "layers":
      return [null, ...layerProbes()];
  }
}

function scheduleProbes(): unknown[] {
  const ok = { patience: 10, factor: 0.5, stopAt: 1 / 128 };
  const out: unknown[] = [ok, { ...ok, extra: 1 }, {}, "10/0.5"];
  for (const [k, f] of Object.entries(SCHEDULE_FIELDS)) {
    for (const v of probes(f)) out.push({ ...ok, [k]: v });
    const { [k]: _gone, ...rest } = ok as Record<string, unknown>;
    out.push(rest);
  }
  return out;
}

function layerProbes(): unknown[] {
  const out: unknown[] = [[], [{ type: "dense" }], [{ type: "dens", size: 10 }], "dense"];
  for (const [type, fields] of Object.entries(LAYER_FIELDS)) {
    const ok = Object.fromEntries(
      Object.entries(fields).filter(([, f]) => f.required).map(([k]) => [k, 2]),
    );
    out.push([{ type, ...ok }], [{ type, ...ok, extra: 1 }]);
    for (const [k, f] of Object.entries(fields)) {
      for (const v of probes(layerField(f))) out.push([{ type, ...ok, [k]: v }]);
    }
  }
  return out;
}

/** Generated experiments, each named for messages. */
function experiments(): [string, unknown][] {
  const out: [string, unknown][] = [];
  const text = (v: unknown) => JSON.stringify(v) ?? String(v);
  for (const [k, f] of Object.entries(SETTING_FIELDS) as [string, Field][]) {
    for (const v of probes(f)) {
      out.push([`base.${k} = ${text(v)}`, { name: "t", base: { [k]: v } }]);
      out.push([`grid.${k} = [${text(v)}]`, { name: "t", grid: { [k]: [v] } }]);
    }
  }
  for (const [k, f] of Object.entries(DATASET_FIELDS) as [string, Field][]) {
    if (k === "validationImages") continue; // needs trainingImages: a rule between two keys
    for (const v of probes(f)) {
      out.push([`dataset.${k} = ${text(v)}`, { name: "t", dataset: { [k]: v } }]);
    }
  }
  for (const [k, f] of Object.entries(PRUNE_FIELDS) as [string, Field][]) {
    for (const v of probes(f)) {
      out.push([`prune.${k} = ${text(v)}`, {
        name: "t",
        base: { monitor: ["testAccuracy", "validationAccuracy", "testCost"] },
        prune: { [k]: v },
      }]);
    }
  }
  for (const [k, f] of Object.entries(TOP_FIELDS) as [string, Field][]) {
    for (const v of probes(f)) {
      const sample = k === "trials" ? { sample: { eta: { logUniform: [0.1, 1] } } } : {};
      out.push([`${k} = ${text(v)}`, { name: "t", ...sample, [k]: v }]);
    }
  }
  for (const name of ["t", "a.b-c_d", "", "-x", "a/b", "a b", 3, null]) {
    out.push([`name = ${text(name)}`, { name }]);
  }
  out.push(["no name", {}], ["unknown top key", { name: "t", nmae: 1 }]);
  out.push(["trials without sample", { name: "t", trials: 2 }]);
  out.push(["sample without trials", { name: "t", sample: { eta: { uniform: [0.1, 1] } } }]);
  return out;
}

Deno.test("the JSON Schema and the checker accept and refuse the same experiments", () => {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  const validate = ajv.compile(experimentJsonSchema());
  const disagreements: string[] = [];
  let accepted = 0;
  const cases = experiments();
  for (const [what, json] of cases) {
    const bySchema = validate(json) as boolean;
    let byChecker = true;
    let why = "";
    try {
      parseExperiment(structuredClone(json), "x.json");
    } catch (err) {
      if (!(err instanceof NetsweepError)) throw err;
      byChecker = false;
      why = err.message;
    }
    if (byChecker) accepted++;
    if (bySchema !== byChecker) {
      disagreements.push(
        `${what}: schema ${bySchema ? "accepts" : "refuses"}, checker ${
          byChecker ? "accepts" : `refuses (${why})`
        }${bySchema ? "" : ` [${ajv.errorsText(validate.errors)}]`}`,
      );
    }
  }
  assert(disagreements.length === 0, `\n${disagreements.join("\n")}`);
  // Both outcomes are exercised in numbers.
  assert(accepted > 200 && cases.length - accepted > 500, `${accepted} of ${cases.length}`);
});
