import { assert, assertEquals, assertThrows } from "./_assert.ts";
import { TESTDATA } from "./_testdata.ts";
import {
  type Activation,
  type Cost,
  type Dataset,
  loadDataset,
  Network,
  type NetworkOptions,
  Rng,
  train,
  withSparseRows,
} from "../mod.ts";

// An independent float64 reference of the cost of one example, from nested (out, in) weights.
function referenceCost(
  weights: number[][][],
  biases: number[][],
  x: number[],
  label: number,
  activation: Activation,
  cost: Cost,
): number {
  let a = x;
  weights.forEach((w, l) => {
    const z = w.map((row, j) => row.reduce((s, wjk, k) => s + wjk * a[k], biases[l][j]));
    const output = l === weights.length - 1;
    if (output && cost === "log-likelihood") {
      const max = Math.max(...z);
      const e = z.map((v) => Math.exp(v - max));
      const sum = e.reduce((s, v) => s + v, 0);
      a = e.map((v) => v / sum);
    } else if (output || activation === "sigmoid") a = z.map((v) => 1 / (1 + Math.exp(-v)));
    else if (activation === "tanh") a = z.map(Math.tanh);
    else a = z.map((v) => Math.max(0, v));
  });
  const y = a.map((_, j) => (j === label ? 1 : 0));
  if (cost === "quadratic") return 0.5 * a.reduce((s, v, j) => s + (v - y[j]) ** 2, 0);
  if (cost === "cross-entropy") {
    return -a.reduce((s, v, j) => s + y[j] * Math.log(v) + (1 - y[j]) * Math.log(1 - v), 0);
  }
  return -Math.log(a[label]);
}

Deno.test("backprop() matches numerical gradients", async (t) => {
  const activations: Activation[] = ["sigmoid", "tanh", "relu"];
  const costs: Cost[] = ["quadratic", "cross-entropy", "log-likelihood"];
  for (const activation of activations) {
    for (const cost of costs) {
      await t.step(`${activation} hidden, ${cost}`, () => {
        const rng = new Rng(7);
        const net = new Network({ sizes: [6, 5, 4, 3], activation, cost }).initialize(
          rng,
          "default",
        );
        const x = Float32Array.from({ length: 6 }, (_, i) => (i === 2 ? 0 : rng.nextFloat()));
        const label = 1;
        const weights = net.sizes!.slice(1).map((_, l) => net.weightMatrix(l));
        const biases = (net.toJSON().biases as number[][][]).map((b) => b.map((v) => v[0]));
        const { nablaB, nablaW } = net.backprop(x, label);
        // Central differences in float64 (h = 1e-6: truncation ~1e-12, rounding ~1e-10).
        // The analytic gradient is float32: each value passes ~10 float32 roundings of
        // O(1) terms, so |error| <= ~1e-6; allow 1e-5 plus 1e-4 relative.
        const h = 1e-6;
        const f = () => referenceCost(weights, biases, [...x], label, activation, cost);
        const check = (analytic: number, get: () => number, set: (v: number) => void) => {
          const v = get();
          set(v + h);
          const up = f();
          set(v - h);
          const down = f();
          set(v);
          const numeric = (up - down) / (2 * h);
          assert(
            Math.abs(analytic - numeric) <= 1e-5 + 1e-4 * Math.abs(numeric),
            `analytic ${analytic} vs numerical ${numeric}`,
          );
        };
        weights.forEach((w, l) => {
          const nIn = net.sizes![l];
          w.forEach((row, j) => {
            row.forEach((_, k) =>
              check(nablaW[l][j * nIn + k], () => w[j][k], (v) => (w[j][k] = v))
            );
            check(nablaB[l][j], () => biases[l][j], (v) => (biases[l][j] = v));
          });
        });
      });
    }
  }
});

const HAND = JSON.parse(Deno.readTextFileSync(`${TESTDATA}hand_2_3_1.json`));

function handNetwork(cost: Cost): Network {
  return Network.fromJSON({
    sizes: [2, 3, 1],
    weights: [[[0.1, -0.2], [0.4, 0.3], [-0.5, 0.6]], [[0.7, -0.8, 0.9]]],
    biases: [[[0.05], [-0.1], [0.2]], [[-0.3]]],
    cost: cost === "quadratic" ? "QuadraticCost" : "CrossEntropyCost",
  });
}

// Two examples with targets 1 and 0: label 0 is the one output; label 1 means "not it".
const HAND_DATA: Dataset = (() => {
  const split = {
    images: new Float32Array([0.5, -1.0, 1.5, 0.25]),
    labels: new Uint8Array([0, 1]),
    count: 2,
  };
  return {
    source: "hand",
    format: "memory",
    inputSize: 2,
    classes: 2,
    imageShape: [2],
    training: split,
    validation: null,
    test: split,
  };
})();

