/**
 * What a trial's setting means to the model and to the training loop: the one mapping from a
 * setting to a network's options and to the options of `train()`, used by the plan (to check
 * every network before anything runs), the workers (to build and train it) and `--plan`.
 *
 * @module
 */
import type { Dataset } from "../data/mod.ts";
import type { Setting } from "../experiment/mod.ts";
import type { NetworkOptions } from "../model/mod.ts";
import type { TrainOptions } from "../train/mod.ts";

/** The shape of the network's input: images as one map for layered networks. */
export function inputShape(
  setting: Setting,
  data: Pick<Dataset, "imageShape" | "inputSize">,
): number[] {
  return setting.layers ? [1, ...data.imageShape] : [data.inputSize];
}

/** The network a setting describes, on images of `data`'s shape. */
export function networkOptions(
  s: Setting,
  data: Pick<Dataset, "imageShape" | "inputSize">,
): NetworkOptions {
  return {
    sizes: s.layers ? undefined : s.sizes,
    layers: s.layers ?? undefined,
    inputShape: inputShape(s, data),
    activation: s.activation,
    cost: s.cost,
    batchNorm: s.batchNorm,
    dropout: s.dropout,
  };
}

/** How a setting trains, with the trial's training seed and the input kernel. */
export function trainOptions(s: Setting, seed: number, kernel: "sparse" | "dense"): TrainOptions {
  return {
    eta: s.eta,
    lmbda: s.lmbda,
    l1: s.l1,
    weightDecay: s.weightDecay,
    miniBatchSize: s.miniBatchSize,
    epochs: s.epochs,
    sampling: s.sampling,
    iterations: s.iterations ?? undefined,
    earlyStopping: s.earlyStopping,
    etaSchedule: s.etaSchedule,
    monitorEvery: s.monitorEvery,
    optimizer: s.optimizer,
    momentum: s.momentum,
    rmsDecay: s.rmsDecay,
    beta1: s.beta1,
    beta2: s.beta2,
    kernel,
    seed,
    monitor: { testAccuracy: false, ...Object.fromEntries(s.monitor.map((m) => [m, true])) },
  };
}
