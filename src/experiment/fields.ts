/**
 * The fields of an experiment file, one table each for a trial's setting and for the dataset:
 * kind, default, bounds, whether the field shapes the training (and so the trial's seed), and
 * a description. The `Setting` type, the validator, the JSON Schema for editors, the CSV and
 * zarr columns and the tables all derive from these tables: a new setting is one entry.
 *
 * @module
 */
import {
  ACTIVATIONS,
  COSTS,
  type EtaSchedule,
  INIT_DESCRIPTION,
  INITS,
  type LayerField,
  type LayerSpec,
  MAX_BATCH,
  METRIC_INFO,
  MONITOR_METRICS,
  type MonitorMetric,
  OPTIMIZER_NAMES,
} from "../vocabulary/mod.ts";

/** One field's kind, bounds and default. */
export type Field =
  | {
    kind: "number";
    minimum?: number;
    exclusiveMinimum?: number;
    maximum?: number;
    exclusiveMaximum?: number;
    default: number;
    description: string;
    shapes?: boolean;
  }
  | {
    kind: "integer";
    minimum: number;
    maximum: number;
    nullable?: boolean;
    default: number | null;
    description: string;
    shapes?: boolean;
  }
  | {
    kind: "enum";
    values: readonly (string | number)[];
    nullable?: boolean;
    default: string | number | null;
    description: string;
    shapes?: boolean;
  }
  | { kind: "boolean"; default: boolean; description: string; shapes?: boolean }
  | { kind: "sizes"; default: number[]; description: string; shapes?: boolean }
  | { kind: "layers"; default: null; description: string; shapes?: boolean }
  | { kind: "metrics"; default: MonitorMetric[]; description: string; shapes?: boolean }
  | { kind: "schedule"; default: null; description: string; shapes?: boolean }
  | { kind: "path"; default: string | null; description: string; shapes?: boolean };

/** The most trials one experiment may expand to (grid, cases, draws and repeats crossed). */
export const MAX_TRIALS = 100_000;

/** Largest layer width, and largest number of epochs a setting may ask for. */
export const MAX_WIDTH = 1_000_000;
export const MAX_EPOCHS = 1_000_000;

/**
 * Every parameter of one trial. `shapes: false` marks fields that only decide how long a run
 * lasts or what it measures: they are left out of the trial's seed, so a short run is the
 * exact prefix of a longer one.
 */
