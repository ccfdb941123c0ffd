/**
 * Trial checkpoints: `trials/<id>.ckpt`, a training run's whole state after some epoch
 * (parameters, optimiser state, generators), written atomically, with a checksum and the
 * trial it was written for, so a stopped or killed trial resumes with the same numbers as an
 * uninterrupted run and a damaged or foreign checkpoint is never used. The last one stays: it
 * is the trained network.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomicSync } from "../coordination/mod.ts";
import {
  checkpointAbout,
  decodeCheckpoint,
  encodeCheckpoint,
  type TrainState,
} from "../train/mod.ts";
import { recordsDir } from "../store/mod.ts";

/** A trial's checkpoint file. */
export function checkpointFile(resultsDir: string, id: string): string {
  return join(recordsDir(resultsDir), `${id}.ckpt`);
}

/** What a checkpoint of trial `id` with seed `seed` says it is for. */
export function checkpointFor(id: string, seed: number): string {
  return `trial ${id} seed ${seed}`;
}

/** Writes a checkpoint atomically; returns the seconds it took. */
export function writeCheckpoint(
  path: string,
  state: TrainState,
  about: string,
  durable = false,
): number {
  const start = performance.now();
  writeFileAtomicSync(path, encodeCheckpoint(state, about), { durable });
  return (performance.now() - start) / 1000;
}

/** A checkpoint as read: its state, or why it cannot be used (null: there is none). */
export type CheckpointRead = { state: TrainState } | { state: null; problem: string | null };

/** The checkpoint at `path` if it is intact and was written for `about`. */
export function readCheckpoint(path: string, about: string): CheckpointRead {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { state: null, problem: null };
    return { state: null, problem: `${path}: unreadable (${(err as Error).message})` };
  }
  const written = checkpointAbout(bytes);
  if (written !== null && written !== about) {
    return { state: null, problem: `${path}: written for ${written}, not ${about}` };
  }
  try {
    return { state: decodeCheckpoint(bytes, path) };
  } catch (err) {
    return { state: null, problem: (err as Error).message };
  }
}
