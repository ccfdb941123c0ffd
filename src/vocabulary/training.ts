/**
 * How a run trains, in words: the optimisers and the settings each reads, how mini-batches are
 * drawn, Nielsen's learning-rate schedule, and how many epochs a run makes. The training loop
 * implements them; experiments, results and the live view need only these names.
 *
 * @module
 */

/** Every optimiser name, for validation. */
export const OPTIMIZER_NAMES = [
  "sgd",
  "momentum",
  "nesterov",
  "adagrad",
  "rmsprop",
  "adam",
] as const;

/** An optimiser's name. */
export type OptimizerName = typeof OPTIMIZER_NAMES[number];

/** The settings each optimiser reads (the others do not apply to it). */
export const OPTIMIZER_READS: Record<OptimizerName, readonly string[]> = {
  sgd: [],
  momentum: ["momentum"],
  nesterov: ["momentum"],
  adagrad: [],
  rmsprop: ["rmsDecay"],
  adam: ["beta1", "beta2"],
};

/** Nielsen's "no improvement in n" learning-rate schedule. */
export interface EtaSchedule {
  /** Epochs without a better monitored accuracy before eta is multiplied by `factor`. */
  patience: number;
  /** What eta is multiplied by after `patience` epochs without improvement. */
  factor: number;
  /** Stop once eta has fallen to this fraction of its start (1/128 in the book). */
  stopAt: number;
}

/** How mini-batches are drawn each epoch. */
export type Sampling = "shuffle" | "replacement" | "sequential";

/** Epochs a run makes on `n` images: Saito's iterations give whole epochs of n/m batches. */
export function plannedEpochs(
  o: {
    sampling?: Sampling;
    iterations?: number | null;
    epochs: number;
    miniBatchSize: number;
  },
  n: number,
): number {
  if (o.sampling === "replacement" && o.iterations !== undefined && o.iterations !== null) {
    return Math.ceil(o.iterations / Math.max(1, Math.floor(n / o.miniBatchSize)));
  }
  return o.epochs;
}
