/**
 * Training as the books run it: the mini-batch loop, the optimisers, regularisation, the
 * learning-rate schedule and early stopping, monitoring, and the whole training state that a
 * checkpoint saves and a resumed run continues from.
 *
 * @module
 */
export type { TrainControl, TrainOptions, TrainResult, TrainStatus } from "./options.ts";
export { checkpointAbout, decodeCheckpoint, encodeCheckpoint, type TrainState } from "./state.ts";
export type { StoppedBy } from "./stopping.ts";
export { sgd, train } from "./train.ts";
