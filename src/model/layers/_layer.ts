// What every layer kind implements. A layer maps a mini-batch of inputs x:(m, inSize) to
// outputs a:(m, outSize), both row-major with one example per row, in buffers of the
// network's WebAssembly arena. Backprop runs in three steps so that weights never change
// while a gradient that reads them is still being computed:
//   backward   δ of this layer from dA (its output's gradient), and dX for the layer below;
//   gradients  ∂C/∂param = alpha · Σ_examples (into each param's grad buffer), or
//   sgdStep    param += step · Σ_examples, fused (plain SGD: no gradient buffer at all).
import type { Rng } from "../../core/mod.ts";
import type { Kernels, WasmArena } from "../_arena.ts";
import { FLUSH_BELOW } from "../functions.ts";
import type { Activation } from "../../vocabulary/mod.ts";

/** `train` (dropout masks, batch statistics), `eval` (the whole network, running statistics),
 * `probe` (batch statistics but no dropout and no update of the running statistics: the
 * gradient metrics). */
export type Mode = "train" | "eval" | "probe";

/** A learnable array and its gradient buffer. */
export interface Param {
  /** `w`, `b`, `gamma` or `beta`. */
  name: string;
  /** Its values. */
  data: Float32Array;
  /** Its gradient, when an optimiser needs one (plain SGD never writes it). */
  grad: Float32Array;
  /** Weights are regularised (L2, L1, weight decay); biases, gamma and beta are not. */
  regularize: boolean;
}

/** Per-batch state a pass shares with every layer. */
export interface Pass {
  /** What the pass is for. */
  mode: Mode;
  /** Dropout masks are drawn from it (train mode only). */
  rng: Rng;
}

/** One layer's buffers for batches of up to `m` examples. */
export interface LayerWork {
  /** The largest batch it holds. */
  m: number;
  /** Outputs (m, outSize). */
  a: Float32Array;
  /** Gradient of the cost with respect to `a`, turned into δ in place by backward (the
   * output layer's δ is written here by the cost). */
  dA: Float32Array;
}

/** The JSON of one layer's parameters and state. */
export interface LayerJson {
  /** The layer kind. */
  type: string;
  [key: string]: unknown;
}

/** A layer of a Network. */
export interface Layer {
  /** The layer kind. */
  readonly type: "dense" | "conv" | "pool";
  /** Input shape: `[n]` for a vector, `[channels, height, width]` for maps. */
  readonly inShape: readonly number[];
  /** Output shape. */
  readonly outShape: readonly number[];
  /** Values per input. */
  readonly inSize: number;
  /** Values per output. */
  readonly outSize: number;
  /** Learnable arrays, weights first. */
  readonly params: Param[];
  /** Saved arrays that are not learned (batch norm's running statistics). */
  readonly state: Float32Array[];
  /** One line for summaries: `conv 20x5x5 -> 20x24x24, pool 2 -> 20x12x12, sigmoid`. */
  describe(): string;
  /** Buffers for batches of up to `m`. */
  allocate(arena: WasmArena, m: number): LayerWork;
  /** a = f(x); `x` is the previous layer's output (ignored by a sparse input layer). */
  forward(k: Kernels, work: LayerWork, x: Float32Array, m: number, pass: Pass): void;
  /** δ from work.dA (in place), and dX = ∂C/∂x when `dX` is given. */
  backward(k: Kernels, work: LayerWork, x: Float32Array, m: number, dX: Float32Array | null): void;
  /** param.grad = alpha · Σ over the batch of ∂C/∂param. */
  gradients(k: Kernels, work: LayerWork, x: Float32Array, m: number, alpha: number): void;
  /** param += step · Σ over the batch of ∂C/∂param, without gradient buffers (plain SGD). */
  sgdStep(k: Kernels, work: LayerWork, x: Float32Array, m: number, step: number): void;
  /** Inputs that feed one output (Xavier's and He's n_in). */
  readonly fanIn: number;
  /** network3.py's n_out: outputs per input (maps·k²/pool² for a conv-pool layer). */
  readonly fanOut: number;
}

