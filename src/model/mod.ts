/**
 * The networks of both books: fully connected, convolutional and pooling layers on WebAssembly
 * SIMD kernels, their initialisations, feedforward, backprop, evaluation and saving. A Network
 * owns its Engine (the kernels' memory and the passes over a mini-batch), which the training
 * loop drives.
 *
 * @module
 */
export { type Kernels, simdKind, type Splitter, WasmArena } from "./_arena.ts";
export { Engine, type Source, type Workspace } from "./engine.ts";
export {
  abandonTeam,
  KernelTeam,
  rejoinTeam,
  releaseTeam,
  type ServeEnd,
  serveTeam,
  teamOpen,
  type TeamShare,
} from "./team.ts";
export type { Layer, LayerJson, LayerWork, Mode, Param, Pass } from "./layers/_layer.ts";
export { evalBatchFor, LayerShapeError, memoryBytes, planNetwork } from "./layers/registry.ts";
export {
  Network,
  type NetworkJson,
  type NetworkOptions,
  networkSpec,
  type Regularization,
} from "./network.ts";