Deno.test("a [2, 3, 1] network matches values computed with numpy", async (t) => {
  await t.step("feedforward", () => {
    const net = handNetwork("quadratic");
    assert(Math.abs(net.feedforward(new Float32Array([0.5, -1]))[0] - HAND.feedforward[0]) < 1e-6);
    assert(
      Math.abs(net.feedforward(new Float32Array([1.5, 0.25]))[0] - HAND.feedforward[1]) < 1e-6,
    );
  });
  for (const cost of ["quadratic", "cross-entropy"] as const) {
    for (const lmbda of [0, 0.1]) {
      await t.step(`one SGD step, ${cost}, lmbda ${lmbda}`, () => {
        const net = handNetwork(cost);
        train(net, HAND_DATA, { eta: 0.5, lmbda, miniBatchSize: 2, epochs: 1, seed: 1 });
        const want = HAND[`step_${cost}_lmbda${lmbda.toFixed(1)}`];
        const json = net.toJSON();
        json.weights.flat(2).forEach((w, i) =>
          assert(Math.abs(w - want.weights.flat(2)[i]) < 1e-6, `weight ${i}`)
        );
        json.biases.flat(2).forEach((b, i) =>
          assert(Math.abs(b - want.biases.flat()[i]) < 1e-6, `bias ${i}`)
        );
      });
    }
  }
});

Deno.test("feedforward() is exact for every width of the blocked input kernel", async (t) => {
  // The input layer's kernel works 32 outputs at a time: widths around block and vector
  // edges, against a float64 reference of sigmoid(w x + b).
  for (const nOut of [1, 3, 4, 5, 30, 31, 32, 33, 64, 100]) {
    await t.step(`${nOut} outputs`, () => {
      const rng = new Rng(nOut);
      const net = new Network({ sizes: [40, nOut] }).initialize(rng, "default");
      const x = Float32Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 0 : rng.nextFloat()));
      const w = net.weightMatrix(0);
      const got = net.feedforward(x);
      assertEquals(got.length, nOut);
      for (let j = 0; j < nOut; j++) {
        let z = (net.toJSON().biases as number[][][])[0][j][0];
        for (let k = 0; k < 40; k++) z += w[j][k] * x[k];
        const want = 1 / (1 + Math.exp(-z));
        assert(Math.abs(got[j] - want) < 1e-6, `output ${j}: ${got[j]} vs ${want}`);
      }
    });
  }
});

Deno.test("train() is deterministic and kernel-independent", () => {
  const data = loadDataset({ path: `${TESTDATA}mnist.pkl.gz` });
  const run = (kernel: "sparse" | "dense", seed = 5) => {
    const net = new Network({ sizes: [784, 20, 10] }).initialize(new Rng(seed), "default");
    const r = train(net, data, {
      eta: 0.5,
      miniBatchSize: 7,
      epochs: 3,
      seed,
      kernel,
      monitor: { testCost: true, trainingAccuracy: true, validationAccuracy: true },
    });
    return r.epochs.map(({ trainSeconds: _t, evalSeconds: _e, ...m }) => m);
  };
  const a = run("sparse");
  assertEquals(run("sparse"), a);
  assertEquals(run("dense"), a);
  assert(JSON.stringify(run("sparse", 6)) !== JSON.stringify(a));
  assertEquals(Object.keys(a[0]).sort(), [
    "epoch",
    "eta",
    "testAccuracy",
    "testCorrect",
    "testCost",
    "trainingAccuracy",
    "validationAccuracy",
    "validationCorrect",
  ]);
});

Deno.test("pixel lists copied row by row or as blocks of codes give the dense kernel's numbers", async (t) => {
  // Consecutive rows (sequential sampling, a mini-batch of one, every evaluation batch) reach
  // the sparse kernels as block copies of one-byte codes; random rows as decoded values.
  const data = loadDataset({ path: `${TESTDATA}mnist.pkl.gz` });
  for (
    const [sampling, miniBatchSize] of [["sequential", 7], ["sequential", 1], [
      "shuffle",
      1,
    ]] as const
  ) {
    await t.step(`${sampling}, mini-batch ${miniBatchSize}`, () => {
      const run = (kernel: "sparse" | "dense") => {
        const net = new Network({ sizes: [784, 13, 10] }).initialize(new Rng(3), "default");
        const r = train(net, data, {
          eta: 0.5,
          miniBatchSize,
          sampling,
          epochs: 2,
          seed: 3,
          kernel,
          monitor: { testCost: true, trainingCost: true },
        });
        const params = net.engine.params.map((p) => [...new Uint32Array(p.data.slice().buffer)]);
        return { epochs: r.epochs.map(({ trainSeconds: _t, evalSeconds: _e, ...m }) => m), params };
      };
      assertEquals(run("sparse"), run("dense"));
    });
  }
  await t.step("splits evaluated in turn, each with its own table of codes", () => {
    const rows = withSparseRows(data);
    const tables = [rows.training, rows.validation!, rows.test].map((s) => [...s.sparse!.table!]);
    assert(
      JSON.stringify(tables[0]) !== JSON.stringify(tables[2]) &&
        JSON.stringify(tables[1]) !== JSON.stringify(tables[2]),
      "the fixture's splits have different tables (else a stale table would pass)",
    );
    const net = new Network({ sizes: [784, 13, 10] }).initialize(new Rng(4), "default");
    const order = [rows.test, rows.validation!, rows.training, rows.test];
    const measure = (withLists: boolean) =>
      order.map((s) => {
        const split = withLists ? s : { ...s, sparse: undefined };
        return [net.totalCost(split), net.evaluate(split)];
      });
    assertEquals(measure(true), measure(false));
  });
});

