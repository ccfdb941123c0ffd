// Every optimiser's first steps through the path training takes (`train()`: feedforward,
// backprop, `optimizer.update`), against the hand-written formulas applied in float64 to
// gradients of the independent reference (tests/_reference.ts), differentiated numerically,
// with and without L2, L1 and weight decay.
import { assert } from "./_assert.ts";
import { referenceCost, type RefLayer } from "./_reference.ts";
import { type Dataset, Network, OPTIMIZER_NAMES, type OptimizerName, Rng, train } from "../mod.ts";

const SIZES = [3, 4, 2];
/** Learning rates that move every parameter visibly without saturating the sigmoids. */
const ETA: Record<OptimizerName, number> = {
  sgd: 0.5,
  momentum: 0.5,
  nesterov: 0.5,
  adagrad: 0.05,
  rmsprop: 0.05,
  adam: 0.05,
};
const STEPS = 3;

/** Four examples, trained as one batch in a fixed order: one step per epoch. */
function dataset(): Dataset {
  const rng = new Rng(9);
  const images = new Float32Array(4 * 3).map(() => rng.nextFloat());
  const labels = Uint8Array.of(0, 1, 1, 0);
  const split = { images, labels, count: 4 };
  return {
    source: "test",
    format: "test",
    inputSize: 3,
    classes: 2,
    imageShape: [1, 3],
    training: split,
    validation: null,
    test: split,
  };
}

/** Flat float64 parameters: each layer's w (out, in) row-major, then its b. */
function flat(net: Network): number[] {
  const json = net.toJSON();
  return json.weights.flatMap((w, l) => [
    ...w.flat(),
    ...(json.biases[l] as number[][]).map((b) => b[0]),
  ]);
}

function layers(p: number[]): RefLayer[] {
  const out: RefLayer[] = [];
  let at = 0;
  for (let l = 1; l < SIZES.length; l++) {
    const [nIn, nOut] = [SIZES[l - 1], SIZES[l]];
    const w = Array.from({ length: nOut }, (_, j) => p.slice(at + j * nIn, at + (j + 1) * nIn));
    at += nIn * nOut;
    const b = p.slice(at, at + nOut);
    at += nOut;
    out.push({ type: "dense", nIn, nOut, w, b, output: l === SIZES.length - 1 });
  }
  return out;
}

/** Which entries of the flat parameters are weights (regularised). */
function isWeight(): boolean[] {
  const out: boolean[] = [];
  for (let l = 1; l < SIZES.length; l++) {
    out.push(...Array(SIZES[l - 1] * SIZES[l]).fill(true), ...Array(SIZES[l]).fill(false));
  }
  return out;
}

/** The batch's mean gradient of the reference cost, by central differences, plus penalties. */
function gradient(p: number[], data: Dataset, l2: number, l1: number): number[] {
  const xs = [0, 1, 2, 3].map((e) => [...data.training.images.subarray(3 * e, 3 * e + 3)]);
  const labels = [...data.training.labels];
  const cost = (q: number[]) => referenceCost(layers(q), xs, labels, "sigmoid", "cross-entropy");
  const weight = isWeight();
  return p.map((v, i) => {
    const h = 1e-6;
    const up = [...p];
    const down = [...p];
    up[i] = v + h;
    down[i] = v - h;
    const g = (cost(up) - cost(down)) / (2 * h);
    return weight[i] ? g + l2 * v + l1 * Math.sign(v) : g;
  });
}

/** The optimisers' formulas (Saito's optimizer.py, Nielsen ch. 3), one step at a time. */
function expected(name: OptimizerName, p0: number[], data: Dataset, l2: number, l1: number) {
  const eta = ETA[name];
  const p = [...p0];
  const s1 = p.map(() => 0); // velocity, h, or Adam's m
  const s2 = p.map(() => 0); // Adam's v
  for (let t = 1; t <= STEPS; t++) {
    const g = gradient(p, data, l2, l1);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      if (name === "sgd") p[i] -= eta * gi;
      else if (name === "momentum") p[i] += s1[i] = 0.9 * s1[i] - eta * gi;
      else if (name === "nesterov") {
        s1[i] = 0.9 * s1[i] - eta * gi;
        p[i] += 0.81 * s1[i] - 1.9 * eta * gi;
      } else if (name === "adagrad") {
        s1[i] += gi * gi;
        p[i] -= (eta * gi) / (Math.sqrt(s1[i]) + 1e-7);
      } else if (name === "rmsprop") {
        s1[i] = 0.99 * s1[i] + 0.01 * gi * gi;
        p[i] -= (eta * gi) / (Math.sqrt(s1[i]) + 1e-7);
      } else {
        const lr = (eta * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t);
        s1[i] += 0.1 * (gi - s1[i]);
        s2[i] += 0.001 * (gi * gi - s2[i]);
        p[i] -= (lr * s1[i]) / (Math.sqrt(s2[i]) + 1e-7);
      }
    }
  }
  return p;
}

const PENALTIES = [
  { name: "no penalty", lmbda: 0, l1: 0, weightDecay: 0 },
  { name: "L2, L1 and weight decay", lmbda: 0.4, l1: 0.2, weightDecay: 0.05 },
];

Deno.test("every optimiser's first steps in training, against its formula in float64", async (t) => {
  const data = dataset();
  const n = data.training.count;
  for (const name of OPTIMIZER_NAMES) {
    for (const pen of PENALTIES) {
      await t.step(`${name}, ${pen.name}`, () => {
        const net = new Network({ sizes: SIZES, cost: "cross-entropy" })
          .initialize(new Rng(5), "default");
        const p0 = flat(net);
        train(net, data, {
          eta: ETA[name],
          miniBatchSize: 4,
          epochs: STEPS,
          seed: 1,
          sampling: "sequential",
          optimizer: name,
          lmbda: pen.lmbda,
          l1: pen.l1,
          weightDecay: pen.weightDecay,
        });
        const want = expected(name, p0, data, pen.lmbda / n + pen.weightDecay, pen.l1 / n);
        const got = flat(net);
        const most = Math.max(...want.map((w, i) => Math.abs(w - p0[i])));
        assert(most > 0.02, `${name}: the steps barely moved the parameters (${most})`);
        got.forEach((v, i) => {
          const moved = Math.abs(want[i] - p0[i]);
          assert(
            Math.abs(v - want[i]) <= 2e-5 + 1e-4 * moved,
            `${name}, ${pen.name}: parameter ${i} is ${v}, the formula gives ${want[i]}`,
          );
        });
      });
    }
  }
});
