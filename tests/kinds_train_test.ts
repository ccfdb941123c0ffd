// Tests that catch whole kinds of bugs in the training loop (issue 21), against independent
// values: Nielsen's eta schedule and early stopping on scripted validation accuracies (a worked
// example and the boundaries: exactly `patience` epochs without improvement acts, one fewer
// does not), and the samplers: with replacement, every index of [0, n), both ends included,
// drawn as often as it should be (chi-square and binomial bounds at p = 1e-6; the generator is
// seeded, so a pass is a pass for good), shuffled and sequential epochs visiting every image.
import { assert, assertEquals } from "./_assert.ts";
import { type Dataset, Network, Rng, sgd, type TrainOptions } from "../mod.ts";

/** `count` examples of 3 values, two classes in turn; test and validation = training. */
function data(count: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const split = {
    images: Float32Array.from({ length: count * 3 }, () => rng.nextFloat()),
    labels: Uint8Array.from({ length: count }, (_, i) => i % 2),
    count,
  };
  return {
    source: "memory",
    format: "memory",
    inputSize: 3,
    classes: 2,
    imageShape: [3],
    training: split,
    validation: split,
    test: split,
  };
}
/**
 * Trains on scripted validation accuracies: epoch k's accuracy is `accuracies[k]` percent
 * (the network's evaluation is replaced; monitored every `monitorEvery` epochs, the k-th
 * monitored epoch gets the k-th value). Returns each finished epoch's eta and how it ended.
 */
function scripted(accuracies: number[], options: Partial<TrainOptions>) {
  const d = data(100, 3);
  const net = new Network({ sizes: [3, 2] }).initialize(new Rng(1), "default");
  let calls = 0;
  net.evaluate = (split) => {
    assertEquals(split.count, 100);
    return accuracies[calls++];
  };
  const result = sgd(net, d, {
    eta: 1,
    miniBatchSize: 50,
    epochs: accuracies.length,
    seed: 1,
    monitor: { testAccuracy: false, validationAccuracy: true },
    ...options,
  });
  const monitored = result.epochs.filter((e) => e.validationAccuracy !== undefined);
  assertEquals(monitored.length, calls);
  assertEquals(
    monitored.map((e) => e.validationAccuracy),
    accuracies.slice(0, calls).map((a) => a / 100),
  );
  return {
    eta: result.epochs.map((e) => e.eta),
    status: result.status,
    stoppedBy: result.stoppedBy,
  };
}

Deno.test("the eta schedule: Nielsen's worked example, eta per epoch and the stopping epoch", () => {
  // patience 3: halve eta when the best validation accuracy is 3 epochs old (an equal one is
  // no improvement), count again from the halving, stop once eta <= 1/8 of its start.
  //   epoch     0   1   2   3   4 | 5   6   7   8 | 9  10  11
  //   accuracy 50  60  60  55  59 |70  60  60  60 |60  60  60  (then 99s, never reached)
  //   best at   0   1   1   1   1 | 5   5   5   5 | 5   5   5
  //   halve after epoch 4 (4 - 1 = 3), 8 (8 - 5 = 3), 11 (11 - 8 = 3): eta 1/8, stop.
  const accuracies = [50, 60, 60, 55, 59, 70, 60, 60, 60, 60, 60, 60, 99, 99, 99];
  const schedule = { patience: 3, factor: 0.5, stopAt: 1 / 8 };
  assertEquals(scripted(accuracies, { etaSchedule: schedule }), {
    eta: [1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25],
    status: "early-stopped",
    stoppedBy: "etaSchedule",
  });
});

Deno.test("the eta schedule halves after exactly `patience` epochs without improvement", async (t) => {
  const schedule = { patience: 2, factor: 0.5, stopAt: 1 / 1024 };
  const run = (accuracies: number[], extra: Partial<TrainOptions> = {}) =>
    scripted(accuracies, { etaSchedule: schedule, ...extra });
  await t.step("2 epochs without: halved, then 2 more: halved again", () => {
    assertEquals(run([50, 40, 40, 40, 40, 40]).eta, [1, 1, 1, 0.5, 0.5, 0.25]);
  });
  await t.step("1 epoch without, each time: never halved", () => {
    assertEquals(run([50, 40, 60, 40, 70, 40]).eta, [1, 1, 1, 1, 1, 1]);
  });
  await t.step("an equal accuracy is no improvement", () => {
    assertEquals(run([50, 50, 50, 50]).eta, [1, 1, 1, 0.5]);
  });
  await t.step("patience counts epochs, not monitored ones (monitorEvery 2)", () => {
    // Monitored after epochs 1, 3, 5, 7: 3 - 1 = 2 epochs without improvement at epoch 3.
    const got = run([50, 40, 60, 60], { monitorEvery: 2, epochs: 8 });
    assertEquals(got.eta, [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]);
  });
  await t.step("stops when eta reaches stopAt in floating point (0.1³ > 0.001)", () => {
    const tenth = { patience: 1, factor: 0.1, stopAt: 0.001 };
    const got = scripted([50, 40, 40, 40, 40, 40], { etaSchedule: tenth, eta: 0.5 });
    assertEquals(got.status, "early-stopped");
    assertEquals(got.eta.length, 4); // eta × 0.1 after epochs 1, 2 and 3: 0.5·0.1³ stops
  });
});

