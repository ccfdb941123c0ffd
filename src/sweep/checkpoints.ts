/**
 * Trial checkpoints: `trials/<id>.ckpt`, a training run's whole state after some epoch
 * (parameters, optimiser state, generators), written atomically, so a stopped or killed trial
 * resumes with the same numbers as an uninterrupted run. The last one stays: it is the trained
 * network.
 *
 * @module
 */
import { join } from "node:path";
import { decodeCheckpoint, encodeCheckpoint, type TrainState } from "../train/mod.ts";
import { writeFileAtomicSync } from "../coordination/mod.ts";
import { recordsDir } from "../store/mod.ts";

/** A trial's checkpoint file. */
export function checkpointFile(resultsDir: string, id: string): string {
  return join(recordsDir(resultsDir), `${id}.ckpt`);
}

/** Writes a checkpoint atomically; returns the seconds it took. */
export function writeCheckpoint(path: string, state: TrainState): number {
  const start = performance.now();
  writeFileAtomicSync(path, encodeCheckpoint(state));
  return (performance.now() - start) / 1000;
}

/** The checkpoint at `path`, or null when there is none or it cannot be used. */
export function readCheckpoint(path: string): TrainState | null {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch {
    return null;
  }
  try {
    return decodeCheckpoint(bytes, path);
  } catch {
    return null; // damaged: the trial starts over, which gives the same numbers
  }
}
