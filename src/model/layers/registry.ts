/**
 * The layer kinds an experiment's `layers` list may name, one entry each: its fields (for the
 * experiment schema), how its output shape follows from its input (with errors that name the
 * layer and the shapes), and how it is built. A new layer kind is one file and one entry.
 *
 * @module
 */
import type { Activation, Cost, DenseSpec, LayerSpec } from "../../vocabulary/mod.ts";
import type { WasmArena } from "../_arena.ts";
import { type Layer, shapeText, sizeOf } from "./_layer.ts";
import { DenseLayer } from "./dense.ts";
import { ConvLayer } from "./conv.ts";
import { PoolLayer } from "./pool.ts";

/** The whole network as a Network is built from it. */
export interface NetworkSpec {
  /** Shape of one input: `[n]`, or `[channels, height, width]`. */
  inputShape: readonly number[];
  /** The layers after the input, the last one being the output layer. */
  layers: readonly LayerSpec[];
  activation: Activation;
  cost: Cost;
  /** Batch normalisation after every hidden fully connected layer's affine step. */
  batchNorm: boolean;
  /** Dropout of hidden neurons: every dense layer after the first drops its inputs. */
  dropout: number;
}

/** One planned layer: its spec, shapes and how it is built. */
export interface PlannedLayer {
  /** Index in the spec's `layers` (a conv with the pool that follows it: the conv's). */
  index: number;
  kind: LayerSpec["type"];
  inShape: number[];
  outShape: number[];
  /** Learnable values. */
  parameters: number;
  /** Floats of batch buffers per example, and once per batch. */
  perExample: number;
  perBatch: number;
  build(arena: WasmArena): Layer;
}

/** A shape problem, with the layer's position and its text. */
export class LayerShapeError extends Error {
  constructor(readonly where: string, problem: string) {
    super(`${where}: ${problem}`);
  }
}

/** `layers[i] (conv 20x5x5)` */
function label(spec: LayerSpec, i: number): string {
  const what = spec.type === "dense"
    ? `dense ${spec.size}`
    : spec.type === "conv"
    ? `conv ${spec.maps}x${spec.kernel}x${spec.kernel}`
    : `pool ${spec.size}`;
  return `layers[${i}] (${what})`;
}

/**
 * Checks that the layers fit each other and the input, and plans each one's shapes, size and
 * buffers (nothing is allocated). A conv directly followed by a pool becomes one conv-pool
 * layer. Throws {@linkcode LayerShapeError} naming the layer and the shapes.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../../tests/_assert.ts";
 * import { planNetwork } from "./registry.ts";
 * const plan = planNetwork({
 *   inputShape: [1, 28, 28], activation: "sigmoid", cost: "log-likelihood", batchNorm: false, dropout: 0,
 *   layers: [{ type: "conv", maps: 20, kernel: 5 }, { type: "pool", size: 2 }, { type: "dense", size: 100 }, { type: "dense", size: 10 }],
 * });
 * assertEquals(plan.map((p) => p.outShape), [[20, 12, 12], [100], [10]]);
 * assertEquals(plan.map((p) => p.parameters), [520, 288100, 1010]);
 * ```
 */
