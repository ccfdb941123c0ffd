// Tests that catch whole kinds of bugs in evaluation (issue 21), against the float64 reference
// (tests/_reference.ts): batch norm's running mean and variance over a sequence of batches and
// the evaluation that uses them; dropout's evaluation scaling (1 - p) for a `sizes` network, a
// layered one with per-layer p, and a conv network. The training loop's kinds are in
// kinds_train_test.ts, the files' (CSV, pixel scale) in kinds_io_test.ts.
import { assert, assertEquals } from "./_assert.ts";
import { referenceCost, referenceOutputs, type RefLayer } from "./_reference.ts";
import { type Dataset, Network, type NetworkOptions, Rng, sgd, train } from "../mod.ts";
import type { Split } from "../src/data/split.ts";
import { DenseLayer } from "../src/model/layers/dense.ts";
import { ConvLayer } from "../src/model/layers/conv.ts";
import type { PoolLayer } from "../src/model/layers/pool.ts";

const close = (a: number, b: number, tol = 1e-5) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

/** `count` examples of `inputs` values (three in ten zero), classes in turn; test = training. */
function data(count: number, inputs: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const split: Split = {
    images: Float32Array.from(
      { length: count * inputs },
      () => (rng.nextFloat() < 0.3 ? 0 : rng.nextFloat()),
    ),
    labels: Uint8Array.from({ length: count }, (_, i) => i % classes),
    count,
  };
  return {
    source: "memory",
    format: "memory",
    inputSize: inputs,
    classes,
    imageShape: [inputs],
    training: split,
    validation: null,
    test: split,
  };
}

/** Example `e` of `split` as a plain array. */
const example = (split: Split, e: number, n: number) => [
  ...split.images.subarray(e * n, (e + 1) * n),
];

/** The network's layers as the reference holds them (copies: the network's own stay put). */
function referenceOf(net: Network): RefLayer[] {
  const layers = net.engine.layers;
  return layers.map((l, i): RefLayer => {
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
        dropout: l.options.dropout,
        output: i === layers.length - 1,
      };
    }
    if (l instanceof ConvLayer) {
      const [C] = l.inShape;
      const k = l.options.kernel;
      const f = (m: number, c: number, dy: number, dx: number) =>
        l.filters[m * l.ckk + c * k * k + dy * k + dx];
      return {
        type: "conv",
        inShape: [...l.inShape],
        maps: l.options.maps,
        k,
        pool: l.options.pool,
        f: Array.from(
          { length: l.options.maps },
          (_, m) =>
            Array.from(
              { length: C },
              (_, c) =>
                Array.from({ length: k }, (_, dy) =>
                  Array.from({ length: k }, (_, dx) => f(m, c, dy, dx))),
            ),
        ),
        b: [...l.b],
      };
    }
    return { type: "pool", inShape: [...l.inShape], size: (l as PoolLayer).size };
  });
}

Deno.test("batch norm: running mean and variance over six batches, then evaluation with them", () => {
  // docs/networks.md: the batch's mean and variance in training (Saito's np.mean(xc**2): the
  // biased variance), running averages with momentum 0.9 starting at 0: r <- 0.9·r + 0.1·batch.
  // eta 0 keeps every parameter, so each batch's statistics follow from the initial ones.
  const options = {
    sizes: [4, 5, 3, 2],
    batchNorm: true,
    activation: "tanh",
    cost: "log-likelihood",
  };
  const net = new Network(options as NetworkOptions).initialize(new Rng(8), "default");
  const dense = net.engine.layers as DenseLayer[];
  for (const l of dense.filter((l) => l.gamma)) {
    // Not γ = 1, β = 0: a γ and β swapped, or ignored, changes the outputs.
    l.gamma!.forEach((_, j) => (l.gamma![j] = 0.5 + 0.25 * j));
    l.beta!.forEach((_, j) => (l.beta![j] = 0.1 * j - 0.2));
  }
  const d = data(9, 4, 2, 21);
  const ref = referenceOf(net);
  const running = ref.map((l) =>
    l.type === "dense" && l.gamma ? { mean: l.b.map(() => 0), variance: l.b.map(() => 0) } : null
  );
  // Sequential sampling, mini-batches of 3: [0, 3), [3, 6), [6, 9) in each of two epochs.
  for (let epoch = 0; epoch < 2; epoch++) {
    for (const start of [0, 3, 6]) {
      const xs = [0, 1, 2].map((e) => example(d.training, start + e, 4));
      referenceOutputs(ref, xs, "tanh", "log-likelihood", "train", (l, mean, variance) => {
        const r = running[l]!;
        r.mean = r.mean.map((v, j) => 0.9 * v + 0.1 * mean[j]);
        r.variance = r.variance.map((v, j) => 0.9 * v + 0.1 * variance[j]);
      });
    }
  }
  sgd(net, d, {
    eta: 0,
    miniBatchSize: 3,
    epochs: 2,
    seed: 1,
    sampling: "sequential",
    monitor: { testAccuracy: false },
  });
  let normalised = 0;
  dense.forEach((l, i) => {
    const want = running[i];
    if (!want) return assertEquals(l.runMean, null);
    normalised++;
    want.mean.forEach((v, j) =>
      assert(close(l.runMean![j], v), `layer ${i} mean ${j}: ${l.runMean![j]} vs ${v}`)
    );
    want.variance.forEach((v, j) =>
      assert(close(l.runVar![j], v), `layer ${i} variance ${j}: ${l.runVar![j]} vs ${v}`)
    );
    Object.assign(ref[i], { runMean: want.mean, runVar: want.variance });
  });
  assertEquals(normalised, 2);
  // Evaluation normalises with them: one example at a time and whole splits.
  for (let e = 0; e < 9; e++) {
    const want =
      referenceOutputs(ref, [example(d.test, e, 4)], "tanh", "log-likelihood", "eval")[0];
    const got = net.feedforward(d.test.images.subarray(e * 4, e * 4 + 4));
    want.forEach((v, j) => assert(close(got[j], v), `example ${e} output ${j}: ${got[j]} vs ${v}`));
  }
  const xs = Array.from({ length: 9 }, (_, e) => example(d.test, e, 4));
  const cost = referenceCost(ref, xs, [...d.test.labels], "tanh", "log-likelihood", "eval");
  assert(close(net.totalCost(d.test), cost), `cost ${net.totalCost(d.test)} vs ${cost}`);
});

