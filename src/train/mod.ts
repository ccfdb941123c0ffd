/**
 * Training as the books run it: the mini-batch loop, the optimisers, regularisation, the
 * learning-rate schedule and early stopping, monitoring, and the whole training state that a
 * checkpoint saves and a resumed run continues from.
 *
 * @module
 */
export { decodeCheckpoint, encodeCheckpoint } from "./state.ts";
export {
  density,
  sgd,
  type TrainControl,
  type TrainOptions,
  type TrainResult,
  type TrainState,
  type TrainStatus,
} from "./train.ts";
