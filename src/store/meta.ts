/**
 * The experiments of a results directory: `experiments/<hash>.json`, one per resolved
 * experiment file that wrote trials there (two files sharing a `name` write two), with the
 * dataset's identity and split sizes and the run environment. Trial records name theirs.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Experiment } from "../experiment/mod.ts";
import { writeFileAtomic } from "../coordination/mod.ts";

/** What a results directory keeps about one experiment. */
export interface ExperimentMeta {
  /** Names the file: `experiments/<hash>.json`. */
  hash: string;
  /** The resolved experiment. */
  experiment: Experiment;
  /** The dataset's identity (package name, or file name, size and checksum). */
  dataset: string;
  /** Images per split, for Nielsen's `9542 / 10000`. */
  counts: { training: number; validation: number | null; test: number };
  /** The run environment of the process that wrote it. */
  environment: Record<string, unknown>;
}

/** The hash naming an experiment's file: what it resolves to and the data it runs on. */
export function experimentHash(experiment: Experiment, dataset: string): string {
  return createHash("sha256").update(JSON.stringify({ experiment, dataset })).digest("hex").slice(
    0,
    12,
  );
}

/** Writes `meta` unless its file exists. */
export async function writeMeta(dir: string, meta: ExperimentMeta): Promise<void> {
  const path = join(dir, "experiments", `${meta.hash}.json`);
  try {
    await Deno.stat(path);
    return;
  } catch { /* not yet written */ }
  await writeFileAtomic(path, JSON.stringify(meta, null, 2) + "\n");
}

/** Every experiment meta of a results directory, by hash; unreadable ones are skipped. */
export async function readMetas(dir: string): Promise<Map<string, ExperimentMeta>> {
  const metas = new Map<string, ExperimentMeta>();
  let entries: Deno.DirEntry[] = [];
  try {
    entries = await Array.fromAsync(Deno.readDir(join(dir, "experiments")));
  } catch {
    return metas;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.name.endsWith(".json")) continue;
    try {
      const meta = JSON.parse(
        await Deno.readTextFile(join(dir, "experiments", e.name)),
      ) as ExperimentMeta;
      if (meta?.hash && meta.experiment) metas.set(meta.hash, meta);
    } catch { /* a foreign or torn file: not ours */ }
  }
  return metas;
}
