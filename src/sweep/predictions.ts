/**
 * What a worker keeps of a trial for its pictures (see `trials/<id>.pred` in the store): the
 * test-set predictions at each epoch that reaches the best validation accuracy so far (written
 * at once, so a trial resumed from a checkpoint still has them) and at the last epoch trained,
 * the misclassified test images, and the first layer's weights as initialised and as trained.
 * Everything is computed from the network's parameters at fixed epochs, so the file is the
 * same whatever the number of workers or the moment a checkpoint was written.
 *
 * @module
 */
import { Rng } from "../core/mod.ts";
import type { Dataset, Split } from "../data/mod.ts";
import type { Network } from "../model/mod.ts";
import {
  type FirstLayerWeights,
  MAX_IMAGES,
  MAX_OUTPUTS,
  MAX_UNITS,
  type PredictionSnapshot,
  type QuantisedTiles,
  readPredictionsSync,
  snapshotOf,
  type StoredImages,
  type TrialPredictions,
  type TrialStatus,
  writePredictions,
} from "../store/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";

// Evaluation draws no random numbers; a pass still carries a generator.
const EVAL = { mode: "eval" as const, rng: new Rng(0) };

/**
 * The predicted class of every image of `split` (the largest output, the lowest class on
 * ties, as `Network.evaluate` counts), and the outputs as round(255·y) when `outputs`.
 */
export function predictSplit(
  net: Network,
  split: Split,
  outputs: boolean,
): { predicted: Uint8Array; outputs: Uint8Array | null } {
  const e = net.engine;
  const n = e.classes;
  const batch = e.evalBatch;
  const ws = e.workspace(batch);
  const out = e.output(ws);
  const predicted = new Uint8Array(split.count);
  const quantised = outputs ? new Uint8Array(split.count * n) : null;
  const source = { images: split.images, sparse: split.sparse, all: false };
  for (let start = 0; start < split.count; start += batch) {
    const m = Math.min(batch, split.count - start);
    for (let i = 0; i < m; i++) ws.rows[i] = start + i;
    e.forward(ws, source, m, EVAL);
    for (let i = 0; i < m; i++) {
      const off = i * n;
      let best = 0;
      for (let j = 1; j < n; j++) if (out[off + j] > out[off + best]) best = j;
      predicted[start + i] = best;
      if (quantised) {
        const to = (start + i) * n;
        for (let j = 0; j < n; j++) {
          const y = out[off + j];
          // Sigmoid and softmax outputs lie in [0, 1]; NaN (a diverged network) is 0.
          quantised[to + j] = y > 0 ? Math.min(255, Math.round(255 * y)) : 0;
        }
      }
    }
  }
  return { predicted, outputs: quantised };
}

/** A layer's weights per unit as int8 tiles with one scale each. */
function quantise(
  weightOf: (unit: number, i: number) => number,
  units: number,
  size: number,
): QuantisedTiles {
  const values = new Int8Array(units * size);
  const scales = new Float32Array(units);
  for (let u = 0; u < units; u++) {
    let max = 0;
    for (let i = 0; i < size; i++) max = Math.max(max, Math.abs(weightOf(u, i)));
    const scale = Number.isFinite(max) && max > 0 ? max / 127 : 0;
    scales[u] = scale;
    for (let i = 0; i < size; i++) {
      values[u * size + i] = scale > 0 ? Math.round(weightOf(u, i) / scale) : 0;
    }
  }
  return { values, scales };
}

/**
 * The first layer's weights as image tiles (each hidden unit's weights over the image, or each
 * filter), the first {@linkcode MAX_UNITS}; null when the first layer has no weights.
 */
export function firstLayerTiles(
  net: Network,
  imageShape: readonly number[],
): Omit<FirstLayerWeights, "after"> | null {
  const layer = net.engine.layers[0];
  const w = layer.params.find((p) => p.name === "w");
  if (!w) return null;
  if (layer.type === "conv") {
    // (maps, channels·k·k): a single-channel input's filters are k x k.
    const maps = layer.outShape[0];
    const k = Math.round(Math.sqrt(w.data.length / maps));
    const units = Math.min(maps, MAX_UNITS);
    const size = k * k;
    return {
      kind: "conv",
      units: maps,
      tile: [k, k],
      before: quantise((u, i) => w.data[u * size + i], units, size),
    };
  }
  // A dense layer holds its weights transposed, (in, out).
  const nIn = layer.inSize;
  const nOut = layer.outSize;
  const [h, wd] = imageShape.length === 2 && imageShape[0] * imageShape[1] === nIn
    ? imageShape
    : [1, nIn];
  const units = Math.min(nOut, MAX_UNITS);
  return {
    kind: "dense",
    units: nOut,
    tile: [h, wd],
    before: quantise((u, i) => w.data[i * nOut + u], units, nIn),
  };
}

/** Keeps one trial's predictions file up to date as it trains. */
export class PredictionKeeper {
  readonly #labels: Uint8Array;
  readonly #before: Omit<FirstLayerWeights, "after"> | null;
  readonly #outputs: boolean;
  readonly #classes: number;
  #best: PredictionSnapshot | null = null;
  #bestValue = -Infinity;
  #lastEpoch: number;
  readonly #range: { lo: number; hi: number };

