/**
 * A training run's state as bytes, so that a run stopped after any epoch (Ctrl-C, a time
 * limit, kill -9) resumes with the same numbers: the header's length and a CRC-32 of
 * everything after them, a JSON header (what the state was written for, counters,
 * generators, shapes), then every array's float32 values, little-endian, and the shuffled
 * order. A flipped byte anywhere fails the checksum: a damaged checkpoint is never used.
 *
 * @module
 */
import { crc32, type RngState } from "../core/mod.ts";

/**
 * Everything a run needs to continue after `epoch` epochs exactly as if it had not stopped:
 * the parameters, the optimiser's state, the generators and the loop's counters.
 */
export interface TrainState {
  /** Epochs finished. */
  epoch: number;
  /** Iterations run (replacement sampling). */
  iterations: number;
  /** The learning rate of the next epoch. */
  eta: number;
  /** The generator of shuffles and samples. */
  rng: RngState;
  /** The generator of dropout masks. */
  dropoutRng: RngState;
  /** The current shuffled order (shuffle sampling: each epoch shuffles the last one). */
  order: Uint32Array | null;
  /** Early stopping's and the schedule's best accuracy so far and its epoch. */
  best: number;
  /** The epoch of early stopping's best accuracy. */
  bestEpoch: number;
  /** The schedule's best accuracy so far. */
  scheduleBest: number;
  /** The epoch of the schedule's best accuracy (or of its last change of eta). */
  scheduleBestEpoch: number;
  /** Every layer's parameters, then its saved state (batch norm's running statistics). */
  params: Float32Array[];
  /** The optimiser's state arrays. */
  optimizer: Float32Array[];
  /** The optimiser's scalars (Adam's step count). */
  optimizerScalars: number[];
}

const MAGIC = "netsweep-checkpoint";
const VERSION = 2;

interface Header {
  magic: string;
  version: number;
  /** What the state was written for (a trial's id and setting), checked by its reader. */
  about: string;
  epoch: number;
  iterations: number;
  eta: number;
  rng: TrainState["rng"];
  dropoutRng: TrainState["dropoutRng"];
  best: number | null;
  bestEpoch: number;
  scheduleBest: number | null;
  scheduleBestEpoch: number;
  optimizerScalars: number[];
  params: number[];
  optimizer: number[];
  order: number;
}

// JSON has no -Infinity or NaN: the "nothing yet" values travel as null.
const finite = (x: number) => (Number.isFinite(x) ? x : null);
const back = (x: number | null, none: number) => (x === null ? none : x);

/**
 * Encodes `state`.
 *
 * @example
 * ```ts
 * import { assertEquals, assertThrows } from "../../tests/_assert.ts";
 * import { decodeCheckpoint, encodeCheckpoint } from "./state.ts";
 * const state = {
 *   epoch: 3, iterations: 0, eta: 0.5, rng: { s: [1, 2, 3, 4], spare: NaN }, dropoutRng: { s: [5, 6, 7, 8], spare: 0.25 },
 *   order: Uint32Array.of(2, 0, 1), best: -Infinity, bestEpoch: -1, scheduleBest: 0.9, scheduleBestEpoch: 2,
 *   params: [Float32Array.of(1, 2), Float32Array.of(3)], optimizer: [], optimizerScalars: [],
 * };
 * const bytes = encodeCheckpoint(state, "trial 1");
 * assertEquals(decodeCheckpoint(bytes, "x"), state);
 * bytes[bytes.length - 1] ^= 1; // one bit flipped
 * assertThrows(() => decodeCheckpoint(bytes, "x"), /checksum/);
 * ```
 */
