// Nielsen chapter 5's "speed of learning" metric, `gradientNorms`: how fast each hidden layer
// learns, as the norm of its biases' gradient.
import type { Split } from "../data/mod.ts";
import type { Network, Source, Workspace } from "../model/mod.ts";
import { Rng } from "../core/mod.ts";

/**
 * Nielsen ch. 5's speed of learning: for each hidden layer with biases, the norm of the mean
 * gradient of the cost with respect to its biases over the first `count` training images
 * (no dropout; batch norm with each batch's statistics).
 */
export function gradientNorms(
  net: Network,
  split: Split,
  kernel: "sparse" | "dense",
  count: number,
): number[] {
  const engine = net.engine;
  const total = Math.min(count, split.count);
  const batch = Math.min(engine.evalBatch, total);
  const ws: Workspace = engine.workspace(batch);
  const hidden = engine.layers.slice(0, -1).map((l, i) => ({ l, i })).filter(({ l }) =>
    l.params.some((p) => p.name === "b")
  );
  const sums = hidden.map(({ l }) =>
    new Float64Array(l.params.find((p) => p.name === "b")!.data.length)
  );
  const source: Source = {
    images: split.images,
    sparse: kernel === "sparse" ? split.sparse : undefined,
    all: kernel === "dense",
  };
  const pass = { mode: "probe" as const, rng: new Rng(0) };
  for (let start = 0; start < total; start += batch) {
    const size = Math.min(batch, total - start);
    for (let e = 0; e < size; e++) ws.rows[e] = start + e;
    engine.forward(ws, source, size, pass);
    engine.backward(ws, split.labels, size);
    hidden.forEach(({ l, i }, h) => {
      const d = engine.delta(ws, i);
      const sum = sums[h];
      const per = l.outSize / sum.length;
      // A conv layer's bias gradient sums its map's positions.
      for (let e = 0; e < size; e++) {
        for (let j = 0; j < l.outSize; j++) sum[Math.floor(j / per)] += d[e * l.outSize + j];
      }
    });
  }
  return sums.map((s) => {
    let sq = 0;
    for (let j = 0; j < s.length; j++) {
      const v = s[j] / total;
      sq += v * v;
    }
    return Math.sqrt(sq);
  });
}