  /**
   * For trial `trial` of folder `dir`, with `net` as initialised (before any checkpoint is
   * restored into it). A trial resumed after `resumedAt` epochs takes its best snapshot so far
   * from its file, when that is the snapshot of the best of `kept` epochs before the resume.
   */
  constructor(
    readonly dir: string,
    readonly trial: { id: string; seed: number },
    readonly data: Pick<Dataset, "test" | "imageShape" | "inputSize">,
    net: Network,
    kept: readonly EpochMetrics[],
    resumedAt: number,
    readonly durable = false,
    /** Runs a write, or not once the sweep is stopped (the worker's stop gate). */
    readonly guard: (write: () => void) => boolean = (write) => (write(), true),
  ) {
    const test = data.test;
    this.#labels = test.labels.slice();
    this.#classes = net.engine.classes;
    this.#outputs = test.count * this.#classes <= MAX_OUTPUTS;
    this.#before = firstLayerTiles(net, data.imageShape);
    this.#lastEpoch = resumedAt - 1;
    let lo = Infinity;
    let hi = -Infinity;
    const px = test.images;
    for (let i = 0; i < px.length; i++) {
      if (px[i] < lo) lo = px[i];
      if (px[i] > hi) hi = px[i];
    }
    this.#range = { lo: Number.isFinite(lo) ? lo : 0, hi: hi > lo ? hi : lo + 1 };
    let bestEpoch = -1;
    for (const e of kept.slice(0, resumedAt)) {
      const v = e.validationAccuracy;
      if (v !== undefined && !Number.isNaN(v) && v >= this.#bestValue) {
        [this.#bestValue, bestEpoch] = [v, e.epoch];
      }
    }
    if (bestEpoch < 0) return;
    try {
      const had = readPredictionsSync(dir, trial.id);
      const best = had && had.seed === trial.seed ? snapshotOf(had, "best") : undefined;
      if (best && best.epoch === bestEpoch) this.#best = { ...best, roles: ["best"] };
    } catch { /* damaged: the snapshot is lost, later epochs may still make one */ }
  }

  /** After each finished epoch: a new best validation accuracy (or a tie) is written at once. */
  epoch(net: Network, metrics: EpochMetrics): void {
    this.#lastEpoch = metrics.epoch;
    const v = metrics.validationAccuracy;
    if (v === undefined || Number.isNaN(v) || v < this.#bestValue) return;
    this.#bestValue = v;
    this.#best = this.#snapshot(net, metrics.epoch, ["best"]);
    const file = this.#file([this.#best], null);
    this.guard(() => writePredictions(this.dir, file, this.durable));
  }

  /** After training: the last epoch's predictions and the trained first layer. */
  finish(net: Network, status: TrialStatus): void {
    const usable = status !== "diverged" && this.#lastEpoch >= 0;
    const snapshots: PredictionSnapshot[] = [];
    if (usable) {
      if (this.#best?.epoch === this.#lastEpoch) {
        snapshots.push({ ...this.#best, roles: ["last", "best"] });
      } else {
        snapshots.push(this.#snapshot(net, this.#lastEpoch, ["last"]));
        if (this.#best) snapshots.push(this.#best);
      }
    } else if (this.#best) snapshots.push(this.#best);
    if (snapshots.length === 0) return;
    const after = usable ? firstLayerTiles(net, this.data.imageShape)?.before ?? null : null;
    const file = this.#file(snapshots, after);
    this.guard(() => writePredictions(this.dir, file, this.durable));
  }

  #snapshot(net: Network, epoch: number, roles: PredictionSnapshot["roles"]): PredictionSnapshot {
    const { predicted, outputs } = predictSplit(net, this.data.test, this.#outputs);
    return { epoch, roles, predicted, outputs };
  }

  #file(
    snapshots: PredictionSnapshot[],
    after: FirstLayerWeights["after"],
  ): TrialPredictions {
    const shape = this.data.imageShape;
    const imageShape: [number, number] = shape.length === 2
      ? [shape[0], shape[1]]
      : [1, this.data.inputSize];
    return {
      id: this.trial.id,
      seed: this.trial.seed,
      classes: this.#classes,
      count: this.#labels.length,
      imageShape,
      labels: this.#labels,
      snapshots,
      images: this.#images(snapshots),
      weights: this.#before ? { ...this.#before, after } : null,
    };
  }

  /** The first misclassified images of each snapshot, by test index, as bytes. */
  #images(snapshots: PredictionSnapshot[]): StoredImages {
    const chosen = new Set<number>();
    for (const s of snapshots) {
      let n = 0;
      for (let i = 0; i < s.predicted.length && n < MAX_IMAGES; i++) {
        if (s.predicted[i] !== this.#labels[i]) {
          chosen.add(i);
          n++;
        }
      }
    }
    const index = Uint32Array.from([...chosen].sort((a, b) => a - b));
    const size = this.data.inputSize;
    const { lo, hi } = this.#range;
    const pixels = new Uint8Array(index.length * size);
    const px = this.data.test.images;
    for (let j = 0; j < index.length; j++) {
      const from = index[j] * size;
      for (let i = 0; i < size; i++) {
        pixels[j * size + i] = Math.round((255 * (px[from + i] - lo)) / (hi - lo));
      }
    }
    return { index, pixels, lo, hi };
  }
}
