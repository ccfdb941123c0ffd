/**
 * Shards: which trials of a sweep one process runs when a sweep is spread over processes
 * (`--shard i/n`, or the scheduler's environment).
 *
 * @module
 */
import { NetsweepError } from "../core/mod.ts";
import type { Trial } from "./expand.ts";

/** Shard `index` (0-based) of `count`. */
export interface Shard {
  /** This shard, from 0. */
  index: number;
  /** Shards in all. */
  count: number;
}

/**
 * Parses `i/n`.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { parseShard } from "./shard.ts";
 * assertEquals(parseShard("1/3"), { index: 1, count: 3 });
 * ```
 */
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
 * its `completions`) or SLURM job arrays (`SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`,
 * with `SLURM_ARRAY_TASK_MIN` and `SLURM_ARRAY_TASK_STEP` for arrays like `--array=0-6:2`).
 * Undefined when none is set; half a setting is an error, never a silent full run.
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
  if (env.NETSWEEP_SHARDS !== undefined) {
    throw new NetsweepError(
      "NETSWEEP_SHARDS",
      "is set but no JOB_COMPLETION_INDEX tells this process its shard (use --shard i/n)",
    );
  }
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    if (env.SLURM_ARRAY_TASK_COUNT === undefined) {
      throw new NetsweepError(
        "SLURM_ARRAY_TASK_ID",
        "is set without SLURM_ARRAY_TASK_COUNT: use --shard i/n",
      );
    }
    const step = Number(env.SLURM_ARRAY_TASK_STEP ?? 1);
    const offset = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    if (!(step >= 1) || offset % step !== 0) {
      throw new NetsweepError(
        "SLURM_ARRAY_TASK_ID",
        `task ${env.SLURM_ARRAY_TASK_ID} is not on the array's grid (min ${
          env.SLURM_ARRAY_TASK_MIN ?? 0
        }, step ${step})`,
      );
    }
    return parseShard(`${offset / step}/${env.SLURM_ARRAY_TASK_COUNT}`, "SLURM_ARRAY_TASK_ID");
  }
  return undefined;
}

/** The trials of one shard: every count-th trial of the expansion, from index. */
export function selectShard(trials: Trial[], shard: Shard | undefined): Trial[] {
  return shard ? trials.filter((t) => t.index % shard.count === shard.index) : trials;
}
