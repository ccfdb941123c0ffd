/**
 * The optimisers an experiment's `optimizer` may name, one entry each. A new optimiser is one
 * file and one entry.
 *
 * @module
 */
import type { OptimizerName } from "../../vocabulary/mod.ts";
import type { OptimizerKind } from "./_optimizer.ts";
import { SGD } from "./sgd.ts";
import { MOMENTUM } from "./momentum.ts";
import { NESTEROV } from "./nesterov.ts";
import { ADAGRAD } from "./adagrad.ts";
import { RMSPROP } from "./rmsprop.ts";
import { ADAM } from "./adam.ts";

/** Every optimiser by name. */
export const OPTIMIZERS: Record<OptimizerName, OptimizerKind> = {
  sgd: SGD,
  momentum: MOMENTUM,
  nesterov: NESTEROV,
  adagrad: ADAGRAD,
  rmsprop: RMSPROP,
  adam: ADAM,
};

export type { OptimizerSettings } from "./_optimizer.ts";