export const SETTING_FIELDS = {
  sizes: {
    kind: "sizes",
    default: [784, 30, 10],
    description: "Neurons per layer, input first (a fully connected network).",
    shapes: true,
  },
  layers: {
    kind: "layers",
    default: null,
    description:
      "Instead of sizes: the layers after the input, e.g. conv, pool, dense; the last is the output layer.",
    shapes: true,
  },
  activation: {
    kind: "enum",
    values: ACTIVATIONS,
    default: "sigmoid",
    description: "Hidden activation (also of conv layers).",
    shapes: true,
  },
  cost: {
    kind: "enum",
    values: COSTS,
    default: "quadratic",
    description: "quadratic and cross-entropy use sigmoid outputs; log-likelihood uses softmax.",
    shapes: true,
  },
  init: {
    kind: "enum",
    values: ["auto", ...INITS],
    default: "auto",
    description:
      `auto: large for a sizes network (network.py, chapter 1), default for a layers network (network2.py's; network3.py's conv-pool net learns faster with it than with N(0,1) or its own); ${INIT_DESCRIPTION}`,
    shapes: true,
  },
  initStd: {
    kind: "number",
    exclusiveMinimum: 0,
    maximum: 1e6,
    default: 0.01,
    description: "Standard deviation for init 'scaled'.",
    shapes: true,
  },
  eta: {
    kind: "number",
    exclusiveMinimum: 0,
    maximum: 1e300,
    default: 3.0,
    description: "Learning rate.",
    shapes: true,
  },
  lmbda: {
    kind: "number",
    minimum: 0,
    maximum: 1e300,
    default: 0,
    description:
      "L2 regularisation as network2.py: w -> (1 - eta·lmbda/n)·w. network3.py's lmbda at mini-batch m is lmbda·m here.",
    shapes: true,
  },
  l1: {
    kind: "number",
    minimum: 0,
    maximum: 1e300,
    default: 0,
    description: "L1 regularisation (Nielsen eq. 95): w -> w - (eta·l1/n)·sgn(w).",
    shapes: true,
  },
  weightDecay: {
    kind: "number",
    minimum: 0,
    maximum: 1e300,
    default: 0,
    description: "Saito's weight decay: 0.5·weightDecay·Σw² in the loss, whatever n.",
    shapes: true,
  },
  optimizer: {
    kind: "enum",
    values: OPTIMIZER_NAMES,
    default: "sgd",
    description: "sgd, momentum, nesterov, adagrad, rmsprop or adam (Saito's formulas).",
    shapes: true,
  },
  momentum: {
    kind: "number",
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0.9,
    description: "Momentum and Nesterov: v' = momentum·v - eta·grad.",
    shapes: true,
  },
  rmsDecay: {
    kind: "number",
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.99,
    description: "RMSprop's decay rate.",
    shapes: true,
  },
  beta1: {
    kind: "number",
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.9,
    description: "Adam's first-moment decay.",
    shapes: true,
  },
  beta2: {
    kind: "number",
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.999,
    description: "Adam's second-moment decay.",
    shapes: true,
  },
  dropout: {
    kind: "number",
    minimum: 0,
    exclusiveMaximum: 1,
    default: 0,
    description:
      "Probability of dropping each hidden neuron in training (not inverted: evaluation scales by 1 - dropout).",
    shapes: true,
  },
  batchNorm: {
    kind: "boolean",
    default: false,
    description: "Batch normalisation after each hidden layer's affine step (Saito ch. 6).",
    shapes: true,
  },
  miniBatchSize: {
    kind: "integer",
    minimum: 1,
    maximum: MAX_BATCH,
    default: 10,
    description: "Examples per mini-batch.",
    shapes: true,
  },
  epochs: {
    kind: "integer",
    minimum: 1,
    maximum: MAX_EPOCHS,
    default: 30,
    description: "Epochs of training.",
    shapes: false,
  },
  sampling: {
    kind: "enum",
    values: ["shuffle", "replacement", "sequential"],
    default: "shuffle",
    description:
      "shuffle: Nielsen's consecutive mini-batches of a reshuffled order; replacement: Saito's sampled batches; sequential: network3.py's fixed order.",
    shapes: true,
  },
  iterations: {
    kind: "integer",
    minimum: 1,
    maximum: 1_000_000_000,
    nullable: true,
    default: null,
    description: "With sampling 'replacement': total iterations (overrides epochs).",
    shapes: false,
  },
  earlyStopping: {
    kind: "integer",
    minimum: 0,
    maximum: MAX_EPOCHS,
    default: 0,
    description: "Stop after this many epochs without a better monitored accuracy; 0 is off.",
    shapes: false,
  },
  etaSchedule: {
    kind: "schedule",
    default: null,
    description:
      "Nielsen's rule: multiply eta by factor when the monitored accuracy has not improved for patience epochs; stop once eta is stopAt of its start. null is off.",
    shapes: true,
  },
  monitorEvery: {
    kind: "integer",
    minimum: 1,
    maximum: MAX_EPOCHS,
    default: 1,
    description: "Compute the monitored metrics every N epochs and after the last one.",
    shapes: false,
  },
  trainSize: {
    kind: "integer",
    minimum: 1,
    maximum: 100_000_000,
    nullable: true,
    default: null,
    description: "Train on the first N training images only; null for all.",
    shapes: true,
  },
  monitor: {
    kind: "metrics",
    default: ["testAccuracy"],
    description: "Metrics computed after each monitored epoch.",
    shapes: false,
  },
} as const satisfies Record<string, Field>;

/** The dataset every trial of an experiment shares. */
export const DATASET_FIELDS = {
  name: {
    kind: "enum",
    values: ["mnist", "fashion-mnist"],
    nullable: true,
    default: null,
    description:
      "A dataset by name instead of a path: mnist (the embedded MNIST) or fashion-mnist (where Debian's dataset-fashion-mnist installs it, ~/.keras/datasets, or $NETSWEEP_FASHION_MNIST). Not with path.",
  },
  path: {
    kind: "path",
    default: null,
    description:
      "Archive file or IDX directory, relative to the experiment file; null for the embedded MNIST or the dataset name gives.",
  },
  split: {
    kind: "enum",
    values: ["nielsen", "standard"],
    default: "nielsen",
    description:
      "nielsen: 50,000 / 10,000 validation / 10,000 test; standard: 60,000 / 10,000 test.",
  },
  scale: {
    kind: "enum",
    values: [255, 256, 1],
    default: 255,
    description: "Divisor of integer pixels (256 is mnist.pkl.gz's).",
  },
  trainingImages: {
    kind: "integer",
    minimum: 1,
    maximum: 100_000_000,
    nullable: true,
    default: null,
    description:
      "Keep only the first N training images for every trial (with validationImages: Saito's held-out split).",
  },
  validationImages: {
    kind: "integer",
    minimum: 1,
    maximum: 100_000_000,
    nullable: true,
    default: null,
    description: "Validation split: the N training images after the first trainingImages.",
  },
  expand: {
    kind: "enum",
    values: ["shift1"],
    nullable: true,
    default: null,
    description:
      "shift1: add each training image shifted one pixel up, down, left and right (Nielsen's expand_mnist.py).",
  },
  decodeLimitMB: {
    kind: "integer",
    minimum: 1,
    maximum: 1_000_000,
    default: 2048,
    description:
      "Largest decompressed size accepted from an archive, in MB (a guard against compression bombs).",
  },
} as const satisfies Record<string, Field>;

