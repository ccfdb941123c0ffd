/**
 * The layer kinds an experiment's `layers` list may name: their fields, bounds and meaning (for
 * the experiment's checks and its JSON Schema). How each kind is built is the model's registry.
 *
 * @module
 */

/** A fully connected layer of `size` neurons; `dropout` drops its inputs (network3.py). */
export interface DenseSpec {
  /** The kind. */
  type: "dense";
  /** Neurons. */
  size: number;
  /** Probability of dropping each input in training. */
  dropout?: number;
}
/** A "valid" convolution of `maps` filters of kernel × kernel over all input maps. */
export interface ConvSpec {
  /** The kind. */
  type: "conv";
  /** Feature maps (filters). */
  maps: number;
  /** Filter width and height. */
  kernel: number;
}
/** Max-pooling over non-overlapping size × size windows. */
export interface PoolSpec {
  /** The kind. */
  type: "pool";
  /** Window width and height. */
  size: number;
}
/** One entry of an experiment's `layers` list. */
export type LayerSpec = DenseSpec | ConvSpec | PoolSpec;

/** A field of a layer spec: an integer (at least `minimum`) or a probability in [0, 1). */
export interface LayerField {
  /** An integer, or a probability in [0, 1). */
  kind: "integer" | "probability";
  /** An integer's least value. */
  minimum?: number;
  /** An integer's greatest value. */
  maximum?: number;
  /** Whether every layer of the kind must give it. */
  required: boolean;
  /** What it means. */
  description: string;
}

/** Each layer kind's fields, for validation and for the JSON Schema. */
export const LAYER_FIELDS: Record<LayerSpec["type"], Record<string, LayerField>> = {
  dense: {
    size: {
      kind: "integer",
      minimum: 1,
      maximum: 1_000_000,
      required: true,
      description: "Neurons.",
    },
    dropout: {
      kind: "probability",
      required: false,
      description:
        "Probability of dropping each input of this layer in training (network3.py's p_dropout).",
    },
  },
  conv: {
    maps: {
      kind: "integer",
      minimum: 1,
      maximum: 4096,
      required: true,
      description: "Feature maps (filters).",
    },
    kernel: {
      kind: "integer",
      minimum: 1,
      maximum: 64,
      required: true,
      description: "Filter width and height.",
    },
  },
  pool: {
    size: {
      kind: "integer",
      minimum: 1,
      maximum: 64,
      required: true,
      description: "Max-pooling window.",
    },
  },
};

/** The largest training batch a network's memory is reserved for. */
export const MAX_BATCH = 4096;
