/**
 * The layer kinds an experiment's `layers` list may name, one entry each: its fields (for the
 * experiment schema), how its output shape follows from its input (with errors that name the
 * layer and the shapes), and how it is built. A new layer kind is one file and one entry.
 *
 * @module
 */
import { MAX_CODES } from "../../data/mod.ts";
import type {
  Activation,
  ConvSpec,
  Cost,
  DenseSpec,
  LayerSpec,
  PoolSpec,
} from "../../vocabulary/mod.ts";
import type { WasmArena } from "../_arena.ts";
import { type Layer, positions, shapeText, sizeOf } from "./_layer.ts";
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

/** `layers[i] (conv 20x5x5 pad 1)` */
function label(spec: LayerSpec, i: number): string {
  let what: string;
  if (spec.type === "dense") what = `dense ${spec.size}`;
  else if (spec.type === "conv") {
    what = `conv ${spec.maps}x${spec.kernel}x${spec.kernel}${spec.pad ? ` pad ${spec.pad}` : ""}${
      (spec.stride ?? 1) !== 1 ? ` stride ${spec.stride}` : ""
    }`;
  } else {
    what = `pool ${spec.size}${
      (spec.stride ?? spec.size) !== spec.size ? ` stride ${spec.stride}` : ""
    }`;
  }
  return `layers[${i}] (${what})`;
}

/**
 * Whether max-pooling commutes with the activation: max(f(z + b)) = f(max(z) + b) for a
 * non-decreasing f, and the window's δ then reaches the same input either way, so a conv and
 * the pool after it can be one layer that pools first (network3.py's order) and still give
 * Saito's conv → activation → pool exactly. A new activation must say whether it does.
 */
const POOL_COMMUTES: Record<Activation, boolean> = { sigmoid: true, tanh: true, relu: true };

/** Why windows of `k` every `stride` do not tile `n` values padded by `pad`, or null. */
function misfit(n: number, k: number, pad: number, stride: number): string | null {
  const span = n + 2 * pad - k;
  if (span < 0) return null; // the caller reports a window larger than its input
  if (span % stride === 0) return null;
  return `${pad ? `${n} + 2·${pad}` : n} - ${k} = ${span} is not a multiple of ${stride}`;
}

/** The layer maps (channels x height x width) a conv or pool needs, or a LayerShapeError. */
function mapsOf(shape: readonly number[], where: string): [number, number, number] {
  if (shape.length !== 3) {
    throw new LayerShapeError(
      where,
      `needs maps (channels x height x width), got ${shapeText(shape)}`,
    );
  }
  return [shape[0], shape[1], shape[2]];
}

/** A pool's output shape over `inShape`, checked: `of` names its input in messages. */
function poolShape(s: PoolSpec, inShape: number[], where: string, of: string): number[] {
  const [c, h, w] = inShape;
  const stride = s.stride ?? s.size;
  if (s.size > h || s.size > w) {
    throw new LayerShapeError(where, `pool ${s.size} is larger than ${of}`);
  }
  const problem = misfit(h, s.size, 0, stride) ?? misfit(w, s.size, 0, stride);
  if (problem) {
    throw new LayerShapeError(
      where,
      stride === s.size
        ? `pool ${s.size} does not divide ${of}`
        : `pool ${s.size} stride ${stride} does not fit ${of}: ${problem}`,
    );
  }
  return [c, positions(h, s.size, 0, stride), positions(w, s.size, 0, stride)];
}

