/**
 * A sweep's plan: the experiment file read and validated, the dataset identified (by content,
 * not location) and loaded once, every trial expanded and checked against the data and the
 * memory its network needs, before anything is trained or written.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import {
  checkRegularFile,
  type Dataset,
  datasetIdentity,
  loadDataset,
  withSparseRows,
} from "../data/mod.ts";
import { NetsweepError } from "../core/mod.ts";
import {
  evalBatchFor,
  LayerShapeError,
  memoryBytes,
  networkSpec,
  planNetwork,
} from "../model/mod.ts";
import { plannedEpochs } from "../vocabulary/mod.ts";
import {
  applyOverrides,
  Checker,
  checkSetting,
  datasetKey,
  expandTrials,
  type Experiment,
  parseExperiment,
  parseJson,
  type Setting,
  settingText,
  type Trial,
} from "../experiment/mod.ts";
import { networkOptions } from "./trial_network.ts";
import { experimentHash, type ExperimentMeta } from "../store/mod.ts";

/** The most kernel memory one trial's network may take. */
export const TRIAL_MEMORY_LIMIT = 2 * 2 ** 30;

/** Reads, validates and expands an experiment file with its overrides (no data needed). */
export function loadExperiment(
  file: string,
  sets: string[] = [],
  setsLabel = "--set",
): { experiment: Experiment } {
  let text: string;
  try {
    // Stat first: /dev/zero would be read without end, a FIFO would block the open.
    const info = Deno.statSync(file);
    if (info.isDirectory) throw new NetsweepError(file, "is a directory, not an experiment file");
    checkRegularFile(file, info);
    text = Deno.readTextFileSync(file);
  } catch (err) {
    if (err instanceof NetsweepError) throw err;
    if (err instanceof Deno.errors.NotFound) throw new NetsweepError(file, "no such file");
    throw new NetsweepError(file, `cannot read (${(err as Error).message.split("\n")[0]})`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark
  const json = applyOverrides(parseJson(text, file), sets, setsLabel);
  const experiment = parseExperiment(json, file);
  if (experiment.dataset.path !== null) {
    experiment.dataset.path = resolve(dirname(file), experiment.dataset.path);
  }
  return { experiment };
}

/** The trials of an experiment with their ids on the data they run on. */
export function identifyTrials(
  experiment: Experiment,
): { identity: string; key: string; trials: Trial[] } {
  const identity = datasetIdentity(experiment.dataset.path, experiment.dataset.name);
  const key = datasetKey(experiment.dataset, identity);
  return { identity, key, trials: expandTrials(experiment, key) };
}

/** A planned sweep, ready to run. */
export interface SweepPlan {
  file: string;
  /** What trial ids take of the dataset (its identity and split options). */
  datasetKey: string;
  experiment: Experiment;
  trials: Trial[];
  data: Dataset;
  meta: ExperimentMeta;
  /** Epochs each trial will train (Saito's iterations make whole epochs). */
  planned(setting: Setting): number;
}

/** `trial 3 (eta=0.5 lmbda=1)`: where a problem is, for messages. */
function where(t: Trial, keys: string[]): string {
  const parts = keys.map((k) => `${k}=${settingText(t.setting[k as keyof Setting], true)}`);
  return `trial ${t.index}${parts.length ? ` (${parts.join(" ")})` : ""}`;
}

/**
 * Checks a setting against the data: the layers fit the images, the output has one neuron
 * per class, trainSize is available, and the network's memory fits the limit.
 */
export function checkFitsData(setting: Setting, data: Dataset, c: Checker, at: string): void {
  if (!setting.layers) {
    const sizes = setting.sizes;
    if (sizes[0] !== data.inputSize) {
      c.fail(
        `${at}.sizes`,
        `first layer ${sizes[0]} does not fit the data's ${data.inputSize} inputs`,
      );
    }
  }
  const spec = networkSpec(networkOptions(setting, data));
  let plan;
  try {
    plan = planNetwork(spec);
  } catch (err) {
    if (err instanceof LayerShapeError) {
      c.fail(
        `${at}.${err.where}`,
        err.message.slice(err.where.length + 2) + ` (input ${data.imageShape.join("x")})`,
      );
    }
    throw err;
  }
  const out = plan[plan.length - 1].outShape[0];
  if (out !== data.classes) {
    c.fail(
      `${at}.${setting.layers ? "layers" : "sizes"}`,
      `last layer ${out} does not fit the data's ${data.classes} classes`,
    );
  }
  if (setting.trainSize !== null && setting.trainSize > data.training.count) {
    c.fail(
      `${at}.trainSize`,
      `${setting.trainSize} is more than the ${data.training.count} training images`,
    );
  }
  const bytes = memoryBytes(plan, setting.miniBatchSize, evalBatchFor(plan));
  if (bytes > TRIAL_MEMORY_LIMIT) {
    const what = setting.layers ? "network" : `[${setting.sizes.join(", ")}] network`;
    c.fail(
      `${at}.${setting.layers ? "layers" : "sizes"}`,
      `a ${what} needs ${
        (bytes / 1e9).toFixed(1)
      } GB of kernel memory for batches of ${setting.miniBatchSize}, more than the ${
        TRIAL_MEMORY_LIMIT / 2 ** 30
      } GiB a trial may use`,
    );
  }
}

/**
 * Plans a sweep: the experiment, its trials, the loaded dataset (with its sparse rows, shared
 * by every worker) and what the results directory keeps about it. Throws a NetsweepError for
 * any problem before anything runs.
 */
export function planSweep(
  file: string,
  sets: string[],
  environment: Record<string, unknown>,
  setsLabel = "--set",
): SweepPlan {
  const { experiment } = loadExperiment(file, sets, setsLabel);
  const { identity, key, trials } = identifyTrials(experiment);
  const c: Checker = new Checker(file);
  const varying = Object.keys({
    ...experiment.grid,
    ...experiment.sample,
    ...Object.assign({}, ...experiment.cases),
  });
  for (const t of trials) checkSetting(t.setting, experiment.prune, c, where(t, varying));
  const d = experiment.dataset;
  const data = withSparseRows(loadDataset({
    name: d.name ?? undefined,
    path: d.path ?? undefined,
    split: d.split,
    scale: d.scale,
    trainingImages: d.trainingImages,
    validationImages: d.validationImages,
    expand: d.expand,
    maxBytes: d.decodeLimitMB * 1e6,
  }));
  const seen = new Set<string>();
  for (const t of trials) {
    const s = t.setting;
    const key = JSON.stringify([
      s.sizes,
      s.layers,
      s.activation,
      s.cost,
      s.batchNorm,
      s.dropout,
      s.miniBatchSize,
      s.trainSize,
    ]);
    if (seen.has(key)) continue;
    seen.add(key);
    checkFitsData(s, data, c, where(t, varying));
  }
  const hash = experimentHash(experiment, identity);
  const meta: ExperimentMeta = {
    hash,
    experiment,
    dataset: identity,
    counts: {
      training: data.training.count,
      validation: data.validation?.count ?? null,
      test: data.test.count,
    },
    environment,
  };
  return {
    file,
    datasetKey: key,
    experiment,
    trials,
    data,
    meta,
    planned: (s) =>
      plannedEpochs(
        {
          sampling: s.sampling,
          iterations: s.iterations ?? undefined,
          epochs: s.epochs,
          miniBatchSize: s.miniBatchSize,
        },
        s.trainSize ?? data.training.count,
      ),
  };
}