/** Product of a shape's dimensions. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Positions of a window of `size` every `stride` along `n` values padded by `pad` on each side
 * (the planner has checked that they tile it exactly).
 */
export function positions(n: number, size: number, pad: number, stride: number): number {
  return (n + 2 * pad - size) / stride + 1;
}

/** `20x12x12` or `100`. */
export function shapeText(shape: readonly number[]): string {
  return shape.join("x");
}

/** out[j] = scale · Σ_e x[e·n + j] for an (m, n) buffer (a bias gradient). */
export function sumRows(
  x: Float32Array,
  m: number,
  n: number,
  out: Float32Array,
  scale: number,
): void {
  for (let j = 0; j < n; j++) out[j] = 0;
  for (let e = 0; e < m; e++) {
    const off = e * n;
    for (let j = 0; j < n; j++) out[j] += x[off + j];
  }
  if (scale !== 1) { for (let j = 0; j < n; j++) out[j] *= scale; }
}

/**
 * a = f(z + b[plane]) over `planes` planes of `per` values (`bias` null: no bias). Sigmoid and
 * ReLU run in the SIMD kernels; tanh in a plain loop.
 */
export function applyActivation(
  k: Kernels,
  f: Activation,
  z: Float32Array,
  a: Float32Array,
  planes: number,
  per: number,
  bias: Float32Array | null,
): void {
  if (f === "sigmoid") {
    k.act_sigmoid(z.byteOffset, a.byteOffset, planes, per, bias ? bias.byteOffset : 0);
  } else if (f === "relu") {
    k.act_relu(z.byteOffset, a.byteOffset, planes, per, bias ? bias.byteOffset : 0);
  } else {
    for (let p = 0, i = 0; p < planes; p++) {
      const b = bias ? bias[p] : 0;
      for (let q = 0; q < per; q++, i++) a[i] = Math.tanh(z[i] + b);
    }
  }
}

/** δ *= f'(z) from the activations a (σ' = a(1-a), relu' = [a > 0], tanh' = 1 - a²). */
export function applyDerivative(
  k: Kernels,
  f: Activation,
  a: Float32Array,
  delta: Float32Array,
  n: number,
): void {
  if (f === "sigmoid") k.back_sigmoid(a.byteOffset, delta.byteOffset, n);
  else if (f === "relu") k.back_relu(a.byteOffset, delta.byteOffset, n);
  else {
    for (let i = 0; i < n; i++) {
      const v = delta[i] * (1 - a[i] * a[i]);
      delta[i] = v > -FLUSH_BELOW && v < FLUSH_BELOW ? 0 : v;
    }
  }
}

/**
 * Each s×s window's δ (pooled, in `delta`) to the first of its inputs in row order that equals
 * the window's maximum (`pooled`), zero to the others, summed where windows every `stride`
 * overlap: `dsrc` is written whole.
 */
export function poolBackward(
  k: Kernels,
  src: Float32Array,
  pooled: Float32Array,
  delta: Float32Array,
  dsrc: Float32Array,
  planes: number,
  h: number,
  w: number,
  s: number,
  stride: number,
): void {
  poolBackwardAt(
    k,
    src.byteOffset,
    pooled.byteOffset,
    delta.byteOffset,
    dsrc.byteOffset,
    planes,
    h,
    w,
    s,
    stride,
  );
}

/** {@linkcode poolBackward} with the arrays' byte offsets (no views made). */
export function poolBackwardAt(
  k: Kernels,
  src: number,
  pooled: number,
  delta: number,
  dsrc: number,
  planes: number,
  h: number,
  w: number,
  s: number,
  stride: number,
): void {
  if (s === 2 && stride === 2 && w % 4 === 0) {
    k.maxpool2_back(src, pooled, delta, dsrc, planes, h, w);
  } else k.maxpool_back(src, pooled, delta, dsrc, planes, h, w, s, stride);
}
