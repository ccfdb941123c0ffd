/**
 * The layer kinds an experiment's `layers` list may name: their fields, bounds and meaning (for
 * the experiment's checks and its JSON Schema). How each kind is built is the model's registry.
 *
 * @module
 */

/** A fully connected layer of `size` neurons; `dropout` drops its inputs (network3.py). */
export interface DenseSpec {
  /** Tells the kinds apart in a `layers` list. */
  type: "dense";
  /** Neurons. */
  size: number;
  /** Probability of dropping each input in training. */
  dropout?: number;
  /**
   * The output layer only: probability of zeroing each weighted input z (logit) in training,
   * before softmax or sigmoid (Saito's Dropout after his last Affine, DeepConvNet).
   */
  logitDropout?: number;
}
/**
 * A convolution of `maps` filters of kernel × kernel over all input maps, on the input padded
 * with `pad` zeros on each side (default 0: "valid"), every `stride` positions (default 1).
 */
export interface ConvSpec {
  /** Tells the kinds apart in a `layers` list. */
  type: "conv";
  /** Feature maps (filters). */
  maps: number;
  /** Filter width and height. */
  kernel: number;
  /** Zeros added on each side of the input (Saito's `pad`); default 0. */
  pad?: number;
  /** Step between filter positions (Saito's `stride`); default 1. */
  stride?: number;
}
/** Max-pooling over size × size windows every `stride` positions (default: size, no overlap). */
export interface PoolSpec {
  /** Tells the kinds apart in a `layers` list. */
  type: "pool";
  /** Window width and height. */
  size: number;
  /** Step between windows (Saito's `stride`); default `size`. */
  stride?: number;
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
    logitDropout: {
      kind: "probability",
      required: false,
      description:
        "Output layer only: probability of zeroing each weighted input (logit) in training, before softmax or sigmoid; evaluation multiplies the logits by 1 - p (Saito's Dropout after the last Affine).",
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
    pad: {
      kind: "integer",
      minimum: 0,
      maximum: 63,
      required: false,
      description:
        "Zeros added on each side of the input (Saito's pad); default 0 (a 'valid' convolution). Less than kernel.",
    },
    stride: {
      kind: "integer",
      minimum: 1,
      maximum: 64,
      required: false,
      description: "Step between filter positions (Saito's stride); default 1.",
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
    stride: {
      kind: "integer",
      minimum: 1,
      maximum: 64,
      required: false,
      description:
        "Step between pooling windows (Saito's stride); default size (non-overlapping windows).",
    },
  },
};

/** The largest training batch a network's memory is reserved for. */
export const MAX_BATCH = 4096;
