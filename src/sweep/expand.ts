/**
 * From an experiment to its trials: the cartesian product of the grid, crossed with the cases,
 * times the repeats. A trial's identity and seed derive from its resolved setting and the
 * experiment seed only, never from the number of workers or shards.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { deriveSeed } from "../network/prng.ts";
import { NetsweepError } from "../errors.ts";
import {
  type DatasetSpec,
  type Experiment,
  parseExperiment,
  type Setting,
  SETTING_FIELDS,
} from "./schema.ts";
import { suggest } from "./_suggest.ts";

/** One run of the sweep. */
export interface Trial {
  /** 12 hex digits of the SHA-256 of the dataset, setting and seed. */
  id: string;
  /** Position in the expansion. */
  index: number;
  setting: Setting;
  repeat: number;
  seed: number;
}

/** The setting with its keys in the table's order, so equal settings hash equally. */
export function canonicalSetting(s: Setting): Setting {
  return Object.fromEntries(
    Object.keys(SETTING_FIELDS).map((k) => [k, s[k as keyof Setting]]),
  ) as unknown as Setting;
}

/** The id of a trial of `setting` with `seed` on `dataset`. */
export function trialId(dataset: DatasetSpec, setting: Setting, seed: number): string {
  const text = JSON.stringify({ dataset, setting: canonicalSetting(setting), seed });
  return createHash("sha256").update(text).digest("hex").slice(0, 12);
}

function cartesian(grid: Record<string, unknown[]>): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(grid)) {
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  }
  return points;
}

/**
 * Expands an experiment into its trials, in a stable order: cases, then grid points, then
 * repeats.
 *
 * @example
 * ```ts
 * import { parseExperiment } from "./schema.ts";
 * import { expandTrials } from "./expand.ts";
 * const exp = parseExperiment({ name: "x", grid: { eta: [0.1, 1] }, repeats: 2 }, "x.json");
 * const trials = expandTrials(exp);
 * console.assert(trials.length === 4 && trials[2].setting.eta === 1);
 * ```
 */
export function expandTrials(exp: Experiment): Trial[] {
  const cases = exp.cases.length > 0 ? exp.cases : [{}];
  const trials: Trial[] = [];
  const seen = new Set<string>();
  for (const c of cases) {
    for (const point of cartesian(exp.grid as Record<string, unknown[]>)) {
      const setting = canonicalSetting({ ...exp.base, ...c, ...point } as Setting);
      for (let repeat = 0; repeat < exp.repeats; repeat++) {
        const seed = deriveSeed(exp.seed, setting, repeat);
        const id = trialId(exp.dataset, setting, seed);
        if (seen.has(id)) continue; // the same setting reached twice (a case equal to a grid point)
        seen.add(id);
        trials.push({ id, index: trials.length, setting, repeat, seed });
      }
    }
  }
  return trials;
}

/**
 * Applies `--set key=value` overrides to a parsed experiment file (raw JSON): each value is
 * JSON (or a bare string), goes into `base`, and replaces the key in the grid and the cases
 * so that it holds for every trial. Values are validated like the file.
 */
export function applyOverrides(json: unknown, sets: string[]): unknown {
  if (sets.length === 0) return json;
  const overrides: Record<string, unknown> = {};
  for (const text of sets) {
    const eq = text.indexOf("=");
    if (eq <= 0) throw new NetsweepError("--set", `expected key=value, got '${text}'`);
    const key = text.slice(0, eq).trim();
    const raw = text.slice(eq + 1).trim();
    if (!(key in SETTING_FIELDS)) {
      const near = suggest(key, Object.keys(SETTING_FIELDS));
      throw new NetsweepError(
        "--set",
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
  parseExperiment({ name: "overrides", base: overrides }, "--set"); // validates the values
  const obj = { ...(json as Record<string, unknown>) };
  obj.base = { ...(obj.base as object ?? {}), ...overrides };
  if (obj.grid && typeof obj.grid === "object") {
    obj.grid = Object.fromEntries(Object.entries(obj.grid).filter(([k]) => !(k in overrides)));
  }
  if (Array.isArray(obj.cases)) {
    obj.cases = obj.cases.map((c) =>
      c && typeof c === "object"
        ? Object.fromEntries(Object.entries(c).filter(([k]) => !(k in overrides)))
        : c
    );
  }
  return obj;
}

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `i/n`. */
export function parseShard(text: string, source = "--shard"): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = m ? { index: Number(m[1]), count: Number(m[2]) } : null;
  if (!shard || shard.count < 1 || shard.index >= shard.count) {
    throw new NetsweepError(source, `expected i/n with 0 <= i < n, got '${text}'`);
  }
  return shard;
}

/**
 * The shard a scheduler assigned through the environment: Kubernetes Indexed Jobs
 * (`JOB_COMPLETION_INDEX`, with the count in `NETSWEEP_SHARDS`, which the manifest sets to
 * its `completions`) or SLURM job arrays (`SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT`,
 * `SLURM_ARRAY_TASK_MIN`). Undefined when none is set.
 */
export function shardFromEnv(env: Record<string, string | undefined>): Shard | undefined {
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    if (env.NETSWEEP_SHARDS === undefined) {
      throw new NetsweepError(
        "JOB_COMPLETION_INDEX",
        "set NETSWEEP_SHARDS to the job's completions to shard an Indexed Job",
      );
    }
    return parseShard(`${env.JOB_COMPLETION_INDEX}/${env.NETSWEEP_SHARDS}`, "JOB_COMPLETION_INDEX");
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    const index = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    return parseShard(`${index}/${env.SLURM_ARRAY_TASK_COUNT}`, "SLURM_ARRAY_TASK_ID");
  }
  return undefined;
}

/** The trials of one shard: every count-th trial of the expansion, from index. */
export function selectShard(trials: Trial[], shard: Shard | undefined): Trial[] {
  return shard ? trials.filter((t) => t.index % shard.count === shard.index) : trials;
}
