// Checks that fail on real bugs, each against an independent value: the generator's reference
// outputs (computed in Python from the published algorithms), a shuffle's uniformity, every
// cost against a float64 reference with regularisation and a split whose size is not the
// batch's, the L2, L1 and weight-decay steps with n != m on both update paths, each optimiser's first steps by hand, batch
// norm's running statistics, lower-is-better metrics in tables, the planned epoch count, and
// the loader's helper thread converting for real.
import { assert, assertEquals } from "./_assert.ts";
import { referenceCost, type RefLayer } from "./_reference.ts";
import {
  compareSweeps,
  type Dataset,
  Network,
  readArchive,
  Rng,
  type SweepData,
  train,
  type TrialRecord,
} from "../mod.ts";
import { plannedEpochs } from "../src/vocabulary/training.ts";
import type { DenseLayer } from "../src/model/layers/dense.ts";
import { DEFAULT_SETTING } from "../src/experiment/fields.ts";
import { defaultMnistDir } from "../src/data/mnist.ts";
import { offloadStats } from "../src/data/_offthread.ts";

const close = (a: number, b: number, tol = 1e-6) => Math.abs(a - b) <= tol * (1 + Math.abs(b));

Deno.test("the generator gives xoshiro128**'s reference outputs", () => {
  // Python, from the algorithms' papers: splitmix32 seeding, then xoshiro128**.
  const want: [number, number[]][] = [
    [42, [2837322924, 544945897, 479756282, 3500138142, 339756180]],
    [0, [3809008728, 1133695204, 53579671]],
    [4294967295, [835879718, 1921286648, 2356205009]],
  ];
  for (const [seed, values] of want) {
    const rng = new Rng(seed);
    assertEquals(values.map(() => rng.nextUint32()), values);
  }
});