Deno.test("dropout: evaluation scales each layer's inputs by 1 - p, as the float64 reference", async (t) => {
  // docs/networks.md: in evaluation the whole network runs and each layer's input is
  // multiplied by (1 - p) (Saito's Dropout with train_flg=False, network3.py's (1-p_dropout)).
  const cases: { name: string; options: NetworkOptions; inputs: number; ps: number[] }[] = [
    {
      name: "sizes with dropout 0.3: every layer after the first",
      options: { sizes: [6, 5, 4, 3], dropout: 0.3, activation: "relu", cost: "log-likelihood" },
      inputs: 6,
      ps: [0, 0.3, 0.3],
    },
    {
      name: "dense layers, each its own p",
      options: {
        layers: [
          { type: "dense", size: 5 },
          { type: "dense", size: 4, dropout: 0.6 },
          { type: "dense", size: 3, dropout: 0.15 },
        ],
        inputShape: [6],
        activation: "sigmoid",
        cost: "cross-entropy",
      },
      inputs: 6,
      ps: [0, 0.6, 0.15],
    },
    {
      name: "dropout on the input pixels of an image network (network3.py's first layer)",
      options: {
        layers: [{ type: "dense", size: 5, dropout: 0.4 }, { type: "dense", size: 3 }],
        inputShape: [1, 2, 3],
        activation: "sigmoid",
        cost: "log-likelihood",
      },
      inputs: 6,
      ps: [0.4, 0],
    },
    {
      name: "conv-pool, then dense layers with their own p (network3.py's)",
      options: {
        layers: [
          { type: "conv", maps: 2, kernel: 3 },
          { type: "pool", size: 2 },
          { type: "dense", size: 5, dropout: 0.5 },
          { type: "dense", size: 3, dropout: 0.2 },
        ],
        inputShape: [1, 8, 8],
        activation: "tanh",
        cost: "log-likelihood",
      },
      inputs: 64,
      ps: [0, 0.5, 0.2],
    },
  ];
  for (const c of cases) {
    await t.step(c.name, () => {
      const net = new Network(c.options).initialize(new Rng(5), "default");
      const ref = referenceOf(net);
      // The reference's p for each layer comes from the case, not from the network.
      assertEquals(ref.map((l) => (l.type === "dense" ? l.dropout : 0)), c.ps);
      const d = data(7, c.inputs, 3, 13);
      const activation = c.options.activation!;
      const cost = c.options.cost!;
      const xs = Array.from({ length: 7 }, (_, e) => example(d.test, e, c.inputs));
      const want = referenceOutputs(ref, xs, activation, cost, "eval");
      xs.forEach((_, e) => {
        const got = net.feedforward(d.test.images.subarray(e * c.inputs, (e + 1) * c.inputs));
        want[e].forEach((v, j) =>
          assert(close(got[j], v), `example ${e}[${j}]: ${got[j]} vs ${v}`)
        );
      });
      const wantCost = referenceCost(ref, xs, [...d.test.labels], activation, cost, "eval");
      const got = net.totalCost(d.test);
      assert(close(got, wantCost), `cost ${got} vs ${wantCost}`);
    });
  }
});

Deno.test("dropout on a network's input pixels drops them in training, whatever the input's shape", () => {
  // Seen ignored: the first layer read its pixels through the sparse input kernel, which has
  // no dropout, so two runs whose masks differed ended with identical weights.
  const d = data(40, 4, 3, 8);
  for (const inputShape of [[4], [1, 2, 2]]) {
    const weights = (p: number, seed: number) => {
      const net = new Network({
        layers: [{ type: "dense", size: 3, dropout: p }, { type: "dense", size: 2 }],
        inputShape,
        cost: "log-likelihood",
      }).initialize(new Rng(3), "default");
      train(net, d, { eta: 0.5, miniBatchSize: 4, epochs: 2, seed, sampling: "sequential" });
      return JSON.stringify(net.toJSON().weights);
    };
    assertEquals(weights(0, 1), weights(0, 2), "no dropout: the seed changes nothing");
    assert(weights(0.5, 1) !== weights(0.5, 2), `${inputShape}: the masks change the weights`);
    assert(weights(0.5, 1) !== weights(0, 1), `${inputShape}: dropout changes the weights`);
  }
});