/** The plan of a conv (and of the pool it absorbs, `pool`) over `inShape`. */
function planConv(
  s: ConvSpec,
  i: number,
  inShape: number[],
  pool: PoolSpec | null,
  activation: Activation,
): PlannedLayer {
  const where = label(s, i);
  const [c, h, w] = mapsOf(inShape, where);
  const k = s.kernel;
  const pad = s.pad ?? 0;
  const stride = s.stride ?? 1;
  if (pad >= k) {
    throw new LayerShapeError(
      where,
      `pad ${pad} must be less than the kernel ${k} (windows would see only padding)`,
    );
  }
  if (k > h + 2 * pad || k > w + 2 * pad) {
    throw new LayerShapeError(
      where,
      `kernel ${k} is larger than its ${h}x${w} input${pad ? ` padded by ${pad}` : ""}`,
    );
  }
  const problem = misfit(h, k, pad, stride) ?? misfit(w, k, pad, stride);
  if (problem) {
    throw new LayerShapeError(
      where,
      `stride ${stride} does not fit its ${shapeText(inShape)} input: ${problem}`,
    );
  }
  const conv = [s.maps, positions(h, k, pad, stride), positions(w, k, pad, stride)];
  const outShape = pool
    ? poolShape(pool, conv, label(pool, i + 1), `the ${shapeText(conv)} output of ${where}`)
    : conv;
  const P = conv[1] * conv[2];
  const outSize = sizeOf(outShape);
  const ckk = c * k * k;
  return {
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
        pad,
        stride,
        pool: pool?.size ?? 1,
        poolStride: pool ? pool.stride ?? pool.size : 1,
        activation,
      }),
  };
}

/** The plan of dense layer `i` over `inShape`. */
function planDense(
  spec: NetworkSpec,
  s: DenseSpec,
  i: number,
  inShape: number[],
  isFirst: boolean,
): PlannedLayer {
  const where = label(s, i);
  const hidden = i !== spec.layers.length - 1;
  const dropout = s.dropout ?? (isFirst ? 0 : spec.dropout);
  if (!(dropout >= 0 && dropout < 1)) {
    throw new LayerShapeError(where, `dropout must be in [0, 1), got ${dropout}`);
  }
  const logitDropout = s.logitDropout ?? 0;
  if (hidden && logitDropout > 0) {
    throw new LayerShapeError(
      where,
      "logitDropout is for the output layer; a hidden layer's outputs are dropped by the next layer's dropout",
    );
  }
  const inSize = sizeOf(inShape);
  // The first layer lists each image's non-zero pixels for the sparse kernel; with
  // dropout on the pixels it reads the gathered images instead, masks and all.
  const sparseInput = isFirst && dropout === 0;
  const batchNorm = spec.batchNorm && hidden;
  const out = s.size;
  return {
    index: i,
    kind: "dense",
    inShape,
    outShape: [out],
    parameters: inSize * out + out + (batchNorm ? 2 * out : 0),
    perExample: 3 * out + (batchNorm ? 2 * out : 0) + (dropout > 0 ? 2 * inSize : 0) +
      (logitDropout > 0 ? out : 0) + (sparseInput ? 1.75 * inSize : 0),
    perBatch: sparseInput ? MAX_CODES : 0,
    build: (arena) =>
      new DenseLayer(arena, {
        inSize,
        outSize: out,
        activation: hidden ? spec.activation : null,
        cost: spec.cost,
        batchNorm,
        dropout,
        logitDropout,
        sparseInput,
        inShape,
      }),
  };
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
    let planned: PlannedLayer;
    if (s.type === "dense") planned = planDense(spec, s, i, shape, plan.length === 0);
    else if (s.type === "conv") {
      const next = specs[i + 1];
      const pool = next?.type === "pool" && POOL_COMMUTES[spec.activation] ? next : null;
      planned = planConv(s, i, shape, pool, spec.activation);
      if (pool) i++; // the pool is part of this layer
    } else {
      const where = label(s, i);
      const inShape = shape;
      mapsOf(inShape, where);
      const outShape = poolShape(s, inShape, where, `its ${shapeText(inShape)} input`);
      const stride = s.stride ?? s.size;
      planned = {
        index: i,
        kind: "pool",
        inShape,
        outShape,
        parameters: 0,
        perExample: 2 * sizeOf(outShape),
        perBatch: 0,
        build: () => new PoolLayer(inShape, s.size, stride),
      };
    }
    plan.push(planned);
    shape = planned.outShape;
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