Deno.test("a shuffle gives every order equally often", () => {
  const rng = new Rng(7);
  const counts = new Map<string, number>();
  const a = new Uint32Array(3);
  const n = 60_000;
  for (let i = 0; i < n; i++) {
    a.set([0, 1, 2]);
    rng.shuffle(a);
    counts.set(a.join(), (counts.get(a.join()) ?? 0) + 1);
  }
  assertEquals(counts.size, 6);
  const expected = n / 6;
  const chi2 = [...counts.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
  assert(chi2 < 35.9, `chi-square ${chi2} (5 degrees of freedom; 35.9 is p = 1e-6)`);
});

/** A small fully connected network's parameters as the reference holds them. */
function refLayers(net: Network): RefLayer[] {
  const layers = net.engine.layers as DenseLayer[];
  return layers.map((l, i) => ({
    type: "dense",
    nIn: l.inSize,
    nOut: l.outSize,
    w: Array.from(
      { length: l.outSize },
      (_, j) => Array.from({ length: l.inSize }, (_, k) => l.wT[k * l.outSize + j]),
    ),
    b: [...l.b],
    output: i === layers.length - 1,
  }));
}

function tinyData(count: number, inputs: number, classes: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const split = {
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

Deno.test("every cost matches the float64 reference, regularisation included", () => {
  const data = tinyData(5, 4, 3, 11);
  const xs = Array.from({ length: 5 }, (_, e) => [...data.test.images.subarray(e * 4, e * 4 + 4)]);
  for (const cost of ["quadratic", "cross-entropy", "log-likelihood"] as const) {
    const net = new Network({ sizes: [4, 3, 3], cost, activation: "tanh" }).initialize(
      new Rng(2),
      "default",
    );
    const ref = refLayers(net);
    const mean = referenceCost(ref, xs, [...data.test.labels], "tanh", cost);
    const weights = ref.flatMap((l) => (l.type === "dense" ? l.w.flat() : []));
    const squares = weights.reduce((s, w) => s + w * w, 0);
    const absolute = weights.reduce((s, w) => s + Math.abs(w), 0);
    const reg = { lmbda: 0.3, l1: 0.2, weightDecay: 0.1 };
    const want = mean + 0.5 * (0.3 / 5) * squares + (0.2 / 5) * absolute + 0.5 * 0.1 * squares;
    assert(
      close(net.totalCost(data.test, reg), want, 1e-5),
      `${cost}: ${net.totalCost(data.test, reg)} vs ${want}`,
    );
  }
});

Deno.test("L2, L1 and weight decay steps: 1/n for network2.py's and eq. 95's, none for Saito's", () => {
  // n = 4 training images in batches of m = 2, so a step scaled by 1/m instead of 1/n, or
  // weight decay scaled by 1/n, fails. Plain SGD takes the fused path (decay, shrink, step);
  // momentum 0 takes the optimisers' path (regularisation added to the gradient): both checked.
  const data = tinyData(4, 3, 2, 5);
  const eta = 0.3;
  const n = 4;
  const cases = [{ lmbda: 0.7 }, { l1: 0.2 }, { weightDecay: 0.05 }] as const;
  for (const reg of cases) {
    for (const optimizer of ["sgd", "momentum"] as const) {
      const { lmbda = 0, l1 = 0, weightDecay = 0 } = reg as {
        lmbda?: number;
        l1?: number;
        weightDecay?: number;
      };
      const net = new Network({ sizes: [3, 2, 2], cost: "cross-entropy" }).initialize(
        new Rng(3),
        "default",
      );
      const ref = refLayers(net);
      // Two batches of 2 in the data's order:
      // w -> (1 - eta·(lmbda/n + weightDecay))·w - eta·(l1/n)·sgn(w) - eta·∂C_batch/∂w.
      for (const start of [0, 2]) {
        const xs = [0, 1].map((
          e,
        ) => [...data.training.images.subarray((start + e) * 3, (start + e) * 3 + 3)]);
        const labels = [start % 2, (start + 1) % 2];
        const grads = ref.map((l) => {
          if (l.type !== "dense") throw new Error();
          const h = 1e-6;
          const g = (get: () => number, set: (v: number) => void) => {
            const v = get();
            set(v + h);
            const up = referenceCost(ref, xs, labels, "sigmoid", "cross-entropy");
            set(v - h);
            const down = referenceCost(ref, xs, labels, "sigmoid", "cross-entropy");
            set(v);
            return (up - down) / (2 * h);
          };
          return {
            w: l.w.map((row, j) => row.map((_, k) => g(() => l.w[j][k], (v) => (l.w[j][k] = v)))),
            b: l.b.map((_, j) => g(() => l.b[j], (v) => (l.b[j] = v))),
          };
        });
        ref.forEach((l, i) => {
          if (l.type !== "dense") return;
          l.w = l.w.map((row, j) =>
            row.map((w, k) =>
              (1 - eta * (lmbda / n + weightDecay)) * w - eta * (l1 / n) * Math.sign(w) -
              eta * grads[i].w[j][k]
            )
          );
          l.b = l.b.map((b, j) => b - eta * grads[i].b[j]);
        });
      }
      train(net, data, {
        eta,
        ...reg,
        optimizer,
        momentum: 0,
        miniBatchSize: 2,
        epochs: 1,
        seed: 1,
        sampling: "sequential",
      });
      const got = refLayers(net);
      const what = `${JSON.stringify(reg)} ${optimizer}`;
      got.forEach((l, i) => {
        const r = ref[i];
        if (l.type !== "dense" || r.type !== "dense") return;
        l.w.flat().forEach((w, q) =>
          assert(close(w, r.w.flat()[q], 1e-5), `${what}: w ${i}.${q}: ${w} vs ${r.w.flat()[q]}`)
        );
        l.b.forEach((b, q) => assert(close(b, r.b[q], 1e-5), `${what}: b ${i}.${q}`));
      });
    }
  }
});

Deno.test("batch norm keeps running averages with momentum 0.9", () => {
  const net = new Network({
    sizes: [3, 4, 2],
    batchNorm: true,
    activation: "relu",
    cost: "log-likelihood",
  })
    .initialize(new Rng(4), "default");
  const e = net.engine;
  const layer = e.layers[0] as DenseLayer;
  const ws = e.workspace(3);
  const images = Float32Array.from({ length: 9 }, (_, i) => (i * 0.37) % 1);
  const expected = new Float64Array(4);
  for (const rows of [[0, 1, 2], [2, 0, 1]]) {
    ws.rows.set(rows);
    e.forward(ws, { images, all: true }, 3, { mode: "train", rng: new Rng(1) });
    // z is the affine step before normalisation: its batch mean updates the running mean.
    const z = (ws.works[0] as unknown as { z: Float32Array }).z;
    for (let j = 0; j < 4; j++) {
      expected[j] = 0.9 * expected[j] + 0.1 * ((z[j] + z[4 + j] + z[8 + j]) / 3);
    }
  }
  [...layer.runMean!].forEach((v, j) =>
    assert(close(v, expected[j], 1e-5), `mean ${j}: ${v} vs ${expected[j]}`)
  );
});

Deno.test("tables rank costs and seconds lowest first", () => {
  const trial = (id: string, costs: number[], eta: number): TrialRecord => ({
    format: 2,
    id,
    experiment: "e",
    index: 0,
    setting: { ...DEFAULT_SETTING, eta },
    repeat: 0,
    seed: 1,
    draw: null,
    status: "done",
    epochs: costs.map((c, epoch) => ({ epoch, eta, trainSeconds: 1, evalSeconds: 0, testCost: c })),
  });
  const sweep = {
    dir: "x",
    experiment: { name: "x" },
    metas: new Map(),
    trials: [trial("a", [0.5, 0.3, 0.4], 1), trial("b", [0.6, 0.2, 0.25], 2)],
    counts: null,
    environment: {},
    skipped: [],
    storeStale: false,
  } as unknown as SweepData;
  const c = compareSweeps([sweep], { metric: "testCost" });
  assertEquals(c.rows.map((r) => r.params.eta), [2, 1]);
  assertEquals([c.rows[0].best.mean, c.rows[0].bestEpoch, c.rows[0].isBest], [0.2, 1, true]);
  assertEquals(c.rows[1].best.mean, 0.3);
});

Deno.test("Saito's iterations make whole epochs, the last one partial", () => {
  const o = (iterations: number, miniBatchSize: number) => ({
    sampling: "replacement" as const,
    iterations,
    miniBatchSize,
    epochs: 1,
  });
  assertEquals(plannedEpochs(o(25, 10), 100), 3);
  assertEquals(plannedEpochs(o(2000, 128), 60000), 5); // 468 iterations an epoch
  assertEquals(plannedEpochs(o(10000, 100), 60000), 17);
});

Deno.test("the loader's helper thread converts the pixels", () => {
  // On a loaded machine the main thread may finish before the helper has started (then the
  // ring fills, later parts are converted inline and the queued ones drained here, correctly):
  // a few loads, of which one at least must be helped. Every part of the large array is either
  // queued or converted inline, whatever the timing.
  const helped: number[] = [];
  for (let attempt = 0; attempt < 10 && !helped.some((h) => h > 0); attempt++) {
    readArchive(`${defaultMnistDir()}/train-images-idx3-ubyte`);
    const stats = offloadStats()!;
    assert(stats.queued + stats.inline > 100, `queued ${stats.queued}, inline ${stats.inline}`);
    assertEquals(stats.helper + stats.drained, stats.queued);
    helped.push(stats.helper);
  }
  assert(helped.some((h) => h > 0), `the helper converted ${helped.join(", ")} slots`);
});

Deno.test("no kernel reads past the end of memory, whatever the width", async (t) => {
  const { WasmArena } = await import("../src/model/_arena.ts");
  const PAGE = 65536;
  /** An arena whose next `floats` values end exactly at the end of its memory. */
  const atTheEnd = (floats: number) => {
    const arena = new WasmArena(4 * PAGE);
    const padded = Math.ceil(floats / 4) * 4; // allocations are 16-byte aligned
    const filler = 2 * PAGE - padded * 4 - ((arena.used + 15) & ~15);
    arena.float32(filler / 4);
    const arr = arena.float32(padded).subarray(padded - floats);
    assertEquals(arr.byteOffset + arr.byteLength, arena.memory.buffer.byteLength);
    return { arena, arr };
  };

  for (const nOut of [1, 33, 65, 3]) {
    await t.step(`sparse forward, ${nOut} outputs (1 mod 32 and 4)`, () => {
      const rows = 5;
      const { arena, arr: w } = atTheEnd(rows * nOut);
      for (let i = 0; i < w.length; i++) w[i] = (i % 7) - 3;
      const z = arena.float32(0 + nOut); // grows the memory: z is elsewhere, w stays where it was
      const idx = arena.uint16(2);
      idx.set([rows - 1, 0]);
      const val = arena.float32(2);
      val.set([2, 0.5]);
      arena.kernels.sparse_forward(
        z.byteOffset,
        w.byteOffset,
        nOut,
        idx.byteOffset,
        val.byteOffset,
        2,
      );
      for (let j = 0; j < nOut; j++) assertEquals(z[j], 2 * w[(rows - 1) * nOut + j] + 0.5 * w[j]);
    });
  }
  await t.step("GEMM tails at the end of memory", () => {
    const M = 3, N = 33, K = 5;
    const { arena, arr: b } = atTheEnd(K * N);
    b.forEach((_, i) => (b[i] = (i % 5) - 2));
    const a = arena.float32(M * K);
    a.forEach((_, i) => (a[i] = (i % 3) - 1));

    const c = arena.float32(M * N);
    arena.kernels.gemm_nn(c.byteOffset, a.byteOffset, b.byteOffset, M, N, K, K, 1, N, N, 1, 0);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let p = 0; p < K; p++) s += a[i * K + p] * b[p * N + j];
        assertEquals(c[i * N + j], s);
      }
    }
  });
});

Deno.test("the generator's normal samples have mean 0 and variance 1", () => {
  const rng = new Rng(12);
  const n = 200_000;
  let sum = 0;
  let squares = 0;
  let beyond2 = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.gaussian();
    sum += x;
    squares += x * x;
    if (Math.abs(x) > 2) beyond2++;
  }
  const mean = sum / n;
  const variance = squares / n - mean * mean;
  assert(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert(Math.abs(variance - 1) < 0.015, `variance ${variance}`);
  assert(Math.abs(beyond2 / n - 0.0455) < 0.003, `P(|x| > 2) = ${beyond2 / n}`); // 4.55% for N(0,1)
});
