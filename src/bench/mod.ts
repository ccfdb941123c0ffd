/**
 * The benchmarks behind `deno task bench`: loading, training, the books' larger networks
 * beside numpy and PyTorch, a sweep's wall time, and the bookkeeping of many tiny trials.
 * Each reports medians of alternating rounds and ratios measured in the same run.
 *
 * @module
 */
export { benchKernels, simdPeak } from "./kernels.ts";
export { benchLoad } from "./load.ts";
export { benchModels } from "./models.ts";
export { benchScale } from "./scale.ts";
export { benchConvTeam, benchSweep } from "./sweep.ts";
export { benchTrain } from "./train.ts";