Deno.test("early stopping after exactly `earlyStopping` epochs without improvement", async (t) => {
  await t.step("3 epochs without: stopped after the third", () => {
    const got = scripted([50, 60, 40, 60, 55, 99, 99], { earlyStopping: 3 });
    assertEquals([got.eta.length, got.status, got.stoppedBy], [
      5,
      "early-stopped",
      "earlyStopping",
    ]);
  });
  await t.step("2 epochs without, each time: never stopped", () => {
    const got = scripted([50, 40, 40, 60, 40, 40, 70, 40], { earlyStopping: 3 });
    assertEquals([got.eta.length, got.status], [8, "done"]);
  });
  await t.step("counted in epochs with monitorEvery 2", () => {
    // Monitored after epochs 1, 3, 5: best at 1, none better at 3 (2 epochs), 5 (4 epochs).
    const got = scripted([50, 50, 50], { earlyStopping: 4, monitorEvery: 2, epochs: 8 });
    assertEquals([got.eta.length, got.status], [6, "early-stopped"]);
  });
});

/** scipy.stats.chi2.isf(1e-6, df): a uniform sampler fails one of these once in a million. */
const CHI2_1E6: Record<number, number> = {
  1: 23.928126976934827,
  2: 27.631021115928547,
  6: 38.25833637720969,
  9: 44.81093787068782,
  12: 50.825252138874454,
  32: 85.23155071709897,
  99: 180.79201532589974,
  999: 1226.046189012162,
  49999: 51516.572295630416,
};
/** scipy.stats.norm.isf(0.5e-6): a binomial count this many deviations off, two-sided p = 1e-6. */
const Z_1E6 = 4.891638475698591;

/** Asserts that `counts` are uniform: chi-square, and each end alone (a binomial). */
function assertUniform(counts: ArrayLike<number>, what: string): void {
  const n = counts.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += counts[i];
  const expected = total / n;
  let chi2 = 0;
  for (let i = 0; i < n; i++) chi2 += (counts[i] - expected) ** 2 / expected;
  assert(chi2 < CHI2_1E6[n - 1], `${what}: chi-square ${chi2} on ${n - 1} degrees of freedom`);
  const sd = Math.sqrt(total * (1 / n) * (1 - 1 / n));
  for (const i of [0, n - 1]) {
    assert(
      Math.abs(counts[i] - expected) < Z_1E6 * sd,
      `${what}: index ${i} drawn ${counts[i]} times, ${expected} expected`,
    );
  }
}

Deno.test("Rng.nextInt(n) draws every integer of [0, n) equally often, both ends included", () => {
  const rng = new Rng(99);
  for (const n of [2, 3, 7, 10, 13, 100, 1000, 50_000]) {
    const counts = new Float64Array(n);
    const draws = Math.max(200_000, 100 * n);
    for (let i = 0; i < draws; i++) counts[rng.nextInt(n)]++;
    assertUniform(counts, `nextInt(${n})`);
  }
  for (let i = 0; i < 1000; i++) assertEquals(rng.nextInt(1), 0);
});

Deno.test("Rng.nextInt(n) has no modulo bias when n does not divide 2^32", () => {
  // n = 3·2^30: a bare 32-bit draw mod n gives [0, 2^30) twice the chance of each other third.
  const rng = new Rng(5);
  const n = 3 * 2 ** 30;
  const thirds = new Float64Array(3);
  for (let i = 0; i < 60_000; i++) thirds[Math.floor(rng.nextInt(n) / 2 ** 30)]++;
  assertUniform(thirds, "thirds of nextInt(3·2^30)");
});

/** The dataset rows of every training mini-batch `sgd` runs, in order. */
function drawnRows(n: number, options: Partial<TrainOptions>): number[][] {
  const net = new Network({ sizes: [3, 2] }).initialize(new Rng(1), "default");
  const engine = net.engine;
  const forward = engine.forward.bind(engine);
  const batches: number[][] = [];
  engine.forward = (ws, source, m, pass) => {
    if (pass.mode === "train") batches.push([...ws.rows.subarray(0, m)]);
    forward(ws, source, m, pass);
  };
  sgd(net, data(n, 7), {
    eta: 0.1,
    miniBatchSize: 10,
    epochs: 1,
    seed: 4,
    monitor: { testAccuracy: false },
    ...options,
  });
  return batches;
}

Deno.test("sampling with replacement draws every training image equally often", () => {
  for (const n of [7, 10, 33, 100]) {
    const draws = Math.max(20_000, 200 * n);
    const batches = drawnRows(n, { sampling: "replacement", iterations: draws / 10 });
    assertEquals(batches.length, draws / 10);
    const counts = new Float64Array(n);
    for (const b of batches) {
      assertEquals(b.length, 10);
      for (const row of b) counts[row]++;
    }
    assertUniform(counts, `replacement sampling of ${n} images`);
  }
});

Deno.test("shuffled and sequential epochs visit every training image", () => {
  // 33 images in batches of 10: shuffled epochs take all 33 (a last batch of 3), network3.py's
  // fixed order takes the 30 of whole batches.
  const shuffled = drawnRows(33, { sampling: "shuffle", epochs: 3 });
  assertEquals(shuffled.map((b) => b.length), [10, 10, 10, 3, 10, 10, 10, 3, 10, 10, 10, 3]);
  const all = Array.from({ length: 33 }, (_, i) => i);
  for (let epoch = 0; epoch < 3; epoch++) {
    const rows = shuffled.slice(4 * epoch, 4 * epoch + 4).flat();
    assertEquals([...rows].sort((a, b) => a - b), all);
    assert(rows.some((r, i) => r !== i), `epoch ${epoch} is not shuffled`);
  }
  const sequential = drawnRows(33, { sampling: "sequential", epochs: 2 });
  assertEquals(sequential.flat(), [...all.slice(0, 30), ...all.slice(0, 30)]);
});
