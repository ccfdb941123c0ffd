// An independent float64 reference of a layered network's outputs and cost over a mini-batch,
// written directly from the books' formulas with nested loops and no shared code with the
// kernels: dense layers (batch norm, dropout of inputs, dropout of the output layer's logits),
// convolutions with zero padding and a stride (each output position sums the filter over the
// input pixels it covers, a pixel outside the image counting as zero), max-pooling with any
// window and stride, sigmoid/tanh/ReLU, sigmoid or softmax outputs. A conv-pool layer runs in
// network3.py's order (pool, add the bias, activation) or in Saito's (add the bias,
// activation, pool). A training pass normalises with the batch's mean and (biased, Saito's
// np.mean(xc**2)) variance and drops values by given masks; an evaluation pass normalises with
// the running statistics and multiplies each dense layer's inputs (and dropped logits) by
// 1 - p (the books' non-inverted dropout). Tests differentiate it numerically and compare with
// the engine's backprop, and compare its evaluation outputs with the network's.
import type { Activation, Cost } from "../src/vocabulary/functions.ts";

export type RefLayer =
  | {
    type: "dense";
    nIn: number;
    nOut: number;
    /** w[j][k]: from input k to neuron j. */
    w: number[][];
    b: number[];
    gamma?: number[];
    beta?: number[];
    /** Per example and input: 1 kept, 0 dropped (training passes). */
    mask?: number[][];
    /** Dropout's probability: evaluation multiplies the inputs by 1 - dropout. */
    dropout?: number;
    /** Batch norm's running mean and variance of z (evaluation passes). */
    runMean?: number[];
    runVar?: number[];
    /** Per example and output: 1 kept, 0 dropped, of z before the output function. */
    logitMask?: number[][];
    /** Logit dropout's probability: evaluation multiplies z by 1 - logitDropout. */
    logitDropout?: number;
    output: boolean;
  }
  | {
    type: "conv";
    inShape: number[];
    maps: number;
    k: number;
    /** Zeros on each side (default 0) and the step between filter positions (default 1). */
    pad?: number;
    stride?: number;
    /** Pooling window (1: none) and the step between windows (default: the window). */
    pool: number;
    poolStride?: number;
    /** `activation-first`: Saito's conv → activation → pool; default network3.py's order. */
    order?: "pool-first" | "activation-first";
    /** f[map][c][dy][dx] */
    f: number[][][][];
    b: number[];
  }
  | { type: "pool"; inShape: number[]; size: number; stride?: number };

const act = (f: Activation, z: number) =>
  f === "sigmoid" ? 1 / (1 + Math.exp(-z)) : f === "tanh" ? Math.tanh(z) : Math.max(0, z);

/** Whether a pass trains (batch statistics, masks) or evaluates (running statistics, 1 - p). */
export type RefMode = "train" | "eval";

/** Called with each batch-normalised layer's batch mean and variance of z (training passes). */
export type BatchStats = (layer: number, mean: number[], variance: number[]) => void;

/** Mean cost of the batch `xs` (each a flat input) with classes `labels`. */
export function referenceCost(
  layers: RefLayer[],
  xs: number[][],
  labels: number[],
  activation: Activation,
  cost: Cost,
  mode: RefMode = "train",
): number {
  const a = referenceOutputs(layers, xs, activation, cost, mode);
  let total = 0;
  a.forEach((out, e) => {
    const label = labels[e];
    if (cost === "quadratic") {
      total += out.reduce((s, v, j) => s + 0.5 * (v - (j === label ? 1 : 0)) ** 2, 0);
    } else if (cost === "cross-entropy") {
      total -= out.reduce((s, v, j) => s + (j === label ? Math.log(v) : Math.log(1 - v)), 0);
    } else total -= Math.log(out[label]);
  });
  return total / xs.length;
}

