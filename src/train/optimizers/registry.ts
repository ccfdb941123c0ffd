/**
 * The optimisers an experiment's `optimizer` may name, one entry each. A new optimiser is one
 * file and one entry.
 *
 * @module
 */
import type { OptimizerKind } from "./_optimizer.ts";
import { SGD } from "./sgd.ts";
import { MOMENTUM } from "./momentum.ts";
import { NESTEROV } from "./nesterov.ts";
import { ADAGRAD } from "./adagrad.ts";
import { RMSPROP } from "./rmsprop.ts";
import { ADAM } from "./adam.ts";

/** An optimiser's name. */
export type OptimizerName = "sgd" | "momentum" | "nesterov" | "adagrad" | "rmsprop" | "adam";

/** Every optimiser by name. */
export const OPTIMIZERS: Record<OptimizerName, OptimizerKind> = {
  sgd: SGD,
  momentum: MOMENTUM,
  nesterov: NESTEROV,
  adagrad: ADAGRAD,
  rmsprop: RMSPROP,
  adam: ADAM,
};

/** Every optimiser name, for validation. */
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

export type { OptimizerSettings } from "./_optimizer.ts";