export function planNetwork(spec: NetworkSpec): PlannedLayer[] {
  const plan: PlannedLayer[] = [];
  let shape = [...spec.inputShape];
  const specs = spec.layers;
  const last = specs.length - 1;
  if (specs.length === 0) throw new LayerShapeError("layers", "needs at least one layer");
  if (specs[last].type !== "dense") {
    throw new LayerShapeError(
      label(specs[last], last),
      "the last layer must be dense (the output layer)",
    );
  }
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    const where = label(s, i);
    const inShape = shape;
    if (s.type === "dense") {
      const isFirst = plan.length === 0;
      const hidden = i !== last;
      const dropout = s.dropout ?? (isFirst ? 0 : spec.dropout);
      if (!(dropout >= 0 && dropout < 1)) {
        throw new LayerShapeError(where, `dropout must be in [0, 1), got ${dropout}`);
      }
      const inSize = sizeOf(inShape);
      // The first layer lists each image's non-zero pixels for the sparse kernel; with
      // dropout on the pixels it reads the gathered images instead, masks and all.
      const sparseInput = isFirst && dropout === 0;
      const batchNorm = spec.batchNorm && hidden;
      const out = s.size;
      plan.push({
        index: i,
        kind: "dense",
        inShape,
        outShape: [out],
        parameters: inSize * out + out + (batchNorm ? 2 * out : 0),
        perExample: 3 * out + (batchNorm ? 2 * out : 0) + (dropout > 0 ? 2 * inSize : 0) +
          (sparseInput ? 1.5 * inSize : 0),
        perBatch: 0,
        build: (arena) =>
          new DenseLayer(arena, {
            inSize,
            outSize: out,
            activation: hidden ? spec.activation : null,
            cost: spec.cost,
            batchNorm,
            dropout,
            sparseInput,
            inShape,
          }),
      });
      shape = [out];
    } else if (s.type === "conv") {
      if (inShape.length !== 3) {
        throw new LayerShapeError(
          where,
          `needs maps (channels x height x width), got ${shapeText(inShape)}`,
        );
      }
      const [c, h, w] = inShape;
      const k = s.kernel;
      if (k > h || k > w) {
        throw new LayerShapeError(where, `kernel ${k} is larger than its ${h}x${w} input`);
      }
      const oh = h - k + 1;
      const ow = w - k + 1;
      const next = specs[i + 1];
      const pool = next?.type === "pool" ? next.size : 1;
      if (oh % pool !== 0 || ow % pool !== 0) {
        throw new LayerShapeError(
          label(next!, i + 1),
          `pool ${pool} does not divide the ${s.maps}x${oh}x${ow} output of ${where}`,
        );
      }
      const P = oh * ow;
      const outShape = [s.maps, oh / pool, ow / pool];
      const outSize = sizeOf(outShape);
      const ckk = c * k * k;
      plan.push({
        index: i,
        kind: "conv",
        inShape,
        outShape,
        parameters: s.maps * ckk + s.maps,
        perExample: ckk * P + 2 * s.maps * P + 3 * outSize,
        perBatch: ckk * P,
        build: (arena) =>
          new ConvLayer(arena, {
            inShape,
            maps: s.maps,
            kernel: k,
            pool,
            activation: spec.activation,
          }),
      });
      shape = outShape;
      if (pool > 1) i++; // the pool is part of this layer
    } else {
      if (inShape.length !== 3) {
        throw new LayerShapeError(
          where,
          `needs maps (channels x height x width), got ${shapeText(inShape)}`,
        );
      }
      const [c, h, w] = inShape;
      if (h % s.size !== 0 || w % s.size !== 0) {
        throw new LayerShapeError(
          where,
          `pool ${s.size} does not divide its ${shapeText(inShape)} input`,
        );
      }
      const outShape = [c, h / s.size, w / s.size];
      plan.push({
        index: i,
        kind: "pool",
        inShape,
        outShape,
        parameters: 0,
        perExample: 2 * sizeOf(outShape),
        perBatch: 0,
        build: () => new PoolLayer(inShape, s.size),
      });
      shape = outShape;
    }
  }
  return plan;
}

/** The layers of a fully connected network of `sizes` (`[784, 30, 10]`). */
export function denseLayers(sizes: readonly number[]): DenseSpec[] {
  return sizes.slice(1).map((size) => ({ type: "dense", size }));
}

/**
 * Bytes a network's kernel memory needs to train with batches of `batch` and evaluate with
 * batches of `evalBatch`: parameters, their gradients, and the buffers of both batch sizes
 * and of a single example.
 */
export function memoryBytes(
  plan: readonly PlannedLayer[],
  batch: number,
  evalBatch: number,
): number {
  let floats = 0;
  for (const p of plan) {
    // Values, gradients, and two optimiser state arrays (Adam's moments).
    floats += 4 * p.parameters;
    floats += (batch + evalBatch + 1) * p.perExample + 3 * p.perBatch;
  }
  const input = sizeOf(plan[0].inShape);
  floats += (batch + evalBatch + 1) * input; // gathered input rows
  return Math.ceil(floats * 4 * 1.1) + (1 << 20);
}

/** The batch used to evaluate whole splits: smaller for convolutions, whose columns are big. */
export function evalBatchFor(plan: readonly PlannedLayer[]): number {
  return plan.some((p) => p.kind === "conv") ? 100 : 500;
}