/** The output layer's activations for each input of the batch `xs`. */
export function referenceOutputs(
  layers: RefLayer[],
  xs: number[][],
  activation: Activation,
  cost: Cost,
  mode: RefMode = "train",
  onBatchStats?: BatchStats,
): number[][] {
  let a = xs.map((x) => [...x]);
  for (const [index, layer] of layers.entries()) {
    if (layer.type === "dense") {
      const keep = 1 - (layer.dropout ?? 0);
      const x = mode === "eval"
        ? a.map((row) => row.map((v) => v * keep))
        : layer.mask
        ? a.map((row, e) => row.map((v, k) => v * layer.mask![e][k]))
        : a;
      let z = x.map((row) =>
        layer.w.map((wj, j) => wj.reduce((s, wjk, k) => s + wjk * row[k], layer.b[j]))
      );
      if (layer.gamma) {
        let mean: number[];
        let variance: number[];
        if (mode === "eval") {
          if (!layer.runMean || !layer.runVar) throw new Error("evaluation needs runMean, runVar");
          [mean, variance] = [layer.runMean, layer.runVar];
        } else {
          const m = z.length;
          const mu = layer.b.map((_, j) => z.reduce((s, r) => s + r[j], 0) / m);
          mean = mu;
          variance = layer.b.map((_, j) => z.reduce((s, r) => s + (r[j] - mu[j]) ** 2, 0) / m);
          onBatchStats?.(index, mean, variance);
        }
        z = z.map((r) =>
          r.map((v, j) =>
            layer.gamma![j] * (v - mean[j]) / Math.sqrt(variance[j] + 1e-6) + layer.beta![j]
          )
        );
      }
      const q = layer.logitDropout ?? 0;
      if (mode === "eval" && q > 0) z = z.map((r) => r.map((v) => v * (1 - q)));
      else if (mode === "train" && layer.logitMask) {
        z = z.map((r, e) => r.map((v, j) => v * layer.logitMask![e][j]));
      }
      if (!layer.output) a = z.map((r) => r.map((v) => act(activation, v)));
      else if (cost === "log-likelihood") {
        a = z.map((r) => {
          const max = Math.max(...r);
          const e = r.map((v) => Math.exp(v - max));
          const sum = e.reduce((s, v) => s + v, 0);
          return e.map((v) => v / sum);
        });
      } else a = z.map((r) => r.map((v) => 1 / (1 + Math.exp(-v))));
    } else if (layer.type === "conv") {
      const [C, H, W] = layer.inShape;
      const { k, maps, pool } = layer;
      const pad = layer.pad ?? 0;
      const stride = layer.stride ?? 1;
      const oh = (H + 2 * pad - k) / stride + 1;
      const ow = (W + 2 * pad - k) / stride + 1;
      a = a.map((x) => {
        // The input pixel at row r, column c of map ch; zero in the padding.
        const pixel = (ch: number, r: number, c: number) =>
          r < 0 || r >= H || c < 0 || c >= W ? 0 : x[ch * H * W + r * W + c];
        const out: number[] = [];
        for (let f = 0; f < maps; f++) {
          const conv: number[][] = [];
          for (let y = 0; y < oh; y++) {
            conv.push([]);
            for (let xx = 0; xx < ow; xx++) {
              let s = 0;
              for (let c = 0; c < C; c++) {
                for (let dy = 0; dy < k; dy++) {
                  for (let dx = 0; dx < k; dx++) {
                    s += layer.f[f][c][dy][dx] *
                      pixel(c, y * stride + dy - pad, xx * stride + dx - pad);
                  }
                }
              }
              conv[y].push(s);
            }
          }
          const ps = layer.poolStride ?? pool;
          if (layer.order === "activation-first") {
            const activated = conv.map((row) => row.map((v) => act(activation, v + layer.b[f])));
            out.push(...maxPool(activated, pool, ps).flat());
          } else {
            const pooled = maxPool(conv, pool, ps);
            out.push(...pooled.flat().map((v) => act(activation, v + layer.b[f])));
          }
        }
        return out;
      });
    } else {
      const [C, H, W] = layer.inShape;
      const s = layer.size;
      a = a.map((x) => {
        const out: number[] = [];
        for (let c = 0; c < C; c++) {
          const plane = Array.from(
            { length: H },
            (_, r) => Array.from({ length: W }, (_, col) => x[c * H * W + r * W + col]),
          );
          out.push(...maxPool(plane, s, layer.stride ?? s).flat());
        }
        return out;
      });
    }
  }
  return a;
}

/** The maximum of each size × size window, every `stride`, of a plane (rows of columns). */
function maxPool(plane: number[][], size: number, stride: number): number[][] {
  const out: number[][] = [];
  for (let top = 0; top + size <= plane.length; top += stride) {
    const row: number[] = [];
    for (let left = 0; left + size <= plane[0].length; left += stride) {
      let best = -Infinity;
      for (let dy = 0; dy < size; dy++) {
        for (let dx = 0; dx < size; dx++) best = Math.max(best, plane[top + dy][left + dx]);
      }
      row.push(best);
    }
    out.push(row);
  }
  return out;
}