Deno.test("train() reports divergence, early stopping and interruption", async (t) => {
  const data = loadDataset({ path: `${TESTDATA}mnist.npz` });
  await t.step("NaN weights end the run as diverged, with the epoch", () => {
    const net = new Network({ sizes: [784, 10, 10], activation: "relu" }).initialize(
      new Rng(1),
      "large",
    );
    const r = train(net, data, { eta: 1e39, miniBatchSize: 10, epochs: 5, seed: 1 });
    assertEquals(r.status, "diverged");
    assertEquals(r.divergedEpoch, 0);
    assertEquals(r.epochs.length, 0);
  });
  await t.step("early stopping after n epochs without improvement", () => {
    const net = new Network({ sizes: [784, 10, 10] }).initialize(new Rng(1), "large");
    const r = train(net, data, {
      eta: 1e-9,
      miniBatchSize: 10,
      epochs: 10,
      seed: 1,
      earlyStopping: 2,
    });
    assertEquals(r.status, "early-stopped");
    assertEquals(r.epochs.length, 3);
  });
  await t.step("the callback stops the run and keeps finished epochs", () => {
    const net = new Network({ sizes: [784, 10, 10] }).initialize(new Rng(1), "large");
    const r = train(
      net,
      data,
      { eta: 1, miniBatchSize: 10, epochs: 10, seed: 1 },
      (m) => m.epoch < 1,
    );
    assertEquals([r.status, r.epochs.length], ["interrupted", 2]);
  });
  await t.step("Saito's sampling counts iterations", () => {
    const net = new Network({ sizes: [784, 10, 10], cost: "log-likelihood" }).initialize(
      new Rng(1),
      "scaled",
      0.01,
    );
    const r = train(net, data, {
      eta: 0.1,
      miniBatchSize: 10,
      epochs: 0,
      iterations: 25,
      sampling: "replacement",
      seed: 1,
    });
    assertEquals(r.epochs.length, 3); // 10 + 10 + 5 iterations of 10 from 100 images
  });
});

Deno.test("Network saves and loads network2.py's JSON", () => {
  const net = new Network({ sizes: [4, 3, 2], cost: "cross-entropy", activation: "tanh" })
    .initialize(new Rng(3), "default");
  const text = JSON.stringify(net);
  const back = Network.fromJSON(JSON.parse(text));
  assertEquals(back.toJSON(), net.toJSON());
  const x = new Float32Array([0.1, 0.2, 0, 0.4]);
  assertEquals(back.feedforward(x), net.feedforward(x));
  // As network2.py writes it: biases as (out, 1) lists, the cost class name.
  const py = { sizes: [2, 1], weights: [[[1.0, 2.0]]], biases: [[[0.5]]], cost: "QuadraticCost" };
  assertEquals(
    Network.fromJSON(py).feedforward(new Float32Array([0, 0]))[0],
    Math.fround(1 / (1 + Math.exp(-0.5))),
  );
  assertThrows(() => Network.fromJSON({ ...py, weights: [[[1.0]]] }), /weights\[0\] is not 1 x 2/);
  assertThrows(() => new Network({ sizes: [784] }), /two or more/);
});

Deno.test("the committed WebAssembly kernels are built from kernels_wat.ts", async () => {
  const { generatedFiles } = await import("../scripts/build_wasm.ts");
  const [wat, module] = await generatedFiles();
  const read = (p: string) => Deno.readTextFileSync(new URL(p, import.meta.url));
  assertEquals(read("../src/model/wasm/kernels.wat"), wat);
  assertEquals(read("../src/model/_kernels_wasm.ts"), module);
});

