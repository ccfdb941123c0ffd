// Backprop of every layer kind against numerical gradients of an independent float64
// reference (tests/_reference.ts): deep ReLU networks, batch norm, dropout with a fixed mask,
// convolutions with several maps and odd sizes, a convolution after a pool, pooling layers,
// padded and strided convolutions, overlapping and strided pooling, dropout of the logits;
// and the outputs of each network, in training and in evaluation, against the same reference.
import { assert, assertEquals } from "./_assert.ts";
import { referenceCost, referenceOutputs, type RefLayer } from "./_reference.ts";
import { Network, type NetworkOptions, Rng } from "../mod.ts";
import { DenseLayer } from "../src/model/layers/dense.ts";
import { ConvLayer } from "../src/model/layers/conv.ts";
import { PoolLayer } from "../src/model/layers/pool.ts";
import type { Layer } from "../src/model/layers/_layer.ts";

interface Case {
  name: string;
  options: NetworkOptions;
  init: "default" | "large";
  batch: number;
  /** Fraction of zero pixels in the inputs. */
  zeros: number;
  /** The reference's conv-pool order (network3.py's pool-first by default). */
  order?: "pool-first" | "activation-first";
}

const CASES: Case[] = [
  {
    name: "deep ReLU network, softmax",
    options: { sizes: [12, 9, 8, 7, 5], activation: "relu", cost: "log-likelihood" },
    init: "default",
    batch: 3,
    zeros: 0.4,
  },
  {
    name: "tanh, quadratic cost",
    options: { sizes: [10, 6, 4], activation: "tanh", cost: "quadratic" },
    init: "default",
    batch: 2,
    zeros: 0.3,
  },
  {
    name: "batch norm, sigmoid, cross-entropy",
    options: {
      sizes: [10, 7, 6, 4],
      activation: "sigmoid",
      cost: "cross-entropy",
      batchNorm: true,
    },
    init: "large",
    batch: 5,
    zeros: 0.3,
  },
  {
    name: "batch norm, ReLU, softmax",
    options: { sizes: [10, 8, 8, 3], activation: "relu", cost: "log-likelihood", batchNorm: true },
    init: "default",
    batch: 6,
    zeros: 0.2,
  },
  {
    name: "dropout 0.4 on the input pixels of an image network, with a fixed mask",
    options: {
      layers: [{ type: "dense", size: 7, dropout: 0.4 }, { type: "dense", size: 4 }],
      inputShape: [1, 3, 4],
      activation: "sigmoid",
      cost: "cross-entropy",
    },
    init: "default",
    batch: 3,
    zeros: 0.3,
  },
  {
    name: "dropout 0.3 with a fixed mask",
    options: { sizes: [10, 9, 8, 4], activation: "relu", cost: "log-likelihood", dropout: 0.3 },
    // Non-zero biases: with zero biases, an example whose kept inputs are all zero puts a
    // ReLU exactly at its kink, where a numerical derivative means nothing.
    init: "default",
    batch: 4,
    zeros: 0.3,
  },
  {
    name: "conv-pool, conv after a pool, odd sizes, several maps",
    options: {
      layers: [
        { type: "conv", maps: 3, kernel: 3 },
        { type: "pool", size: 2 },
        { type: "conv", maps: 4, kernel: 2 },
        { type: "dense", size: 6, dropout: 0.25 },
        { type: "dense", size: 5 },
      ],
      inputShape: [2, 10, 10],
      activation: "tanh",
      cost: "log-likelihood",
    },
    init: "default",
    batch: 3,
    zeros: 0.2,
  },
  {
    name: "conv without pool, pool layer after a conv-pool, ReLU",
    options: {
      layers: [
        { type: "conv", maps: 2, kernel: 3 },
        { type: "conv", maps: 3, kernel: 3 },
        { type: "pool", size: 2 },
        { type: "pool", size: 2 },
        { type: "dense", size: 4 },
      ],
      inputShape: [1, 16, 16],
      activation: "relu",
      cost: "cross-entropy",
    },
    init: "default",
    batch: 2,
    zeros: 0.2,
  },
  {
    // Saito's DeepConvNet in small: conv pad 1 - relu - conv pad 2 - relu - pool, dropout
    // before the last affine and on its logits; the reference activates before it pools.
    name: "pad 1 and 2, non-square, overlapping pool 3 stride 2, logit dropout, Saito's order",
    options: {
      layers: [
        { type: "conv", maps: 3, kernel: 3, pad: 1 },
        { type: "conv", maps: 4, kernel: 3, pad: 2 },
        { type: "pool", size: 3, stride: 2 },
        { type: "dense", size: 6 },
        { type: "dense", size: 5, dropout: 0.5, logitDropout: 0.5 },
      ],
      inputShape: [1, 7, 9],
      activation: "relu",
      cost: "log-likelihood",
    },
    init: "default",
    batch: 3,
    zeros: 0.3,
    order: "activation-first",
  },
  {
    name: "stride 2 with pad 1, stride 2 without pad, pool 2 stride 1, sigmoid, Saito's order",
    options: {
      layers: [
        { type: "conv", maps: 3, kernel: 3, pad: 1, stride: 2 },
        { type: "conv", maps: 2, kernel: 3, stride: 2 },
        { type: "pool", size: 2, stride: 1 },
        { type: "dense", size: 4, logitDropout: 0.3 },
      ],
      inputShape: [2, 13, 9],
      activation: "sigmoid",
      cost: "cross-entropy",
    },
    init: "large",
    batch: 2,
    zeros: 0.2,
    order: "activation-first",
  },
  {
    name: "pool 1 stride 2 in a conv, pool layers 3 stride 1 and 2 stride 1, tanh",
    options: {
      layers: [
        { type: "conv", maps: 2, kernel: 3, pad: 1 },
        { type: "pool", size: 1, stride: 2 },
        { type: "pool", size: 3, stride: 1 },
        { type: "pool", size: 2, stride: 1 },
        { type: "dense", size: 3 },
      ],
      inputShape: [1, 9, 7],
      activation: "tanh",
      cost: "quadratic",
    },
    init: "default",
    batch: 2,
    zeros: 0.2,
  },
];

