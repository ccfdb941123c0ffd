// The audit, repeated as a test: hundreds of bad inputs generated from the field tables and the
// fixture archives, each of which must end in one readable line naming the file (and the JSON
// path or field), never a stack trace, a silent default or a wrong result. Prints the counts:
// bad inputs tried, handled cleanly.
import { assert, assertEquals } from "./_assert.ts";
import { tempDir } from "./_testdata.ts";
import { DATASET_FIELDS, type Field, SETTING_FIELDS } from "../src/experiment/fields.ts";
import { Checker } from "../src/experiment/checker.ts";
import { checkSetting, parseExperiment } from "../src/experiment/parse.ts";
import { expandTrials } from "../src/experiment/expand.ts";
import { NetsweepError } from "../src/core/errors.ts";
import { readArchive } from "../src/data/archive.ts";
import { Rng } from "../src/core/prng.ts";

/** Values a field must refuse. */
function badValues(f: Field): unknown[] {
  const out: unknown[] = [{ nested: true }, [[[]]]];
  switch (f.kind) {
    case "number":
    case "integer": {
      out.push("3", true, [], Infinity, NaN, -1e400);
      const lo = (f as { minimum?: number }).minimum ??
        (f as { exclusiveMinimum?: number }).exclusiveMinimum;
      const hi = (f as { maximum?: number }).maximum ??
        (f as { exclusiveMaximum?: number }).exclusiveMaximum;
      if (lo !== undefined) out.push(lo - 1, (f as { exclusiveMinimum?: number }).exclusiveMinimum);
      if (hi !== undefined) {
        out.push(hi * 10 + 1, (f as { exclusiveMaximum?: number }).exclusiveMaximum);
      }
      if (f.kind === "integer") out.push(2.5);
      break;
    }
    case "enum":
      out.push("definitely-not-a-value", 7, "");
      break;
    case "boolean":
      out.push("true", 1);
      break;
    case "sizes":
      out.push([784], [784, 0, 10], [784, -3, 10], [784, 2.5, 10], "784-30-10", [
        784,
        30000000,
        10,
      ]);
      break;
    case "layers":
      out.push([], [{ type: "conv" }], [{ type: "dens", size: 10 }], [{ type: "dense", size: 0 }], [
        {
          type: "conv",
          maps: 4,
          kernel: 40,
        },
        { type: "dense", size: 10 },
      ], [{ type: "pool", size: 3 }, { type: "dense", size: 10 }]);
      break;
    case "metrics":
      out.push(["testAcuracy"], "testAccuracy", [3]);
      break;
    case "schedule":
      out.push(
        { patience: 0, factor: 0.5, stopAt: 0.01 },
        { patience: 3, factor: 2, stopAt: 0.1 },
        {
          patience: 3,
        },
        5,
      );
      break;
    case "path":
      out.push(5, ["a"]);
      break;
  }
  return out.filter((v) => v !== undefined);
}

/** A typo of `name`: its second letter dropped. */
const typo = (name: string) => name[0] + name.slice(2);

