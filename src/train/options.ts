/**
 * How to train, and what a run returns: the options of `train()` (every experiment
 * field that shapes a run has one here), its result, and the hooks of a resumable run.
 *
 * @module
 */
import type {
  EpochMetrics,
  EtaSchedule,
  Monitor,
  OptimizerName,
  Sampling,
} from "../vocabulary/mod.ts";
import type { StoppedBy } from "./stopping.ts";
import type { TrainState } from "./state.ts";

/** How to train. */
export interface TrainOptions {
  /** The learning rate. */
  eta: number;
  /** Examples per mini-batch. */
  miniBatchSize: number;
  /** Epochs; with `replacement` sampling, derived from `iterations` when given. */
  epochs: number;
  /** network2.py's L2: w -> (1 - eta·lmbda/n)·w; default 0. */
  lmbda?: number;
  /** L1 (Nielsen eq. 95): w -> w - (eta·l1/n)·sgn(w); default 0. */
  l1?: number;
  /** Saito's weight decay: weightDecay·w added to the gradient, whatever n; default 0. */
  weightDecay?: number;
  /**
   * `shuffle` (Nielsen, default): consecutive mini-batches of an order shuffled each epoch;
   * `sequential` (network3.py): the data's own order every epoch, a short last batch dropped;
   * `replacement` (Saito): each iteration samples a batch with replacement.
   */
  sampling?: Sampling;
  /** With `replacement`: total iterations (an epoch is n / miniBatchSize of them). */
  iterations?: number;
  /** Seed of the shuffles, samples and dropout masks. */
  seed: number;
  /** Metrics after each monitored epoch; default test accuracy only. */
  monitor?: Monitor;
  /** Monitor every this many epochs and after the last one; default 1. */
  monitorEvery?: number;
  /** Stop after this many epochs without a better monitored accuracy; 0 (default) is off. */
  earlyStopping?: number;
  /** Learning-rate schedule; null or absent is off. */
  etaSchedule?: EtaSchedule | null;
  /** Default `sgd`. */
  optimizer?: OptimizerName;
  /** Momentum and Nesterov's momentum; default 0.9. */
  momentum?: number;
  /** RMSprop's decay; default 0.99. */
  rmsDecay?: number;
  /** Adam's moment decays; defaults 0.9 and 0.999. */
  beta1?: number;
  /** Adam's second-moment decay; default 0.999. */
  beta2?: number;
  /** Input kernel: `auto` (default) lists only non-zero pixels when under half are non-zero. */
  kernel?: "auto" | "sparse" | "dense";
  /** Training images the `gradientNorms` metric averages over; default 1,000 (Nielsen ch. 5). */
  gradientImages?: number;
}

/** How a training run ended. */
export type TrainStatus = "done" | "early-stopped" | "diverged" | "interrupted";

/** The outcome of `train()`. */
export interface TrainResult {
  /** How the run ended. */
  status: TrainStatus;
  /** Every finished epoch's metrics. */
  epochs: EpochMetrics[];
  /** The epoch in which the parameters became NaN or infinite, for `diverged`. */
  divergedEpoch?: number;
  /** What ended an `early-stopped` run. */
  stoppedBy?: StoppedBy;
  /** The kernel the input layer used. */
  kernel: "sparse" | "dense";
}

/** Hooks of a resumable run. */
export interface TrainControl {
  /** Continue from this state (taken from the same network, data and options). */
  resume?: TrainState;
  /**
   * Called after every finished epoch (after `onEpoch`), and before an early stop or an
   * interruption returns; `snapshot()` copies the state only when called.
   */
  checkpoint?: (snapshot: () => TrainState, epoch: number) => void;
}
