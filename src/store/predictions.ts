/**
 * A trial's predictions file, `trials/<id>.pred`: what every picture of a trial is drawn from,
 * so that any of them can be drawn again from the results folder alone. It holds the test
 * labels, the predicted class of every test image (and the output vector, quantised to a byte,
 * where that is cheap) at the trial's last epoch and at its epoch of best validation accuracy,
 * the misclassified test images themselves (at most {@linkcode MAX_IMAGES} per snapshot), and
 * the first layer's weights before and after training (at most {@linkcode MAX_UNITS} units,
 * each quantised to int8 with its own scale). The worker writes it atomically; the numbers in
 * it depend only on the trial's seed and setting, never on workers or timing.
 *
 * Size: for MNIST (10,000 test images, 10 classes, 28x28) at most 10,000 (labels) +
 * 2 x 110,000 (snapshots) + 2 x 100 x 784 (images) + 2 x 100 x 788 (weights) = 544,400 bytes
 * before compression; the file is zlib-compressed (typically 60 to 150 KB).
 *
 * Layout: the 8 bytes `NSPRED01`, then zlib data of: a little-endian uint32 header length, the
 * header (JSON), and the sections the header lists, in its order; then the CRC-32 of that
 * data uncompressed, a little-endian uint32 (fflate does not check zlib's own checksum, and a
 * damaged stream can inflate to the right length).
 *
 * @module
 */
import { join } from "node:path";
import { unzlibSync, zlibSync } from "npm:fflate@0.8.2";
import { crc32, NetsweepError } from "../core/mod.ts";
import { writeFileAtomicSync } from "../coordination/mod.ts";
import { recordsDir } from "./records.ts";

/** Misclassified test images kept per snapshot (the first by test index). */
export const MAX_IMAGES = 100;
/** First-layer units (or filters) whose weights are kept (the first by index). */
export const MAX_UNITS = 100;
/** Output vectors are kept when a snapshot's test images times classes is at most this. */
export const MAX_OUTPUTS = 200_000;

const MAGIC = "NSPRED01";

/** Which epoch a snapshot is: the last one trained, and/or the one of best validation accuracy. */
export type SnapshotRole = "last" | "best";

/** The network's answers on the test set after one epoch. */
export interface PredictionSnapshot {
  /** The epoch (from 0) after which the network answered. */
  epoch: number;
  /** `last`, `best` (best validation accuracy, the later epoch on ties), or both. */
  roles: SnapshotRole[];
  /** The predicted class of each test image (the largest output; the lowest class on ties). */
  predicted: Uint8Array;
  /** Each image's outputs as round(255·y), (count, classes) row-major, or null when too big. */
  outputs: Uint8Array | null;
}

/** Some layer weights, each unit's quantised to int8: weight = values[i] · scales[unit]. */
export interface QuantisedTiles {
  /** (units, tile height, tile width) row-major. */
  values: Int8Array;
  /** One per unit: its largest absolute weight / 127. */
  scales: Float32Array;
}

/** The first layer's weights as images: each unit's weights over the input image, or each filter. */
export interface FirstLayerWeights {
  /** A fully connected first layer (a tile per hidden unit) or a convolution (a tile per filter). */
  kind: "dense" | "conv";
  /** Units (or filters) the layer has; the first `min(units, MAX_UNITS)` are kept. */
  units: number;
  /** `[height, width]` of one tile (the image's shape, or the kernel's). */
  tile: [number, number];
  /** As initialised from the trial's seed. */
  before: QuantisedTiles;
  /** After the last epoch trained; null when the trial did not finish one (or diverged). */
  after: QuantisedTiles | null;
}

/** Misclassified test images, as bytes: pixel = lo + (hi - lo) · byte / 255. */
export interface StoredImages {
  /** Each image's index in the test set, ascending. */
  index: Uint32Array;
  /** (images, height, width) row-major. */
  pixels: Uint8Array;
  /** The pixel value of byte 0. */
  lo: number;
  /** The pixel value of byte 255. */
  hi: number;
}