export function encodeCheckpoint(state: TrainState, about = ""): Uint8Array {
  const header: Header = {
    magic: MAGIC,
    version: VERSION,
    about,
    epoch: state.epoch,
    iterations: state.iterations,
    eta: state.eta,
    rng: { s: state.rng.s, spare: finite(state.rng.spare) as number },
    dropoutRng: { s: state.dropoutRng.s, spare: finite(state.dropoutRng.spare) as number },
    best: finite(state.best),
    bestEpoch: state.bestEpoch,
    scheduleBest: finite(state.scheduleBest),
    scheduleBestEpoch: state.scheduleBestEpoch,
    optimizerScalars: state.optimizerScalars,
    params: state.params.map((a) => a.length),
    optimizer: state.optimizer.map((a) => a.length),
    order: state.order ? state.order.length : -1,
  };
  const text = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = (text.length + 8 + 3) & ~3; // the arrays start 4-aligned
  const floats = [...state.params, ...state.optimizer].reduce((s, a) => s + a.length, 0);
  const orderLength = state.order ? state.order.length : 0;
  const out = new Uint8Array(headerBytes + 4 * (floats + orderLength));
  const view = new DataView(out.buffer);
  view.setUint32(0, text.length, true);
  view.setUint32(4, 0, true);
  out.set(text, 8);
  // Every array copied as its bytes (little-endian: WebAssembly's hosts, x86 and ARM).
  let at = headerBytes;
  for (const a of [...state.params, ...state.optimizer, ...(state.order ? [state.order] : [])]) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += a.byteLength;
  }
  view.setUint32(4, crc32(0, out.subarray(8)), true);
  return out;
}

/** What a checkpoint says it was written for, or null when it cannot be read. */
export function checkpointAbout(bytes: Uint8Array): string | null {
  try {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + view.getUint32(0, true))));
    return typeof h.about === "string" ? h.about : null;
  } catch {
    return null;
  }
}

/** Decodes bytes that {@linkcode encodeCheckpoint} wrote; throws naming `source` otherwise. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): TrainState {
  const fail = (why: string): never => {
    throw new RangeError(`${source}: not a usable checkpoint (${why})`);
  };
  if (bytes.length < 8) fail("too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  if (length > bytes.length - 8) fail("truncated header");
  const stored = view.getUint32(4, true);
  const actual = crc32(0, bytes.subarray(8));
  if (stored !== actual) {
    const hex = (x: number) => `0x${x.toString(16).padStart(8, "0")}`;
    fail(`checksum ${hex(actual)} does not match its ${hex(stored)}: damaged`);
  }
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  } catch {
    return fail("unreadable header");
  }
  if (h.magic !== MAGIC || h.version !== VERSION) fail(`format ${h.version ?? "?"}`);
  let at = (length + 8 + 3) & ~3;
  const floats = (n: number) => {
    if (at + 4 * n > bytes.length) fail("truncated data");
    const a = new Float32Array(n);
    new Uint8Array(a.buffer).set(bytes.subarray(at, at + 4 * n));
    at += 4 * n;
    return a;
  };
  const params = h.params.map(floats);
  const optimizer = h.optimizer.map(floats);
  let order: Uint32Array | null = null;
  if (h.order >= 0) {
    if (at + 4 * h.order > bytes.length) fail("truncated order");
    order = new Uint32Array(h.order);
    new Uint8Array(order.buffer).set(bytes.subarray(at, at + 4 * h.order));
    at += 4 * h.order;
  }
  if (at !== bytes.length) fail("trailing bytes");
  return {
    epoch: h.epoch,
    iterations: h.iterations,
    eta: h.eta,
    rng: { s: h.rng.s, spare: back(h.rng.spare, NaN) },
    dropoutRng: { s: h.dropoutRng.s, spare: back(h.dropoutRng.spare, NaN) },
    order,
    best: back(h.best, -Infinity),
    bestEpoch: h.bestEpoch,
    scheduleBest: back(h.scheduleBest, -Infinity),
    scheduleBestEpoch: h.scheduleBestEpoch,
    params,
    optimizer,
    optimizerScalars: h.optimizerScalars,
  };
}
