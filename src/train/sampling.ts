/**
 * The mini-batches of each epoch, as both books draw them: Nielsen's consecutive batches of an
 * order shuffled every epoch (network.py keeps a short last batch), network3.py's fixed order
 * (whole batches only), and Saito's batches sampled with replacement, counted in iterations.
 *
 * @module
 */
import type { Rng } from "../core/mod.ts";
import type { Sampling } from "../vocabulary/mod.ts";

/** Draws mini-batches of `m` of `n` examples. */
export class Batches {
  /** The current order (shuffle and sequential sampling); each shuffle shuffles the last. */
  readonly order: Uint32Array | null;
  /** Iterations run in all (replacement sampling). */
  iterations = 0;
  #k = 0;
  #left = 0;

  constructor(
    readonly sampling: Sampling,
    readonly n: number,
    readonly m: number,
    /** Replacement sampling's total iterations; absent: n/m per epoch. */
    readonly totalIterations: number | undefined,
    /** Shuffles and samples are drawn from it. */
    readonly rng: Rng,
  ) {
    this.order = sampling === "replacement" ? null : Uint32Array.from({ length: n }, (_, i) => i);
  }

  /** Whole batches of m in an epoch (Saito's iterations per epoch: at least one). */
  get perEpoch(): number {
    return Math.max(1, Math.floor(this.n / this.m));
  }

  /** Starts an epoch. */
  startEpoch(): void {
    this.#k = 0;
    if (this.sampling === "shuffle") this.rng.shuffle(this.order!);
    if (this.sampling === "replacement") {
      this.#left = this.totalIterations !== undefined
        ? Math.min(this.perEpoch, this.totalIterations - this.iterations)
        : this.perEpoch;
    }
  }

  /** Writes the next batch's example indices into `rows`; returns its size, 0 after the last. */
  next(rows: Uint32Array): number {
    const { m, n } = this;
    if (this.order === null) {
      if (this.#left === 0) return 0;
      this.#left--;
      this.iterations++;
      for (let e = 0; e < m; e++) rows[e] = this.rng.nextInt(n);
      return m;
    }
    // network3.py runs n/m whole batches; network.py keeps a short last batch.
    const limit = this.sampling === "sequential" ? Math.min(n, this.perEpoch * m) : n;
    const k = this.#k;
    if (k >= limit) return 0;
    const size = Math.min(m, limit - k);
    const order = this.order;
    for (let e = 0; e < size; e++) rows[e] = order[k + e];
    this.#k = k + size;
    return size;
  }
}