/** Everything a trial's pictures are drawn from. */
export interface TrialPredictions {
  /** The trial's id (the file is refused for another trial). */
  id: string;
  /** The trial's seed. */
  seed: number;
  /** Output classes. */
  classes: number;
  /** Test images. */
  count: number;
  /** `[height, width]` of one image. */
  imageShape: [number, number];
  /** The test labels. */
  labels: Uint8Array;
  /** At most two: the last epoch's and the best validation epoch's (one when they coincide). */
  snapshots: PredictionSnapshot[];
  /** The misclassified test images of each snapshot (the first {@linkcode MAX_IMAGES}). */
  images: StoredImages;
  /** Null for a first layer without weights (a network that starts with pooling). */
  weights: FirstLayerWeights | null;
}

/** Trial `id`'s predictions file in results folder `resultsDir`. */
export function predictionsFile(resultsDir: string, id: string): string {
  return join(recordsDir(resultsDir), `${id}.pred`);
}

/** The snapshot playing `role`, if the file has it. */
export function snapshotOf(
  p: TrialPredictions,
  role: SnapshotRole,
): PredictionSnapshot | undefined {
  return p.snapshots.find((s) => s.roles.includes(role));
}

interface Header {
  id: string;
  seed: number;
  classes: number;
  count: number;
  imageShape: [number, number];
  snapshots: { epoch: number; roles: SnapshotRole[]; outputs: boolean }[];
  images: { count: number; lo: number; hi: number };
  weights: { kind: "dense" | "conv"; units: number; tile: [number, number]; after: boolean } | null;
  /** Byte length of each section, in order. */
  sections: number[];
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The file's bytes (deterministic: the same predictions give the same bytes). */
export function encodePredictions(p: TrialPredictions): Uint8Array {
  const parts: ArrayBufferView[] = [p.labels];
  for (const s of p.snapshots) parts.push(s.predicted, ...(s.outputs ? [s.outputs] : []));
  parts.push(p.images.index, p.images.pixels);
  const w = p.weights;
  if (w) {
    parts.push(w.before.values, w.before.scales);
    if (w.after) parts.push(w.after.values, w.after.scales);
  }
  const header: Header = {
    id: p.id,
    seed: p.seed,
    classes: p.classes,
    count: p.count,
    imageShape: p.imageShape,
    snapshots: p.snapshots.map((s) => ({ epoch: s.epoch, roles: s.roles, outputs: !!s.outputs })),
    images: { count: p.images.index.length, lo: p.images.lo, hi: p.images.hi },
    weights: w ? { kind: w.kind, units: w.units, tile: w.tile, after: !!w.after } : null,
    sections: parts.map((x) => x.byteLength),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(4 + json.length + header.sections.reduce((a, b) => a + b, 0));
  new DataView(body.buffer).setUint32(0, json.length, true);
  body.set(json, 4);
  let at = 4 + json.length;
  for (const x of parts) {
    body.set(bytesOf(x), at);
    at += x.byteLength;
  }
  const packed = zlibSync(body, { level: 6 });
  const out = new Uint8Array(MAGIC.length + packed.length + 4);
  out.set(new TextEncoder().encode(MAGIC));
  out.set(packed, MAGIC.length);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(0, body), true);
  return out;
}

/** Reads a predictions file's bytes; throws NetsweepError (`path: problem`) when damaged. */
export function decodePredictions(bytes: Uint8Array, path: string): TrialPredictions {
  const bad = (why: string) => new NetsweepError(path, `not a usable predictions file (${why})`);
  if (new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC) {
    throw bad(`it does not start with ${MAGIC}`);
  }
  if (bytes.length < MAGIC.length + 4) throw bad("truncated");
  let body: Uint8Array;
  try {
    body = unzlibSync(bytes.subarray(MAGIC.length, bytes.length - 4));
  } catch (err) {
    throw bad(`damaged: ${(err as Error).message}`);
  }
  const crc = new DataView(bytes.buffer, bytes.byteOffset).getUint32(bytes.length - 4, true);
  if (crc32(0, body) !== crc) throw bad("damaged: its checksum does not match");
  if (body.length < 4) throw bad("truncated");
  const length = new DataView(body.buffer, body.byteOffset).getUint32(0, true);
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + length)));
  } catch {
    throw bad("its header is not JSON");
  }
  if (!Array.isArray(h?.sections) || !Array.isArray(h.snapshots)) throw bad("no section list");
  const total = 4 + length + h.sections.reduce((a: number, b: number) => a + b, 0);
  if (total !== body.length) throw bad(`${body.length} bytes where the header says ${total}`);
  let at = 4 + length;
  let next = 0;
  const take = (expected: number) => {
    const size = h.sections[next++];
    if (size !== expected) throw bad(`section ${next - 1} has ${size} bytes, not ${expected}`);
    const slice = body.slice(at, at + size); // a copy: aligned for any typed array
    at += size;
    return slice.buffer;
  };
  const n = h.count;
  const [rows, cols] = h.imageShape;
  const labels = new Uint8Array(take(n));
  const snapshots = h.snapshots.map((s) => ({
    epoch: s.epoch,
    roles: s.roles,
    predicted: new Uint8Array(take(n)),
    outputs: s.outputs ? new Uint8Array(take(n * h.classes)) : null,
  }));
  const m = h.images.count;
  const images = {
    index: new Uint32Array(take(4 * m)),
    pixels: new Uint8Array(take(m * rows * cols)),
    lo: h.images.lo,
    hi: h.images.hi,
  };
  let weights: FirstLayerWeights | null = null;
  if (h.weights) {
    const kept = Math.min(h.weights.units, MAX_UNITS);
    const size = kept * h.weights.tile[0] * h.weights.tile[1];
    const tiles = () => ({
      values: new Int8Array(take(size)),
      scales: new Float32Array(take(4 * kept)),
    });
    const before = tiles();
    weights = { ...h.weights, before, after: h.weights.after ? tiles() : null };
  }
  return {
    id: h.id,
    seed: h.seed,
    classes: h.classes,
    count: n,
    imageShape: h.imageShape,
    labels,
    snapshots,
    images,
    weights,
  };
}

