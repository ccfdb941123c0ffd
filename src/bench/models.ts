// Benchmark of the books' larger networks, one thread each: Saito's chapter-6 network
// (784-100x5-10 ReLU, batch 128) with plain SGD beside numpy and PyTorch, and with Adam, batch
// norm and dropout as ratios to its plain SGD epoch; Nielsen's conv-pool network (mini-batch 10),
// Saito's SimpleConvNet and his DeepConvNet (Adam, batch 100) beside PyTorch. The two sides alternate, one
// epoch each per round, so that a noisy machine slows both alike; medians are quoted.
import { type Dataset, limitTraining, loadDataset } from "../data/mod.ts";
import { Network, type NetworkOptions } from "../model/mod.ts";
import { Rng } from "../core/mod.ts";
import { train, type TrainOptions } from "../train/mod.ts";
import { density } from "../data/mod.ts";
import type { Init, LayerSpec } from "../vocabulary/mod.ts";
import { median } from "./_stats.ts";
import { python, runBaseline } from "./_baseline.ts";

interface Case {
  name: string;
  network: NetworkOptions;
  init: Init;
  initStd?: number;
  train: Omit<TrainOptions, "epochs" | "seed">;
  split: "standard" | "nielsen";
  /** Images per timed epoch (a full epoch's time is scaled from it). */
  images: number;
  /** The full epoch's images. */
  full: number;
  /** Baselines: [label, interpreter module, script, args (epochs appended)]. */
  baselines: [string, string, string, string[]][];
  /** Quote the time as a ratio to this case's. */
  ratioTo?: string;
}

const DEEP = [784, 100, 100, 100, 100, 100, 10];
const deep = (
  name: string,
  extra: Partial<NetworkOptions>,
  train: Partial<TrainOptions>,
  ratioTo?: string,
): Case => ({
  name,
  network: { sizes: DEEP, activation: "relu", cost: "log-likelihood", ...extra },
  init: "he",
  train: {
    eta: 0.01,
    miniBatchSize: 128,
    sampling: "replacement",
    ...train,
  } as TrainOptions,
  split: "standard",
  images: 60000,
  full: 60000,
  baselines: ratioTo ? [] : [
    ["numpy", "numpy", "scripts/numpy_deep_baseline.py", [DEEP.join(","), "128"]],
    ["torch", "torch", "scripts/torch_baseline.py", ["deep-mlp"]],
  ],
  ratioTo,
});

const CASES: Case[] = [
  deep("deep 784-100x5-10 SGD", {}, {}),
  deep("  Adam", {}, { optimizer: "adam", eta: 0.001 }, "deep 784-100x5-10 SGD"),
  deep("  batch norm", { batchNorm: true }, {}, "deep 784-100x5-10 SGD"),
  deep("  dropout 0.2", { dropout: 0.2 }, {}, "deep 784-100x5-10 SGD"),
  {
    name: "Nielsen conv-pool, mb 10",
    network: {
      layers: [{ type: "conv", maps: 20, kernel: 5 }, { type: "pool", size: 2 }, {
        type: "dense",
        size: 100,
      }, { type: "dense", size: 10 }],
      inputShape: [1, 28, 28],
      activation: "sigmoid",
      cost: "log-likelihood",
    },
    init: "network3",
    train: { eta: 0.1, miniBatchSize: 10, sampling: "sequential" } as TrainOptions,
    split: "nielsen",
    images: 10000,
    full: 50000,
    baselines: [["torch", "torch", "scripts/torch_baseline.py", ["nielsen-conv"]]],
  },
  {
    name: "Saito SimpleConvNet, Adam",
    network: {
      layers: [{ type: "conv", maps: 30, kernel: 5 }, { type: "pool", size: 2 }, {
        type: "dense",
        size: 100,
      }, { type: "dense", size: 10 }],
      inputShape: [1, 28, 28],
      activation: "relu",
      cost: "log-likelihood",
    },
    init: "scaled",
    initStd: 0.01,
    train: {
      eta: 0.001,
      miniBatchSize: 100,
      sampling: "replacement",
      optimizer: "adam",
    } as TrainOptions,
    split: "standard",
    images: 12000,
    full: 60000,
    baselines: [["torch", "torch", "scripts/torch_baseline.py", ["saito-convnet"]]],
  },
  {
    name: "Saito DeepConvNet, Adam",
    network: {
      layers: deepConvNetLayers(),
      inputShape: [1, 28, 28],
      activation: "relu",
      cost: "log-likelihood",
    },
    init: "he",
    train: {
      eta: 0.001,
      miniBatchSize: 100,
      sampling: "replacement",
      optimizer: "adam",
    } as TrainOptions,
    split: "standard",
    // About 14 times SimpleConvNet's work per image: a short timed epoch.
    images: 2000,
    full: 60000,
    baselines: [["torch", "torch", "scripts/torch_baseline.py", ["saito-deep-convnet"]]],
  },
];

