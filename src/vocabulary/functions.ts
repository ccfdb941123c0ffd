/**
 * The activations and costs of both books, by name (the loops that apply them are the model's).
 *
 * @module
 */

/** Hidden-layer activation. */
export type Activation = "sigmoid" | "tanh" | "relu";

/**
 * Cost, which also fixes the output layer: `quadratic` and `cross-entropy` use sigmoid
 * outputs (network.py, network2.py); `log-likelihood` uses softmax outputs (Nielsen ch. 3,
 * network3.py, and Saito's softmax with cross-entropy error, the same function for one-hot
 * targets).
 */
export type Cost = "quadratic" | "cross-entropy" | "log-likelihood";

/** Every activation name, for validation. */
export const ACTIVATIONS: readonly Activation[] = ["sigmoid", "tanh", "relu"];
/** Every cost name, for validation. */
export const COSTS: readonly Cost[] = ["quadratic", "cross-entropy", "log-likelihood"];
