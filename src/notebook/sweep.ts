/**
 * Running a sweep from a notebook cell: `await sweep("experiments/eta.json", { epochs: 5 })`
 * runs it with those base values overridden, shows one progress element updated in place
 * (in Jupyter), and returns the results, which display as their table and curves.
 *
 * @module
 */
import type { Setting } from "../experiment/mod.ts";
import { runSweep, type SweepOptions, type SweepResult } from "../sweep/mod.ts";
import { loadVotePredictions, readSweep } from "../results/mod.ts";
import { inJupyter } from "./display.ts";
import { notebookProgress } from "./progress.ts";
import { SweepView } from "./views.ts";

/** Options of {@linkcode sweep}: those of `runSweep` but the file and overrides. */
export interface NotebookSweepOptions extends Omit<SweepOptions, "file" | "sets" | "setsLabel"> {
  /** Show the progress element (default: in Jupyter only). */
  progress?: boolean;
}

/** A finished sweep: its results, and how the run ended. */
export class NotebookSweep extends SweepView {
  /** The results of a run and how it ended. */
  constructor(view: SweepView, readonly result: SweepResult) {
    super(view.sweeps);
  }
  /** The results directory. */
  get dir(): string {
    return this.result.dir;
  }
}

/**
 * Runs (or resumes) the sweep of experiment `file` with `overrides` of its base values.
 *
 * @example
 * ```ts ignore
 * import { sweep } from "../../mod.ts";
 * const r = await sweep("experiments/eta.json", { epochs: 5 });
 * r; // in a notebook: the settings table and the test-accuracy curves
 * ```
 */
export async function sweep(
  file: string,
  overrides: Partial<Setting> = {},
  options: NotebookSweepOptions = {},
): Promise<NotebookSweep> {
  const sets = Object.entries(overrides).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  const show = options.progress ?? inJupyter();
  const progress = show ? notebookProgress() : null;
  const onEvent = progress || options.onEvent
    ? (e: Parameters<NonNullable<SweepOptions["onEvent"]>>[0]) => {
      progress?.onEvent(e);
      options.onEvent?.(e);
    }
    : undefined;
  const result = await runSweep({
    ...options,
    file,
    sets,
    setsLabel: "sweep() overrides",
    onEvent,
  });
  await progress?.finish(result.interrupted);
  const sweeps = [await readSweep(result.dir)];
  await loadVotePredictions(sweeps);
  return new NotebookSweep(new SweepView(sweeps), result);
}