/** ch08/deep_convnet.py's layers, as experiments/saito-ch8-deep-convnet.json lists them. */
function deepConvNetLayers(): LayerSpec[] {
  const conv = (maps: number, pad: number): LayerSpec => ({ type: "conv", maps, kernel: 3, pad });
  const pool: LayerSpec = { type: "pool", size: 2, stride: 2 };
  return [
    conv(16, 1),
    conv(16, 1),
    pool,
    conv(32, 1),
    conv(32, 2),
    pool,
    conv(64, 1),
    conv(64, 1),
    pool,
    { type: "dense", size: 50 },
    { type: "dense", size: 10, dropout: 0.5, logitDropout: 0.5 },
  ];
}

/** One epoch of a baseline script, in seconds, or null where it cannot run. */
function baselineEpoch(
  exe: string,
  script: string,
  args: string[],
  images: number,
  kernels: Set<string>,
): number | null {
  // numpy_deep_baseline takes SIZES BATCH EPOCHS IMAGES; torch_baseline CASE EPOCHS IMAGES.
  const r = runBaseline(exe, script, [...args, "1", String(images)]);
  if (r) kernels.add(r.blas);
  return r ? r.epochSeconds[0] : null;
}

/** Runs each case `rounds` times, alternating with its baselines; prints medians and ratios. */
export function benchModels(rounds: number): void {
  const data: Record<string, Dataset> = {
    standard: loadDataset({ split: "standard" }),
    nielsen: loadDataset({ split: "nielsen" }),
  };
  const interpreters = new Map<string, string | null>();
  const blas = new Set<string>();
  const results = new Map<string, number>();
  console.log(
    `\nBooks' networks, one thread, median of ${rounds} alternating rounds (seconds per epoch of the full training set)`,
  );
  console.log(
    "case                          netsweep   baselines                       ratio",
  );
  for (const c of CASES) {
    const d = limitTraining(data[c.split], c.images);
    const net = new Network(c.network).initialize(new Rng(1), c.init, c.initStd);
    const scale = c.full / c.images;
    const kernel = density(d.training) < 0.5 ? "sparse" : "dense";
    const epoch = (seed: number) => {
      const r = train(net, d, { ...c.train, epochs: 1, seed, kernel, monitor: {} });
      return r.epochs[0].trainSeconds * scale;
    };
    epoch(0); // warm-up: compiles and touches everything once
    const mine: number[] = [];
    const theirs = new Map<string, number[]>();
    for (let r = 0; r < rounds; r++) {
      mine.push(epoch(r + 1));
      for (const [label, module, script, args] of c.baselines) {
        if (!interpreters.has(module)) interpreters.set(module, python(module));
        const exe = interpreters.get(module);
        const s = exe ? baselineEpoch(exe, script, args, c.images, blas) : null;
        if (s !== null) theirs.set(label, [...(theirs.get(label) ?? []), s * scale]);
      }
    }
    const m = median(mine);
    results.set(c.name, m);
    const base = [...theirs].map(([label, xs]) => `${label} ${median(xs).toFixed(2)}`).join(", ");
    const ratios = c.ratioTo
      ? `${(m / results.get(c.ratioTo)!).toFixed(2)}x ${c.ratioTo.split(" ")[0]} SGD's`
      : [...theirs].map(([label, xs]) => `${(m / median(xs)).toFixed(2)}x ${label}'s`).join(", ");
    console.log(
      `${c.name.padEnd(29)} ${m.toFixed(2).padStart(8)}   ${(base || "-").padEnd(31)} ${ratios}`,
    );
  }
  console.log(`baselines' BLAS: ${[...blas].join(", ") || "-"}`);
}
