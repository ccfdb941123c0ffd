/**
 * The weight initialisations of both books, by name (how each draws is the model's table).
 *
 * @module
 */

/** Every initialisation name, for validation. */
export const INITS = ["large", "default", "scaled", "xavier", "he", "network3"] as const;

/** A weight initialisation (see docs/networks.md). */
export type Init = typeof INITS[number];

/** What each initialisation does, for the schema's description. */
export const INIT_DESCRIPTION =
  "large: N(0,1) (network.py); default: N(0,1/n_in), N(0,1) biases (network2.py); scaled: initStd·N(0,1), zero biases (Saito); xavier: N(0,1/n_in), zero biases; he: N(0,2/n_in), zero biases; network3: N(0,1/n_out), N(0,1) biases, zero output layer (network3.py).";
