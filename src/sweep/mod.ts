/**
 * Running an experiment: the plan (experiment, data and trials checked before anything runs),
 * the pool of Workers that share one copy of the data, the schedulers (plain and successive
 * halving), checkpoints, and progress.
 *
 * @module
 */
export type { SweepEvent } from "./events.ts";
export { identifyTrials, loadExperiment, planSweep, type SweepPlan } from "./plan.ts";
export { planLines, type Probe, probe } from "./preview.ts";
export { inputShape, networkOptions, trainOptions } from "./trial_network.ts";
export { progressReporter } from "./progress.ts";
export { runSweep, type SweepOptions, type SweepResult } from "./runner.ts";