Deno.test("the audit: bad experiment files, bad archives, each one readable line", async (t) => {
  let tried = 0;
  let clean = 0;
  const failures: string[] = [];
  const expectClean = (what: string, fn: () => unknown, mention: RegExp) => {
    tried++;
    try {
      fn();
      failures.push(`${what}: accepted`);
    } catch (err) {
      const msg = (err as Error).message;
      const ok = err instanceof NetsweepError && !msg.includes("\n") && mention.test(msg) &&
        !/undefined|\[object Object\]|Cannot read/.test(msg);
      if (ok) clean++;
      else failures.push(`${what}: ${(err as Error).constructor.name}: ${msg}`);
    }
  };

  await t.step("experiment files", () => {
    const base = { name: "audit", base: { sizes: [784, 30, 10], epochs: 1 } };
    for (const [key, field] of Object.entries(SETTING_FIELDS)) {
      for (const v of badValues(field as Field)) {
        // Some values are invalid only for other kinds (an exclusive bound is fine for an
        // inclusive field): keep those that the field's own rule refuses.
        const exp = { ...base, base: { ...base.base, [key]: v } };
        if (key === "sizes" || key === "layers") {
          delete (exp.base as Record<string, unknown>)[key === "sizes" ? "layers" : "sizes"];
        }
        let refused = true;
        try {
          parseExperiment(exp, "audit.json");
          refused = false;
        } catch { /* checked below */ }
        if (!refused) continue; // a value this field accepts (e.g. an inclusive bound)
        expectClean(
          `base.${key}=${JSON.stringify(v)}`,
          () => parseExperiment(exp, "audit.json"),
          new RegExp(`^audit\\.json: \\$\\.base\\.${key}`),
        );
      }
      expectClean(
        `typo ${typo(key)}`,
        () => parseExperiment({ ...base, base: { ...base.base, [typo(key)]: 1 } }, "audit.json"),
        new RegExp(`did you mean '${key}'`),
      );
      expectClean(
        `grid ${key} empty`,
        () => parseExperiment({ ...base, grid: { [key]: [] } }, "audit.json"),
        /^audit\.json: \$\.grid/,
      );
    }
    for (const [key, field] of Object.entries(DATASET_FIELDS)) {
      for (const v of badValues(field as Field)) {
        const exp = { ...base, dataset: { [key]: v } };
        let refused = true;
        try {
          parseExperiment(exp, "audit.json");
          refused = false;
        } catch { /* checked below */ }
        if (!refused) continue;
        expectClean(
          `dataset.${key}=${JSON.stringify(v)}`,
          () => parseExperiment(exp, "audit.json"),
          new RegExp(`^audit\\.json: \\$\\.dataset\\.${key}`),
        );
      }
      expectClean(
        `dataset typo ${typo(key)}`,
        () => parseExperiment({ ...base, dataset: { [typo(key)]: 1 } }, "audit.json"),
        new RegExp(`did you mean '${key}'`),
      );
    }
    const structural: [string, unknown, RegExp][] = [
      ["top-level array", [], /audit\.json/],
      ["top-level string", "x", /audit\.json/],
      ["no name", { base: {} }, /\$\.name/],
      ["name with a slash", { name: "a/b" }, /\$\.name/],
      ["unknown top-level key", { name: "a", grdi: {} }, /did you mean 'grid'/],
      ["grid not an object", { name: "a", grid: [1] }, /\$\.grid/],
      ["cases empty", { name: "a", cases: [] }, /\$\.cases/],
      [
        "case key also in grid",
        { name: "a", cases: [{ eta: 1 }], grid: { eta: [1, 2] } },
        /\$\.cases\[0\]\.eta/,
      ],
      ["repeats 0", { name: "a", repeats: 0 }, /\$\.repeats/],
      ["seed negative", { name: "a", seed: -1 }, /\$\.seed/],
      ["trials without sample", { name: "a", trials: 5 }, /\$\.trials/],
      [
        "sample of an unknown key",
        { name: "a", sample: { eat: { uniform: [0, 1] } }, trials: 2 },
        /did you mean 'eta'/,
      ],
      ["two distributions", {
        name: "a",
        sample: { eta: { uniform: [0, 1], logUniform: [1, 2] } },
        trials: 2,
      }, /\$\.sample\.eta/],
      ["prune factor 1", {
        name: "a",
        prune: { factor: 1 },
        base: { monitor: ["validationAccuracy"] },
      }, /\$\.prune\.factor/],
      ["prune metric not monitored", { name: "a", prune: {} }, /monitor/],
      ["prune unknown key", { name: "a", prune: { minEpoch: 1 } }, /did you mean 'minEpochs'/],
      ["iterations with shuffle", { name: "a", base: { iterations: 10 } }, /iterations/],
      [
        "batch norm with batches of one",
        { name: "a", base: { batchNorm: true, miniBatchSize: 1 } },
        /batchNorm/,
      ],
      ["early stopping with nothing to monitor", {
        name: "a",
        base: { earlyStopping: 3, monitor: ["trainingCost"] },
      }, /earlyStopping/],
      ["sizes and layers", {
        name: "a",
        base: { sizes: [784, 10], layers: [{ type: "dense", size: 10 }] },
      }, /sizes|layers/],
    ];
    // Cross-field rules are checked on each expanded trial.
    for (const [what, exp, re] of structural) {
      expectClean(what, () => {
        const e = parseExperiment(exp, "audit.json");
        const c = new Checker("audit.json");
        for (const t of expandTrials(e)) checkSetting(t.setting, e.prune, c, `trial ${t.index}`);
      }, re);
    }
  });

  await t.step("archives: truncated and bit-flipped copies of every fixture format", () => {
    using dir = tempDir();
    const rng = new Rng(2026);
    const fixtures = ["mnist.pkl.gz", "mnist-py3.pkl.gz", "mnist.npz", "mnist-stored.npz"];
    for (const name of fixtures) {
      const bytes = Deno.readFileSync(`tests/testdata/${name}`);
      const good = readArchive(`tests/testdata/${name}`);
      for (let k = 0; k < 12; k++) {
        const cut = 1 + Math.floor(rng.nextFloat() * (bytes.length - 2));
        const path = `${dir.path}/cut-${k}-${name}`;
        Deno.writeFileSync(path, bytes.subarray(0, cut));
        expectClean(
          `${name} cut at ${cut}`,
          () => readArchive(path),
          new RegExp(`^${path.replace(/[.]/g, "\\.")}`),
        );
      }
      for (let k = 0; k < 12; k++) {
        const at = Math.floor(rng.nextFloat() * bytes.length);
        const flipped = bytes.slice();
        flipped[at] ^= 1 << Math.floor(rng.nextFloat() * 8);
        const path = `${dir.path}/flip-${k}-${name}`;
        Deno.writeFileSync(path, flipped);
        // A flip must be refused, or (in bytes no format checks, like a stored npz's pixels)
        // give an archive of the same shape: never a crash without the file's name.
        tried++;
        try {
          const a = readArchive(path);
          const shape = (x: typeof a) =>
            JSON.stringify(Object.entries(x.splits).map(([k, s]) => [k, s.count, s.images.length]));
          const same = shape(a) === shape(good);

          if (same) clean++;
          else failures.push(`${name} flip at ${at}: a different shape`);
        } catch (err) {
          const msg = (err as Error).message;
          if (err instanceof NetsweepError && msg.startsWith(path) && !msg.includes("\n")) clean++;
          else failures.push(`${name} flip at ${at}: ${msg}`);
        }
      }
    }
  });

  console.log(`audit: ${tried} bad inputs tried, ${clean} handled cleanly`);
  assertEquals(failures, []);
  assert(tried > 300, `only ${tried} inputs`);
});
