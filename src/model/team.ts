/**
 * A second thread on one network's kernels: a trial's mini-batch work split in two, the
 * numbers bit-identical whether the second half runs on a helper or here.
 *
 * Why it is exact: a split only ever divides a kernel's outputs (the examples of a conv layer,
 * the columns or rows of a GEMM, the planes of an activation), never a sum. Every output is
 * computed by the same instructions in the same order wherever it runs, so the result does not
 * depend on whether a helper is attached, joins mid-epoch or leaves.
 *
 * How: the owner records the second part's kernel calls into a shared command buffer, posts
 * it, runs the first part, and waits; the helper (an idle sweep worker, {@linkcode serveTeam})
 * runs the recorded calls on its own instance of the kernels over the same shared memory.
 * Without a helper, both parts run here, one after the other.
 *
 * @module
 */
import type { Kernels, Splitter, WasmArena } from "./_arena.ts";

/** What a helper needs to join a team (posted to its worker). */
export interface TeamShare {
  /** The network's shared kernel memory. */
  memory: WebAssembly.Memory;
  /** Control words (state, release) then the command buffer, as float64 slots. */
  control: SharedArrayBuffer;
  /** The compiled kernels: the helper's instance runs the owner's very instructions. */
  module: WebAssembly.Module;
}

// control[0]: the team's state.
const NONE = 0; // no helper
const IDLE = 1; // a helper waits for work
const POSTED = 2; // work posted, not done yet
const CLOSED = 3; // the owner is done: helpers leave
const FAILED = 4; // the helper's kernel call threw
// control[1]: non-zero asks the helper to leave (the pool needs its worker back).
const RELEASE = 1;

/** Float64 slots of commands after 64 bytes of control words (64 KiB in all: made per network, so
 * kept small; a split that needs more runs on the owner alone). */
const SLOTS = 8192;
/** Arguments recorded per call (every kernel takes at most 12). */
const MAX_ARGS = 12;
/** Polls before a waiting side sleeps (a few microseconds of spinning). */
const SPIN = 4000;

/** The kernels' export names, in one order on both sides: a call's opcode is its index. */
function kernelNames(module: WebAssembly.Module): string[] {
  return WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name)
    .sort();
}

/** Kernels that write their calls into `cmds` instead of running them. */
class Recorder {
  count = 1; // cmds[0] holds the number of slots used
  overflow = false;
  readonly kernels: Kernels;

  constructor(readonly cmds: Float64Array, names: string[], arity: number[]) {
    const k: Record<string, unknown> = {};
    names.forEach((name, op) => {
      const n = arity[op];
      // Fixed parameters, no rest array: recording allocates nothing.
      k[name] = (
        a0: number,
        a1: number,
        a2: number,
        a3: number,
        a4: number,
        a5: number,
        a6: number,
        a7: number,
        a8: number,
        a9: number,
        a10: number,
        a11: number,
      ) => {
        const c = this.count;
        if (c + 1 + n > this.cmds.length) {
          this.overflow = true;
          return;
        }
        const s = this.cmds;
        s[c] = op;
        s[c + 1] = a0, s[c + 2] = a1, s[c + 3] = a2, s[c + 4] = a3, s[c + 5] = a4;
        s[c + 6] = a5, s[c + 7] = a6, s[c + 8] = a7, s[c + 9] = a8, s[c + 10] = a9;
        s[c + 11] = a10, s[c + 12] = a11;
        this.count = c + 1 + n;
      };
    });
    this.kernels = k as unknown as Kernels;
  }
}

/**
 * The owner's side: splits work between this thread and a helper, when one has joined.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { WasmArena } from "./_arena.ts";
 * import { KernelTeam } from "./team.ts";
 * const arena = new WasmArena(1 << 16);
 * const team = new KernelTeam(arena);
 * const v = arena.float32(8).fill(1);
 * // No helper has joined: both parts run here ([0, 4) and [4, 8) write disjoint values).
 * team.split(8, 4, (k, from, to) => k.scale(v.byteOffset + 4 * from, to - from, 2));
 * assert(v.every((x) => x === 2) && team.helped === 0);
 * team.close();
 * ```
 */