/** Each layer's dropout masks of a training pass: of its inputs, and of its logits. */
interface Masks {
  inputs?: number[][];
  logits?: number[][];
}

/** The network's parameters as the reference holds them (shared arrays: perturbing them perturbs the reference). */
function referenceLayers(
  layers: Layer[],
  masks: Masks[],
  order: Case["order"],
): RefLayer[] {
  return layers.map((l, i) => {
    if (l instanceof DenseLayer) {
      const { inSize, outSize, wT } = l;
      return {
        type: "dense",
        nIn: inSize,
        nOut: outSize,
        w: Array.from(
          { length: outSize },
          (_, j) => Array.from({ length: inSize }, (_, k) => wT[k * outSize + j]),
        ),
        b: [...l.b],
        gamma: l.gamma ? [...l.gamma] : undefined,
        beta: l.beta ? [...l.beta] : undefined,
        runMean: l.runMean ? [...l.runMean] : undefined,
        runVar: l.runVar ? [...l.runVar] : undefined,
        mask: masks[i].inputs,
        dropout: l.options.dropout,
        logitMask: masks[i].logits,
        logitDropout: l.options.logitDropout,
        output: i === layers.length - 1,
      };
    }
    if (l instanceof ConvLayer) {
      const [C] = l.inShape;
      const k = l.options.kernel;
      return {
        type: "conv",
        inShape: [...l.inShape],
        maps: l.options.maps,
        k,
        pad: l.options.pad,
        stride: l.options.stride,
        pool: l.options.pool,
        poolStride: l.options.poolStride,
        order,
        f: Array.from(
          { length: l.options.maps },
          (_, f) =>
            Array.from(
              { length: C },
              (_, c) =>
                Array.from({ length: k }, (_, dy) =>
                  Array.from({ length: k }, (_, dx) =>
                    l.filters[f * l.ckk + c * k * k + dy * k + dx])),
            ),
        ),
        b: [...l.b],
      };
    }
    const pool = l as PoolLayer;
    return { type: "pool", inShape: [...l.inShape], size: pool.size, stride: pool.stride };
  });
}

/** Accessors pairing each engine parameter element with its place in the reference. */
function pairs(
  layer: Layer,
  ref: RefLayer,
): {
  name: string;
  grad: Float32Array;
  get: (i: number) => number;
  set: (i: number, v: number) => void;
}[] {
  const out = [];
  for (const p of layer.params) {
    if (ref.type === "dense") {
      const n = ref.nOut;
      const arr = p.name === "w"
        ? null
        : p.name === "b"
        ? ref.b
        : p.name === "gamma"
        ? ref.gamma!
        : ref.beta!;
      out.push({
        name: p.name,
        grad: p.grad,
        get: (i: number) => (arr ? arr[i] : ref.w[i % n][Math.floor(i / n)]),
        set: (i: number, v: number) => {
          if (arr) arr[i] = v;
          else ref.w[i % n][Math.floor(i / n)] = v;
        },
      });
    } else if (ref.type === "conv") {
      const k = ref.k;
      const C = ref.inShape[0];
      const at = (i: number) => {
        const f = Math.floor(i / (C * k * k));
        const r = i % (C * k * k);
        return [f, Math.floor(r / (k * k)), Math.floor((r % (k * k)) / k), r % k];
      };
      out.push({
        name: p.name,
        grad: p.grad,
        get: (i: number) => {
          if (p.name === "b") return ref.b[i];
          const [f, c, dy, dx] = at(i);
          return ref.f[f][c][dy][dx];
        },
        set: (i: number, v: number) => {
          if (p.name === "b") ref.b[i] = v;
          else {
            const [f, c, dy, dx] = at(i);
            ref.f[f][c][dy][dx] = v;
          }
        },
      });
    }
  }
  return out;
}