/** The value type of a field of kind `F`. */
export type FieldType<F> = F extends { kind: "number" } ? number
  : F extends { kind: "integer"; nullable: true } ? number | null
  : F extends { kind: "integer" } ? number
  : F extends { kind: "enum"; values: readonly (infer V)[]; nullable: true } ? V | null
  : F extends { kind: "enum"; values: readonly (infer V)[] } ? V
  : F extends { kind: "boolean" } ? boolean
  : F extends { kind: "sizes" } ? number[]
  : F extends { kind: "layers" } ? LayerSpec[] | null
  : F extends { kind: "metrics" } ? MonitorMetric[]
  : F extends { kind: "schedule" } ? EtaSchedule | null
  : F extends { kind: "path" } ? string | null
  : never;

/** The resolved parameters of one trial. */
export type Setting = {
  -readonly [K in keyof typeof SETTING_FIELDS]: FieldType<(typeof SETTING_FIELDS)[K]>;
};

/** The resolved dataset of an experiment. */
export type DatasetSpec = {
  -readonly [K in keyof typeof DATASET_FIELDS]: FieldType<(typeof DATASET_FIELDS)[K]>;
};

/** A setting's field name. */
export type SettingKey = keyof Setting;

/** Every setting field, in table order. */
export const SETTING_KEYS = Object.keys(SETTING_FIELDS) as SettingKey[];

/** The typed defaults every experiment file is merged over. */
export const DEFAULT_SETTING: Setting = Object.fromEntries(
  SETTING_KEYS.map((k) => [k, SETTING_FIELDS[k].default]),
) as unknown as Setting;

/** The dataset defaults. */
export const DEFAULT_DATASET: DatasetSpec = Object.fromEntries(
  Object.entries(DATASET_FIELDS).map(([k, f]) => [k, f.default]),
) as unknown as DatasetSpec;

/** The fields that shape the training: a trial's seed derives from these only. */
export const SHAPING_KEYS: SettingKey[] = SETTING_KEYS.filter((k) => SETTING_FIELDS[k].shapes);

/** The monitorable metrics, for the `metrics` field kind. */
export const METRIC_VALUES: readonly MonitorMetric[] = MONITOR_METRICS;

/** The metrics that `prune` may rank trials by: accuracies and costs. */
export const PRUNE_METRICS: readonly MonitorMetric[] = MONITOR_METRICS.filter((m) =>
  METRIC_INFO[m].kind === "accuracy" || METRIC_INFO[m].kind === "cost"
);

/** The fields of an `etaSchedule` object (all required). */
export const SCHEDULE_FIELDS = {
  patience: {
    kind: "integer",
    minimum: 1,
    maximum: MAX_EPOCHS,
    default: 10,
    description: "Epochs without a better monitored accuracy before eta changes.",
  },
  factor: {
    kind: "number",
    exclusiveMinimum: 0,
    exclusiveMaximum: 1,
    default: 0.5,
    description: "What eta is multiplied by.",
  },
  stopAt: {
    kind: "number",
    exclusiveMinimum: 0,
    maximum: 1,
    default: 0.0078125,
    description: "Stop once eta has fallen to this fraction of its start (1/128 in the book).",
  },
} as const satisfies Record<string, Field>;

/** The fields of a `prune` object (each optional, with its default). */
export const PRUNE_FIELDS = {
  metric: {
    kind: "enum",
    values: PRUNE_METRICS,
    default: "validationAccuracy",
    description: "The accuracy or cost trials are ranked by at each rung (they must monitor it).",
  },
  minEpochs: {
    kind: "integer",
    minimum: 1,
    maximum: MAX_EPOCHS,
    default: 1,
    description: "Epochs of the first rung.",
  },
  factor: {
    kind: "integer",
    minimum: 2,
    maximum: 1000,
    default: 3,
    description: "Each rung keeps the best 1/factor of the trials and is factor times longer.",
  },
} as const satisfies Record<string, Field>;

/** The numbers at an experiment's top level. */
export const TOP_FIELDS = {
  trials: {
    kind: "integer",
    minimum: 1,
    maximum: MAX_TRIALS,
    default: 1,
    description: "Draws of the sample block (required with one).",
  },
  repeats: {
    kind: "integer",
    minimum: 1,
    maximum: MAX_TRIALS,
    default: 1,
    description: "Seeds per setting.",
  },
  seed: {
    kind: "integer",
    minimum: 0,
    maximum: 0xffffffff,
    default: 1,
    description: "Experiment seed.",
  },
} as const satisfies Record<string, Field>;

/** What an experiment's `name` may be (it names its results folder). */
export const NAME_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]*$";

/** A layer spec's field as a {@linkcode Field} (a probability is a number in [0, 1)). */
export function layerField(f: LayerField): Field {
  return f.kind === "integer"
    ? {
      kind: "integer",
      minimum: f.minimum ?? 1,
      maximum: f.maximum ?? MAX_WIDTH,
      default: null,
      description: f.description,
    }
    : { kind: "number", minimum: 0, exclusiveMaximum: 1, default: 0, description: f.description };
}
