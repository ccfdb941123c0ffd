// What every optimiser implements: one update of all parameters after backprop of a
// mini-batch, regularisation included, with its state kept per parameter so that a checkpoint
// can save it and a resumed run continue with the same numbers. The training loop calls
// `update` and nothing else, whatever the optimiser.
import type { Engine, Param, Workspace } from "../../model/mod.ts";

/** Hyperparameters an optimiser may read (each has a default in the experiment schema). */
export interface OptimizerSettings {
  /** Momentum and Nesterov: v' = momentum·v - eta·g. */
  momentum: number;
  /** RMSprop: h' = rmsDecay·h + (1 - rmsDecay)·g². */
  rmsDecay: number;
  /** Adam's first-moment decay. */
  beta1: number;
  /** Adam's second-moment decay. */
  beta2: number;
}

/**
 * The weights' regularisation, as gradient terms: ∂/∂w of the cost gains `l2·w + l1·sgn(w)`
 * (l2 = lmbda/n + weightDecay, l1 = l1/n: network2.py's L2, Nielsen's eq. 95, Saito's weight
 * decay). Biases, γ and β are not regularised.
 */
export interface Penalty {
  l2: number;
  l1: number;
}

/** An optimiser bound to one network. */
export interface Optimizer {
  /** Updates every parameter after backprop of the `m` examples in `ws`, learning rate `eta`. */
  update(ws: Workspace, m: number, eta: number): void;
  /** State arrays (one per parameter and kind), saved by checkpoints. */
  readonly arrays: Float32Array[];
  /** State scalars (Adam's step count). */
  scalars(): number[];
  /** Restores the scalars that {@linkcode scalars} returned. */
  restore(scalars: number[]): void;
}

/** A kind of optimiser, as the registry lists it. */
export interface OptimizerKind {
  create(engine: Engine, settings: OptimizerSettings, penalty: Penalty): Optimizer;
}

/** An optimiser's rule over parameters whose gradient buffers hold the batch's mean gradient. */
export interface GradientRule {
  /** param -= rule(grad) for every parameter. */
  step(eta: number): void;
  readonly arrays: Float32Array[];
  scalars(): number[];
  restore(scalars: number[]): void;
}

/**
 * An optimiser that steps from gradients: the engine writes the batch's mean gradient into
 * each parameter's buffer (BP3, BP4), the penalty's terms are added to the weights', then
 * `rule` steps.
 */
export function fromGradients(engine: Engine, penalty: Penalty, rule: GradientRule): Optimizer {
  const weights = engine.params.filter((p) => p.regularize);
  const { l2, l1 } = penalty;
  return {
    update(ws, m, eta) {
      engine.gradients(ws, m);
      if (l2 !== 0 || l1 !== 0) {
        for (const p of weights) {
          const w = p.data;
          const g = p.grad;
          for (let i = 0, n = w.length; i < n; i++) g[i] += l2 * w[i] + l1 * Math.sign(w[i]);
        }
      }
      rule.step(eta);
    },
    arrays: rule.arrays,
    scalars: () => rule.scalars(),
    restore: (s) => rule.restore(s),
  };
}

/** Adagrad's, RMSprop's and Adam's epsilon, as Saito's optimizer.py adds it (1e-7). */
export const EPSILON = 1e-7;

/** One zeroed state array per parameter. */
export function zeros(params: Param[]): Float32Array[] {
  return params.map((p) => new Float32Array(p.data.length));
}
