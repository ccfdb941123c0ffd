/**
 * Activations and costs, named as in Nielsen's book, with their integer codes for the
 * kernels' inner loops.
 *
 * @module
 */

/** Hidden-layer activation. */
export type Activation = "sigmoid" | "tanh" | "relu";

/**
 * Cost, which also fixes the output layer: `quadratic` and `cross-entropy` use sigmoid
 * outputs (network.py, network2.py); `log-likelihood` uses softmax outputs (Nielsen ch. 3,
 * and Saito's softmax with cross-entropy error, the same function for one-hot targets).
 */
export type Cost = "quadratic" | "cross-entropy" | "log-likelihood";

/** Every activation name, for validation. */
export const ACTIVATIONS: readonly Activation[] = ["sigmoid", "tanh", "relu"];
/** Every cost name, for validation. */
export const COSTS: readonly Cost[] = ["quadratic", "cross-entropy", "log-likelihood"];

export const SIGMOID = 0;
export const TANH = 1;
export const RELU = 2;

export const QUADRATIC = 0;
export const CROSS_ENTROPY = 1;
export const LOG_LIKELIHOOD = 2;

/** The kernels' code for an activation. */
export function activationCode(a: Activation): number {
  return a === "sigmoid" ? SIGMOID : a === "tanh" ? TANH : RELU;
}

/** The kernels' code for a cost. */
export function costCode(c: Cost): number {
  return c === "quadratic" ? QUADRATIC : c === "cross-entropy" ? CROSS_ENTROPY : LOG_LIKELIHOOD;
}

/** Smallest argument of a logarithm in a cost, so a saturated output gives a large finite cost. */
export const LOG_FLOOR = 1e-30;
