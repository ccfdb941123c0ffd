// What every optimiser implements: one step over all parameters from their gradients (the
// batch's mean gradient, regularisation included), with its state kept per parameter so a
// checkpoint can save it and a resumed run continue with the same numbers.
import type { Kernels, Param } from "../../model/mod.ts";

/** Hyperparameters an optimiser may read (each has a default in the experiment schema). */
export interface OptimizerSettings {
  /** Momentum and Nesterov: v' = momentum·v - eta·g. */
  momentum: number;
  /** RMSprop: h' = rmsDecay·h + (1 - rmsDecay)·g². */
  rmsDecay: number;
  /** Adam's moment decays. */
  beta1: number;
  beta2: number;
}

/** An optimiser bound to a network's parameters. */
export interface Optimizer {
  /** param -= update(grad) for every parameter, with learning rate `eta`. */
  step(eta: number): void;
  /** State arrays (one per parameter and kind) and scalars (Adam's step count). */
  readonly arrays: Float32Array[];
  scalars(): number[];
  restore(scalars: number[]): void;
}

/** A kind of optimiser, as the registry lists it. */
export interface OptimizerKind {
  /** Plain SGD applies its step inside backprop, with no gradient buffers at all. */
  fused: boolean;
  create(params: Param[], settings: OptimizerSettings, memory: KernelMemory): Optimizer;
}

/** The network's kernels, and state arrays in their memory (for a step done by a kernel). */
export interface KernelMemory {
  kernels: Kernels;
  state(slots: 1 | 2): Float32Array[][];
}

/** Adagrad's, RMSprop's and Adam's epsilon, as Saito's optimizer.py adds it (1e-7). */
export const EPSILON = 1e-7;

/** One zeroed state array per parameter. */
export function zeros(params: Param[]): Float32Array[] {
  return params.map((p) => new Float32Array(p.data.length));
}