/** Writes trial `p.id`'s predictions file atomically. */
export function writePredictions(resultsDir: string, p: TrialPredictions, durable = false): void {
  writeFileAtomicSync(predictionsFile(resultsDir, p.id), encodePredictions(p), { durable });
}

/**
 * Trial `id`'s predictions, or null when it has none (not finished an epoch yet, or written
 * before netsweep kept predictions). A damaged file, or one of another trial, throws
 * NetsweepError naming it.
 */
export async function readPredictions(
  resultsDir: string,
  id: string,
): Promise<TrialPredictions | null> {
  const path = predictionsFile(resultsDir, id);
  try {
    return checked(await Deno.readFile(path), path, id);
  } catch (err) {
    return unread(path, err);
  }
}

/** {@linkcode readPredictions}, synchronously (a worker resuming a trial). */
export function readPredictionsSync(resultsDir: string, id: string): TrialPredictions | null {
  const path = predictionsFile(resultsDir, id);
  try {
    return checked(Deno.readFileSync(path), path, id);
  } catch (err) {
    return unread(path, err);
  }
}

/** The predictions in `bytes`, which must be trial `id`'s. */
function checked(bytes: Uint8Array, path: string, id: string): TrialPredictions {
  const p = decodePredictions(bytes, path);
  if (p.id !== id) throw new NetsweepError(path, `written for trial ${p.id}, not ${id}`);
  return p;
}

/** A missing file is no predictions; a damaged one keeps its own error; others are named. */
function unread(path: string, err: unknown): null {
  if (err instanceof Deno.errors.NotFound) return null;
  if (err instanceof NetsweepError) throw err;
  throw new NetsweepError(path, `unreadable (${(err as Error).message.split("\n")[0]})`);
}

/**
 * A confusion matrix: `m[t * classes + p]` counts the images of true class t predicted as p.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { confusionMatrix } from "./predictions.ts";
 * const m = confusionMatrix(Uint8Array.of(0, 1, 1, 2), Uint8Array.of(0, 2, 1, 2), 3);
 * assertEquals([...m], [1, 0, 0, 0, 1, 1, 0, 0, 1]);
 * ```
 */
export function confusionMatrix(
  labels: Uint8Array,
  predicted: Uint8Array,
  classes: number,
): Int32Array {
  const m = new Int32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] < classes && predicted[i] < classes) m[labels[i] * classes + predicted[i]]++;
  }
  return m;
}
