/**
 * Records of netsweep 0.2 (format 2) named each trial by a hash that included `epochs`, so a
 * longer run started every trial again. A sweep renames the format-2 records of its dataset to
 * their format-3 ids (which leave `epochs` out) before it runs, with their checkpoints, so
 * raising `epochs` in an old folder continues its trials too. Where two old records become one
 * trial (a 2-epoch and a 3-epoch run of it), the one with more epochs is kept and the other is
 * renamed `<id>.jsonl.superseded` (no reader takes it; nothing is deleted).
 *
 * @module
 */
import { join } from "node:path";
import { trialId, trialIdFormat2 } from "../experiment/mod.ts";
import { writeFileAtomicSync } from "../coordination/mod.ts";
import {
  RECORD_FORMAT,
  recordFile,
  recordsDir,
  recordText,
  type TrialRecord,
} from "../store/mod.ts";
import { checkpointFile, checkpointFor, readCheckpoint, writeCheckpoint } from "./checkpoints.ts";
import type { SweepOutput } from "./output.ts";

/** Renames this dataset's format-2 records (see the module doc); returns what it did. */
export async function migrateFormat2(output: SweepOutput, datasetKey: string): Promise<string[]> {
  const old = [...output.trials.records.values()].filter((r) =>
    r.format === 2 && trialIdFormat2(datasetKey, r.setting, r.seed) === r.id
  );
  if (old.length === 0) return [];
  // The longest run of each new id first: it is the one kept.
  const byNew = new Map<string, TrialRecord[]>();
  for (const r of old) {
    const id = trialId(datasetKey, r.setting, r.seed);
    byNew.set(id, [...(byNew.get(id) ?? []), r]);
  }
  const done: string[] = [];
  for (const [id, records] of byNew) {
    records.sort((a, b) => b.epochs.length - a.epochs.length);
    const current = output.trials.get(id);
    const [keep, ...rest] = current && current.epochs.length >= records[0].epochs.length
      ? [null, ...records]
      : records;
    // Another process of this version may be moving it right now: its claim decides.
    if (!output.claims.take(id)) continue;
    try {
      if (keep) moveRecord(output.dir, keep, id);
      for (const r of rest) if (r) supersede(output.dir, r.id);
      done.push(`${keep ? keep.id : records[0].id} -> ${id}`);
    } finally {
      output.claims.release(id);
    }
  }
  await output.reload();
  return done;
}

function moveRecord(dir: string, rec: TrialRecord, id: string): void {
  const oldId = rec.id;
  const oldCkpt = checkpointFile(dir, oldId);
  const read = readCheckpoint(oldCkpt, checkpointFor(oldId, rec.seed));
  if (read.state) writeCheckpoint(checkpointFile(dir, id), read.state, checkpointFor(id, rec.seed));
  const moved: TrialRecord = { ...rec, format: RECORD_FORMAT, id };
  writeFileAtomicSync(recordFile(dir, id), recordText(moved), { durable: true });
  for (const path of [recordFile(dir, oldId), oldCkpt]) {
    try {
      Deno.removeSync(path);
    } catch { /* never written */ }
  }
}

function supersede(dir: string, id: string): void {
  try {
    Deno.renameSync(recordFile(dir, id), join(recordsDir(dir), `${id}.jsonl.superseded`));
  } catch { /* moved already */ }
}