Deno.test("experiments/saito-ch8-deep-convnet.json builds Saito's DeepConvNet", () => {
  const exp = JSON.parse(
    Deno.readTextFileSync(new URL("../experiments/saito-ch8-deep-convnet.json", import.meta.url)),
  );
  const net = new Network({ ...exp.base, inputShape: [1, 28, 28] });
  const layers = net.engine.layers;
  // ch08/deep_convnet.py: W1..W6 are (FN, C, 3, 3), W7 (64·4·4, 50), W8 (50, 10), each with FN
  // (or out) biases; the three 2x2 pools halve 28 -> 14, 16 -> 8 (pad 2 widens 14 to 16), 8 -> 4.
  assertEquals(layers.map((l) => l.params.reduce((s, p) => s + p.data.length, 0)), [
    16 * 1 * 9 + 16,
    16 * 16 * 9 + 16,
    32 * 16 * 9 + 32,
    32 * 32 * 9 + 32,
    64 * 32 * 9 + 64,
    64 * 64 * 9 + 64,
    64 * 4 * 4 * 50 + 50,
    50 * 10 + 10,
  ]);
  assertEquals(layers.map((l) => l.outShape), [
    [16, 28, 28],
    [16, 14, 14],
    [32, 14, 14],
    [32, 8, 8],
    [64, 8, 8],
    [64, 4, 4],
    [50],
    [10],
  ]);
  // He's n_in, as Saito's pre_node_nums: 1·3·3, 16·3·3, 16·3·3, 32·3·3, 32·3·3, 64·3·3, 64·4·4, 50.
  assertEquals(layers.map((l) => l.fanIn), [9, 144, 144, 288, 288, 576, 1024, 50]);
  assertEquals(
    net.summary().at(-1),
    [
      "dense 50 -> 10, softmax, dropout 0.5 on inputs, dropout 0.5 on z before softmax",
      "(510 parameters)",
    ].join(" "),
  );
});

Deno.test("a padding, stride or pooling window that does not fit is one line naming the layer", () => {
  const conv = (extra: object) => ({ type: "conv" as const, maps: 4, kernel: 3, ...extra });
  const pool = (extra: object) => ({ type: "pool" as const, size: 2, ...extra });
  const out = { type: "dense" as const, size: 10 };
  const cases: [object[], number[], string][] = [
    [
      [conv({ stride: 2 }), out],
      [1, 28, 28],
      "layers[0] (conv 4x3x3 stride 2): stride 2 does not fit its 1x28x28 input: 28 - 3 = 25 is not a multiple of 2",
    ],
    [
      [conv({ pad: 1, stride: 2 }), out],
      [1, 9, 10],
      "layers[0] (conv 4x3x3 pad 1 stride 2): stride 2 does not fit its 1x9x10 input: 10 + 2·1 - 3 = 9 is not a multiple of 2",
    ],
    [
      [conv({ pad: 3 }), out],
      [1, 28, 28],
      "layers[0] (conv 4x3x3 pad 3): pad 3 must be less than the kernel 3 (windows would see only padding)",
    ],
    [
      [conv({ kernel: 7, pad: 1 }), out],
      [1, 4, 6],
      "layers[0] (conv 4x7x7 pad 1): kernel 7 is larger than its 4x6 input padded by 1",
    ],
    [
      [conv({ pad: 1 }), pool({ size: 3, stride: 2 }), out],
      [1, 28, 28],
      "layers[1] (pool 3 stride 2): pool 3 stride 2 does not fit the 4x28x28 output of layers[0] (conv 4x3x3 pad 1): 28 - 3 = 25 is not a multiple of 2",
    ],
    [
      [conv({ pad: 2 }), pool({}), out],
      [1, 13, 13],
      "layers[1] (pool 2): pool 2 does not divide the 4x15x15 output of layers[0] (conv 4x3x3 pad 2)",
    ],
    [
      [conv({}), pool({}), pool({ size: 3, stride: 4 }), out],
      [1, 12, 12],
      "layers[2] (pool 3 stride 4): pool 3 stride 4 does not fit its 4x5x5 input: 5 - 3 = 2 is not a multiple of 4",
    ],
    [
      [conv({}), pool({ size: 11 }), out],
      [1, 12, 12],
      "layers[1] (pool 11): pool 11 is larger than the 4x10x10 output of layers[0] (conv 4x3x3)",
    ],
    [
      [conv({}), { type: "dense", size: 5, logitDropout: 0.5 }, out],
      [1, 12, 12],
      "layers[1] (dense 5): logitDropout is for the output layer; a hidden layer's outputs are dropped by the next layer's dropout",
    ],
  ];
  for (const [layers, inputShape, message] of cases) {
    let got = "(no error)";
    try {
      new Network({ layers: layers as NetworkOptions["layers"], inputShape });
    } catch (err) {
      got = err instanceof RangeError ? err.message : `not a RangeError: ${err}`;
    }
    assertEquals(got, message);
  }
});