export class KernelTeam implements Splitter {
  readonly #kernels: Kernels;
  readonly #memory: WebAssembly.Memory;
  readonly #module: WebAssembly.Module;
  // Made on the first share(): a network no helper ever joins costs nothing here (a sweep of
  // thousands of tiny trials builds one network each).
  #control: SharedArrayBuffer | null = null;
  #state: Int32Array | null = null;
  #recorder: Recorder | null = null;
  #closed = false;
  /** Splits that ran on a helper (for tests and the benchmark). */
  helped = 0;
  /** A test's seam: runs right after work is posted, before this thread's part. */
  afterPost: (() => void) | null = null;

  /** A team over `arena`'s kernels: this thread alone until a helper joins. */
  constructor(arena: WasmArena) {
    this.#kernels = arena.kernels;
    this.#memory = arena.memory;
    this.#module = arena.module;
  }

  /** What a helper needs to join. */
  share(): TeamShare {
    if (!this.#control) {
      const control = new SharedArrayBuffer(64 + SLOTS * 8);
      const names = kernelNames(this.#module);
      const exports = this.#kernels as unknown as Record<string, (...a: number[]) => void>;
      const arity = names.map((n) => exports[n].length);
      const most = Math.max(...arity);
      if (most > MAX_ARGS) {
        throw new RangeError(`a kernel takes ${most} arguments, at most ${MAX_ARGS} are recorded`);
      }
      this.#recorder = new Recorder(new Float64Array(control, 64, SLOTS), names, arity);
      this.#state = new Int32Array(control, 0, 2);
      if (this.#closed) this.#state[0] = CLOSED;
      this.#control = control;
    }
    return { memory: this.#memory, control: this.#control, module: this.#module };
  }

  /** Work posted to the helper is not done yet. */
  get working(): boolean {
    return this.#state !== null && Atomics.load(this.#state, 0) === POSTED;
  }

  /** A helper is attached and waiting for work. */
  get hasHelper(): boolean {
    return this.#state !== null && Atomics.load(this.#state, 0) === IDLE;
  }

  /**
   * Runs `body(k, from, to)` over `[0, cut)` and `[cut, n)`: the second part on the helper
   * when one waits, else here. `body` may only call kernels (the helper's part is recorded
   * and replayed) and the two parts must write disjoint outputs. Whatever happens, no part
   * runs any more once this returns or throws.
   */
  split(
    n: number,
    cut: number,
    body: (k: Kernels, from: number, to: number) => void,
  ): void {
    const k = this.#kernels;
    const state = this.#state;
    if (state === null || cut <= 0 || cut >= n || Atomics.load(state, 0) !== IDLE) {
      body(k, 0, n);
      return;
    }
    const rec = this.#recorder!;
    rec.count = 1;
    rec.overflow = false;
    body(rec.kernels, cut, n);
    // The length is written before the work is posted: the helper reads it once it sees POSTED.
    rec.cmds[0] = rec.count;
    if (rec.overflow || Atomics.compareExchange(state, 0, IDLE, POSTED) !== IDLE) {
      body(k, 0, n); // too many calls to record, or the helper left meanwhile
      return;
    }
    let s = POSTED;
    try {
      this.afterPost?.(); // first, before anything else the owner does once the work is posted
      Atomics.notify(state, 0, 1);
      body(k, 0, cut);
    } finally {
      // Even when this thread's part threw: the helper's part ends before the split does.
      let spins = 0;
      while ((s = Atomics.load(state, 0)) === POSTED) {
        if (++spins > SPIN) Atomics.wait(state, 0, POSTED, 50);
      }
    }
    if (s === FAILED) throw new Error("a helper thread's kernel call failed");
    this.helped++;
  }

  /** The owner is done: a helper leaves, and none joins afterwards. */
  close(): void {
    this.#closed = true;
    const state = this.#state;
    if (state === null) return;
    for (;;) {
      const s = Atomics.load(state, 0);
      if (s === CLOSED || s === FAILED) return;
      if (Atomics.compareExchange(state, 0, s, CLOSED) === s) break;
    }
    Atomics.notify(state, 0);
  }
}

/** The team takes a helper now: none has joined, and it is neither closed nor failed. */
export function teamOpen(share: TeamShare): boolean {
  const state = new Int32Array(share.control, 0, 2);
  return Atomics.load(state, 0) === NONE && Atomics.load(state, RELEASE) === 0;
}

/** Asks the helper of a shared team to leave (from any thread: the pool's, say). */
export function releaseTeam(share: TeamShare): void {
  const state = new Int32Array(share.control, 0, 2);
  Atomics.store(state, RELEASE, 1);
  Atomics.notify(state, 0);
}

/** After a released helper left: the team takes a helper again (the pool's, one at a time). */
export function rejoinTeam(share: TeamShare): void {
  Atomics.store(new Int32Array(share.control, 0, 2), RELEASE, 0);
}

/**
 * The helper's thread died (its worker crashed): work it held is failed, so the owner throws
 * instead of waiting for it forever; a later split runs here.
 */
export function abandonTeam(share: TeamShare): void {
  const state = new Int32Array(share.control, 0, 2);
  Atomics.store(state, RELEASE, 1);
  if (Atomics.compareExchange(state, 0, POSTED, FAILED) !== POSTED) {
    Atomics.compareExchange(state, 0, IDLE, NONE);
  }
  Atomics.notify(state, 0);
}

/** Why {@linkcode serveTeam} returned. */
export type ServeEnd = "closed" | "released" | "taken" | "failed";

/**
 * The helper's side: joins the team and runs the work posted to it until the owner closes the
 * team or {@linkcode releaseTeam} asks it to leave. Blocks this thread meanwhile (a worker
 * that helps takes no message until it returns).
 */
export function serveTeam(share: TeamShare): ServeEnd {
  const state = new Int32Array(share.control, 0, 2);
  const cmds = new Float64Array(share.control, 64, SLOTS);
  const instance = new WebAssembly.Instance(share.module, { env: { memory: share.memory } });
  const exports = instance.exports as Record<string, (...a: number[]) => void>;
  const fns = kernelNames(share.module).map((n) => exports[n]);
  if (Atomics.load(state, RELEASE) !== 0) return "released";
  const joined = Atomics.compareExchange(state, 0, NONE, IDLE);
  if (joined !== NONE) return joined === CLOSED ? "closed" : "taken";
  let spins = 0;
  for (;;) {
    const s = Atomics.load(state, 0);
    if (s === POSTED) {
      try {
        for (let c = 1, end = cmds[0]; c < end;) {
          const f = fns[cmds[c]];
          f(
            cmds[c + 1],
            cmds[c + 2],
            cmds[c + 3],
            cmds[c + 4],
            cmds[c + 5],
            cmds[c + 6],
            cmds[c + 7],
            cmds[c + 8],
            cmds[c + 9],
            cmds[c + 10],
            cmds[c + 11],
            cmds[c + 12],
          );
          c += 1 + f.length;
        }
      } catch {
        Atomics.compareExchange(state, 0, POSTED, FAILED);
        Atomics.notify(state, 0);
        return "failed";
      }
      // Only POSTED becomes IDLE: a team closed or failed meanwhile stays so.
      const after = Atomics.compareExchange(state, 0, POSTED, IDLE);
      Atomics.notify(state, 0);
      if (after !== POSTED) return after === FAILED ? "failed" : "closed";
      spins = 0;
      continue;
    }
    if (s === CLOSED) return "closed";
    if (s !== IDLE) return s === FAILED ? "failed" : "released"; // abandoned (NONE) or failed
    if (Atomics.load(state, RELEASE) !== 0) {
      if (Atomics.compareExchange(state, 0, IDLE, NONE) === IDLE) return "released";
      continue; // work was posted meanwhile: done first
    }
    if (++spins > SPIN) Atomics.wait(state, 0, IDLE, 50);
  }
}