Deno.test("backprop of every layer kind matches numerical gradients of a float64 reference", async (t) => {
  for (const c of CASES) {
    await t.step(c.name, () => {
      const net = new Network(c.options).initialize(new Rng(17), c.init);
      const engine = net.engine;
      const n0 = engine.inputSize;
      const m = c.batch;
      const data = new Rng(23);
      const images = Float32Array.from(
        { length: m * n0 },
        () => (data.nextFloat() < c.zeros ? 0 : data.nextFloat()),
      );
      const labels = Uint8Array.from({ length: m }, (_, e) => (e * 7) % engine.classes);
      const ws = engine.workspace(m);
      for (let e = 0; e < m; e++) ws.rows[e] = e;
      const dropSeed = new Rng(99).state();
      engine.forward(ws, { images, all: false }, m, {
        mode: "train",
        rng: Rng.fromState(dropSeed),
      });
      engine.backward(ws, labels, m);
      engine.gradients(ws, m);

      // The same dropout masks, drawn as the layers draw them: layer by layer, row-major, a
      // layer's inputs before its logits.
      const draw = Rng.fromState(dropSeed);
      const mask = (p: number, width: number) => {
        if (p === 0) return undefined;
        const threshold = Math.floor(p * 4294967296);
        return Array.from(
          { length: m },
          () => Array.from({ length: width }, () => (draw.nextUint32() > threshold ? 1 : 0)),
        );
      };
      const masks = engine.layers.map((l): Masks => {
        if (!(l instanceof DenseLayer)) return {};
        const inputs = mask(l.options.dropout, l.inSize);
        return { inputs, logits: mask(l.options.logitDropout, l.outSize) };
      });
      const ref = referenceLayers(engine.layers, masks, c.order);
      const xs = Array.from({ length: m }, (_, e) => [...images.subarray(e * n0, (e + 1) * n0)]);
      const outputs = (mode: "train" | "eval") =>
        referenceOutputs(ref, xs, net.activation, net.cost, mode).flat();
      assertClose([...engine.output(ws).subarray(0, m * engine.classes)], outputs("train"));
      const cost = (mode: "train" | "eval") => () =>
        referenceCost(ref, xs, [...labels], net.activation, net.cost, mode);
      checkGradients(engine.layers, ref, cost("train"));

      engine.forward(ws, { images, all: false }, m, { mode: "eval", rng: new Rng(1) });
      assertClose([...engine.output(ws).subarray(0, m * engine.classes)], outputs("eval"));
      // The gradient of the evaluated network (Network.backprop, the gradient norms): dropout
      // layers scale their inputs or logits by 1 - p. Batch norm differentiates batch
      // statistics, not the running ones, so those networks are probed instead.
      if (!c.options.batchNorm) {
        engine.backward(ws, labels, m);
        engine.gradients(ws, m);
        checkGradients(engine.layers, ref, cost("eval"));
      }
    });
  }
});

/** Each layer's gradient buffers against central differences of `cost` (a sample of each). */
function checkGradients(layers: Layer[], ref: RefLayer[], cost: () => number): void {
  const h = 1e-6;
  let checked = 0;
  layers.forEach((layer, l) => {
    for (const p of pairs(layer, ref[l])) {
      const step = Math.max(1, Math.floor(p.grad.length / 25));
      for (let i = 0; i < p.grad.length; i += step) {
        const v = p.get(i);
        p.set(i, v + h);
        const up = cost();
        p.set(i, v - h);
        const down = cost();
        p.set(i, v);
        const numeric = (up - down) / (2 * h);
        const analytic = p.grad[i];
        assert(
          Math.abs(analytic - numeric) <= 2e-5 + 2e-3 * Math.abs(numeric),
          `layer ${l} ${p.name}[${i}]: analytic ${analytic} vs numerical ${numeric}`,
        );
        checked++;
      }
    }
  });
  assert(checked > 30, `checked ${checked} values`);
}

/** Float32 outputs against float64 ones, to 1e-5 plus 1e-4 relative. */
function assertClose(got: number[], want: number[]): void {
  assertEquals(got.length, want.length);
  got.forEach((v, i) =>
    assert(
      Math.abs(v - want[i]) <= 1e-5 + 1e-4 * Math.abs(want[i]),
      `output ${i}: ${v} vs ${want[i]}`,
    )
  );
}

Deno.test("max-pooling sends each window's gradient to its first largest value", () => {
  // One 1x4x4 map of ties and a clear maximum; pooling 2 gives 2x2 windows.
  const layer = new PoolLayer([1, 4, 4], 2);
  const net = new Network({ sizes: [2, 2] }); // only for its arena
  const arena = net.engine.arena;
  const work = layer.allocate(arena, 1);
  const x = arena.float32(16);
  x.set([1, 1, 0, 5, 1, 1, 2, 3, -1, -2, 7, 7, -3, -1, 7, 0]);
  layer.forward(arena.kernels, work, x, 1, { mode: "train", rng: new Rng(1) });
  assertEquals([...work.a], [1, 5, -1, 7]);
  work.dA.set([10, 20, 30, 40]);
  const dX = arena.float32(16);
  layer.backward(arena.kernels, work, x, 1, dX);
  assertEquals([...dX], [10, 0, 0, 20, 0, 0, 0, 0, 30, 0, 40, 0, 0, 0, 0, 0]);
});
