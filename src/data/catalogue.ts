/**
 * Datasets by name: `mnist` (the embedded MNIST) and `fashion-mnist` (Zalando's, in MNIST's
 * IDX files), found where a package installs it or where users usually put it, with one line
 * saying how to install it when it is nowhere. A new dataset is one entry here and its name in
 * the experiment field `dataset.name`.
 *
 * @module
 */
import { isAbsolute, join, resolve } from "node:path";
import { NetsweepError } from "../core/mod.ts";
import type { DatasetSpec } from "../experiment/mod.ts";
import { statPath } from "./_file.ts";
import { idxFilesIn } from "./_idx.ts";
import { defaultMnistDir } from "./mnist.ts";

/** A dataset netsweep knows by name (the values of an experiment's `dataset.name`). */
export type DatasetName = "mnist" | "fashion-mnist";

// The experiment field's values and these names are one list: a name added to one and not the
// other fails to compile here.
type FieldName = NonNullable<DatasetSpec["name"]>;
const _namesAgree: [DatasetName, FieldName] extends [FieldName, DatasetName] ? true : never = true;

/** Reads an environment variable (injectable, so tests need not change the process's). */
export type EnvReader = (name: string) => string | undefined;

interface Installed {
  /** The dataset's name in messages. */
  title: string;
  /** A variable naming the folder that holds it, used instead of every other place. */
  envVar: string;
  /** Its folder under a `datasets` folder (Debian's /usr/share/datasets/<folder>). */
  folder: string;
  /** The IDX files (each may be gzipped) the folder must hold. */
  files: readonly string[];
  /** One line: how to install it. */
  install: string;
}

const IDX_FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
] as const;

// null: embedded in an npm dependency, nothing to find.
const CATALOGUE: Record<DatasetName, Installed | null> = {
  mnist: null,
  "fashion-mnist": {
    title: "Fashion-MNIST",
    envVar: "NETSWEEP_FASHION_MNIST",
    folder: "fashion-mnist",
    files: IDX_FILES,
    install:
      "install it with `sudo apt install dataset-fashion-mnist` (Debian, Ubuntu), or download the four IDX files (train-images-idx3-ubyte.gz and the others) from https://github.com/zalandoresearch/fashion-mnist#get-the-data into a folder and set NETSWEEP_FASHION_MNIST to it",
  },
};

/** The names of the catalogue, in order. */
export const DATASET_NAMES: readonly DatasetName[] = Object.keys(CATALOGUE) as DatasetName[];

/** True when `s` is a dataset's name. */
export function isDatasetName(s: string): s is DatasetName {
  return Object.hasOwn(CATALOGUE, s);
}

function processEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // without --allow-env: as if unset
  }
}

/**
 * Where `name` is looked for, in order, when its variable is unset: the XDG data folders'
 * `datasets/<name>` (so `~/.local/share`, `/usr/local/share` and Debian's `/usr/share`), then
 * Keras' download folder `~/.keras/datasets/<name>`.
 */
export function datasetPlaces(name: DatasetName, env: EnvReader = processEnv): string[] {
  const entry = CATALOGUE[name];
  if (entry === null) return [];
  const home = env("HOME");
  const absolute = (p: string | undefined) => p !== undefined && p !== "" && isAbsolute(p);
  const dataHome = env("XDG_DATA_HOME");
  const dataDirs = (env("XDG_DATA_DIRS") || "/usr/local/share:/usr/share").split(":");
  const roots = [
    absolute(dataHome) ? dataHome! : absolute(home) ? join(home!, ".local", "share") : "",
    ...dataDirs,
    "/usr/share", // where Debian's package installs it, whatever XDG_DATA_DIRS says
  ].filter(absolute);
  const places = roots.map((root) => join(root, "datasets", entry.folder));
  if (absolute(home)) places.push(join(home!, ".keras", "datasets", entry.folder));
  return [...new Set(places.map((p) => resolve(p)))];
}

/** The entry's files that `dir` holds (gzipped or not), or null when it is not a folder. */
function filesIn(dir: string, entry: Installed): string[] | null {
  let isDirectory = false;
  try {
    isDirectory = statPath(dir).isDirectory;
  } catch (err) {
    if (err instanceof NetsweepError && err.problem === "no such file or directory") return null;
    throw err;
  }
  if (!isDirectory) return null;
  const keys = idxFilesIn(dir);
  return entry.files.filter((f) => keys.has(f.replace(/-idx\d-ubyte$/, "")));
}

/** `dir` if it holds every file of the entry; a NetsweepError naming what it lacks otherwise. */
function complete(dir: string, entry: Installed, found: string[]): string {
  const missing = entry.files.filter((f) => !found.includes(f));
  if (missing.length === 0) return dir;
  throw new NetsweepError(
    dir,
    `${entry.title} is incomplete here (no ${
      missing.join(", ")
    }, gzipped or not); ${entry.install}`,
  );
}

/**
 * The folder holding the dataset `name` (the embedded MNIST's for `mnist`): the folder its
 * variable names if set, else the first of `places` ({@linkcode datasetPlaces}) holding any of
 * its files. Missing or incomplete, it is a NetsweepError of one line saying how to install it.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { locateDataset } from "./catalogue.ts";
 * assert(locateDataset("mnist").endsWith("data"));
 * ```
 */
export function locateDataset(
  name: DatasetName,
  env: EnvReader = processEnv,
  places: readonly string[] = datasetPlaces(name, env),
): string {
  const entry = CATALOGUE[name];
  if (entry === null) return defaultMnistDir();
  const chosen = env(entry.envVar);
  if (chosen) {
    const found = filesIn(chosen, entry);
    if (found === null) {
      throw new NetsweepError(
        chosen,
        `not a folder (${entry.envVar} names it for ${entry.title}); ${entry.install}`,
      );
    }
    if (found.length === 0) {
      throw new NetsweepError(
        chosen,
        `no ${entry.title} files here (${entry.envVar} names this folder); ${entry.install}`,
      );
    }
    return complete(chosen, entry, found);
  }
  for (const dir of places) {
    const found = filesIn(dir, entry);
    if (found !== null && found.length > 0) return complete(dir, entry, found);
  }
  throw new NetsweepError(name, `not found (looked in ${places.join(", ")}); ${entry.install}`);
}

/**
 * What a load reads for a dataset given by `name` or by `path` (not both): a file or folder,
 * or null for the embedded MNIST.
 */
export function datasetPath(
  name: DatasetName | null | undefined,
  path: string | null | undefined,
): string | null {
  if (name != null && !isDatasetName(name)) {
    throw new NetsweepError(name, `no dataset of this name (known: ${DATASET_NAMES.join(", ")})`);
  }
  if (name != null && path != null) {
    throw new NetsweepError(name, `give a name or a path, not both (path '${path}')`);
  }
  if (name != null) return CATALOGUE[name] === null ? null : locateDataset(name);
  return path ?? null;
}
