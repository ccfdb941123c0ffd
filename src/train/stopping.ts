/**
 * When a run stops early and how its learning rate falls, decided from the monitored accuracy
 * of each epoch: early stopping after `earlyStopping` epochs without a better accuracy, and
 * Nielsen's schedule (chapter 3), which multiplies eta by `factor` once `patience` epochs have
 * passed without a better accuracy, and ends the run when eta has fallen to `stopAt` of its
 * start. A pure state machine, so its decisions can be checked against worked examples.
 *
 * @module
 */
import type { EtaSchedule } from "../vocabulary/mod.ts";

/** What stopped a run early. */
export type StoppedBy = "earlyStopping" | "etaSchedule";

/** The state a checkpoint keeps, so a resumed run decides as an uninterrupted one. */
export interface StoppingState {
  /** The learning rate of the next epoch. */
  eta: number;
  /** Early stopping's best accuracy so far, and its epoch. */
  best: number;
  bestEpoch: number;
  /** The schedule's best accuracy so far, and its epoch (or that of its last change of eta). */
  scheduleBest: number;
  scheduleBestEpoch: number;
}

/**
 * Early stopping and the eta schedule of one run.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { Stopping } from "./stopping.ts";
 * // Patience 2: two epochs without a better accuracy halve eta; an eighth of it ends the run.
 * const s = new Stopping(1, 0, { patience: 2, factor: 0.5, stopAt: 0.125 });
 * const seen = [0.9, 0.8, 0.8, 0.95, 0.9, 0.9, 0.9, 0.9].map((acc, epoch) => {
 *   const stop = s.observe(epoch, acc);
 *   return stop ?? s.eta;
 * });
 * assertEquals(seen, [1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, "etaSchedule"]);
 * ```
 */
export class Stopping {
  eta: number;
  #best = -Infinity;
  #bestEpoch = -1;
  #scheduleBest = -Infinity;
  #scheduleBestEpoch = -1;

  /** `earlyStopping` 0 and `schedule` null: never stops early, eta never changes. */
  constructor(
    readonly initialEta: number,
    readonly earlyStopping: number,
    readonly schedule: EtaSchedule | null,
  ) {
    this.eta = initialEta;
  }

  /**
   * Takes epoch `epoch`'s monitored accuracy; returns what stops the run after it, or null.
   * The new eta (if the schedule changed it) applies from the next epoch.
   */
  observe(epoch: number, accuracy: number): StoppedBy | null {
    if (this.earlyStopping > 0) {
      if (accuracy > this.#best) [this.#best, this.#bestEpoch] = [accuracy, epoch];
      else if (epoch - this.#bestEpoch >= this.earlyStopping) return "earlyStopping";
    }
    const s = this.schedule;
    if (s) {
      if (accuracy > this.#scheduleBest) {
        [this.#scheduleBest, this.#scheduleBestEpoch] = [accuracy, epoch];
      } else if (epoch - this.#scheduleBestEpoch >= s.patience) {
        this.eta *= s.factor;
        this.#scheduleBestEpoch = epoch; // another `patience` epochs at the new rate
        // (1 + 1e-9): 1/128 of eta reached by seven halvings is not missed by rounding.
        if (this.eta <= this.initialEta * s.stopAt * (1 + 1e-9)) return "etaSchedule";
      }
    }
    return null;
  }

  /** The state to save. */
  state(): StoppingState {
    return {
      eta: this.eta,
      best: this.#best,
      bestEpoch: this.#bestEpoch,
      scheduleBest: this.#scheduleBest,
      scheduleBestEpoch: this.#scheduleBestEpoch,
    };
  }

  /** Continues from a saved state. */
  restore(s: StoppingState): void {
    this.eta = s.eta;
    this.#best = s.best;
    this.#bestEpoch = s.bestEpoch;
    this.#scheduleBest = s.scheduleBest;
    this.#scheduleBestEpoch = s.scheduleBestEpoch;
  }
}
