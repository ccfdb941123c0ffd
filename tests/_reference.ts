// An independent float64 reference of a layered network's outputs and cost over a mini-batch,
// written directly from the books' formulas with nested loops and no shared code with the
// kernels: dense layers (batch norm, dropout), "valid" convolutions, max-pooling,
// sigmoid/tanh/ReLU, sigmoid or softmax outputs. A training pass normalises with the batch's
// mean and (biased, Saito's np.mean(xc**2)) variance and drops inputs by a given mask; an
// evaluation pass normalises with the running statistics and multiplies each dense layer's
// inputs by 1 - p (the books' non-inverted dropout). Tests differentiate it numerically and
// compare with the engine's backprop, and compare its evaluation outputs with the network's.
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
    output: boolean;
  }
  | {
    type: "conv";
    inShape: number[];
    maps: number;
    k: number;
    pool: number;
    /** f[map][c][dy][dx] */
    f: number[][][][];
    b: number[];
  }
  | { type: "pool"; inShape: number[]; size: number };

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
      const oh = H - k + 1;
      const ow = W - k + 1;
      a = a.map((x) => {
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
                    s += layer.f[f][c][dy][dx] * x[c * H * W + (y + dy) * W + xx + dx];
                  }
                }
              }
              conv[y].push(s);
            }
          }
          for (let y = 0; y < oh / pool; y++) {
            for (let xx = 0; xx < ow / pool; xx++) {
              let best = -Infinity;
              for (let dy = 0; dy < pool; dy++) {
                for (let dx = 0; dx < pool; dx++) {
                  best = Math.max(best, conv[y * pool + dy][xx * pool + dx]);
                }
              }
              out.push(act(activation, best + layer.b[f]));
            }
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
          for (let y = 0; y < H / s; y++) {
            for (let xx = 0; xx < W / s; xx++) {
              let best = -Infinity;
              for (let dy = 0; dy < s; dy++) {
                for (let dx = 0; dx < s; dx++) {
                  best = Math.max(best, x[c * H * W + (y * s + dy) * W + xx * s + dx]);
                }
              }
              out.push(best);
            }
          }
        }
        return out;
      });
    }
  }
  return a;
}
