// Pixel conversion on the second core. The main thread inflates (fflate is single-threaded);
// converting the inflated bytes into the destination Float32Array, and taking the first-touch
// page faults of that fresh memory, is a third of a load's time. A helper Worker does it in
// parallel: the main thread copies each inflated part into a slot of a shared ring and goes on
// inflating; the helper converts the slot into the shared destination. When the ring is full
// (or the helper has not started yet) the main thread converts the part itself, and at the end
// it converts whatever is still queued, so the helper can only ever make a load faster.
//
// Slots are claimed in order with a compare-and-swap on one counter, so the main thread and
// the helper never convert the same slot; each slot says which array, where, and how much.

/** Element types the helper converts: uint8 through the scale table, float32 copied. */
export type OffloadDtype = "u1" | "f4";

const SLOTS = 16;
const SLOT_BYTES = 1 << 18; // 256 KiB: a few fflate output chunks' worth, 4 MiB in all
const MIN_ARRAY_BYTES = 4 << 20; // smaller arrays convert inline: not worth a round trip
// Smaller parts convert inline: a slot is 256 KiB, and the parts that a chunk boundary leaves
// (an element carried across it, the bytes before an array's payload) would each take one.
const MIN_PART_BYTES = 1 << 14;

// Control words (Int32Array indices).
const PUBLISHED = 0; // slots published so far
const CLAIMED = 1; // slots claimed so far (by either thread)
const HELPED = 2; // slots the helper converted
const DRAINED = 3; // slots the main thread converted at the end
const META = 4; // per slot: state, array id, destination element, element count
const META_WORDS = 4;
const FREE = 0;
const READY = 1;
const BUSY = 2;

/** A destination array and how its elements convert. */
interface Target {
  dst: Float32Array;
  table: Float32Array;
  floats: boolean;
}

/**
 * Converts `count` elements from `src` (bytes at `offset`, any alignment) into `dst` from
 * element `pos`. The helper runs this same function (its source is sent to it), and so does
 * an inline load, so every path converts alike.
 */
export function convertInto(
  src: Uint8Array,
  offset: number,
  count: number,
  dst: Float32Array,
  pos: number,
  table: Float32Array,
  floats: boolean,
): void {
  if (floats) {
    // A byte copy into the destination's bytes, never a Float32Array over `src`: a part of an
    // inflated stream starts wherever a chunk boundary split an element, so its floats are
    // often not 4-aligned. The stored little-endian bytes are the host's float32 (every
    // platform Deno runs on is little-endian), and a copy keeps every bit, NaN payloads too.
    new Uint8Array(dst.buffer, dst.byteOffset + 4 * pos, 4 * count)
      .set(src.subarray(offset, offset + 4 * count));
    return;
  }
  for (let i = 0; i < count; i++) dst[pos + i] = table[src[offset + i]];
}

/**
 * Claims and converts ready slots until none is left: the helper's loop, and the main thread's
 * final drain. Returns false at a slot of an array the helper has not been told of yet.
 */
function drainSlots(
  ctrl: Int32Array,
  ring: Uint8Array,
  arrays: Target[],
  slots: number,
  slotBytes: number,
  doneCounter: number,
): boolean {
  for (;;) {
    const claim = Atomics.load(ctrl, CLAIMED);
    if (claim >= Atomics.load(ctrl, PUBLISHED)) return true;
    const meta = META + (claim % slots) * META_WORDS;
    const target = arrays[Atomics.load(ctrl, meta + 1)];
    if (target === undefined) return false; // the helper has not been told of that array yet
    if (Atomics.compareExchange(ctrl, CLAIMED, claim, claim + 1) !== claim) continue;
    Atomics.store(ctrl, meta, BUSY);
    const count = Atomics.load(ctrl, meta + 3);
    const src = ring.subarray((claim % slots) * slotBytes);
    convertInto(
      src,
      0,
      count,
      target.dst,
      Atomics.load(ctrl, meta + 2),
      target.table,
      target.floats,
    );
    // Counted before the slot is freed: a finished load's counts are then complete.
    Atomics.add(ctrl, doneCounter, 1);
    Atomics.store(ctrl, meta, FREE);
    Atomics.notify(ctrl, meta);
  }
}

// The helper runs the same two functions, with the same control layout.
const HELPER_SOURCE =
  `const PUBLISHED = ${PUBLISHED}, CLAIMED = ${CLAIMED}, META = ${META}, HELPED = ${HELPED};
const META_WORDS = ${META_WORDS}, FREE = ${FREE}, BUSY = ${BUSY};
${convertInto.toString()}
${drainSlots.toString()}
let ctrl, ring;
const arrays = [];
let waiting = false;
async function run() {
  if (waiting) return;
  waiting = true;
  for (;;) {
    const seen = Atomics.load(ctrl, PUBLISHED);
    if (!drainSlots(ctrl, ring, arrays, ${SLOTS}, ${SLOT_BYTES}, HELPED)) break;
    await Atomics.waitAsync(ctrl, PUBLISHED, seen).value;
  }
  waiting = false;
}
self.onmessage = (e) => {
  if (e.data.ctrl) ({ ctrl, ring } = e.data);
  else arrays[e.data.id] = e.data;
  run();
};`;

/** One load's helper: created when a load starts, terminated when it ends. */
export class OffthreadConverter {
  readonly #worker: Worker;
  readonly #ctrl = new Int32Array(new SharedArrayBuffer(4 * (META + SLOTS * META_WORDS)));
  readonly #ring = new Uint8Array(new SharedArrayBuffer(SLOTS * SLOT_BYTES));
  readonly #targets: Target[] = [];

  private constructor(worker: Worker) {
    this.#worker = worker;
    worker.postMessage({ ctrl: this.#ctrl, ring: this.#ring });
  }

  /** A helper, or null where Workers are unavailable (then everything converts inline). */
  static start(): OffthreadConverter | null {
    try {
      const url = URL.createObjectURL(new Blob([HELPER_SOURCE], { type: "text/javascript" }));
      const worker = new Worker(url, { type: "module" });
      URL.revokeObjectURL(url);
      // A helper that fails only stops helping: the main thread converts what it left.
      worker.onerror = (e) => e.preventDefault();
      return new OffthreadConverter(worker);
    } catch {
      return null;
    }
  }

  /** Registers a destination array; returns its id, or -1 when it is too small to offload. */
  register(dst: Float32Array, table: Float32Array, dtype: OffloadDtype): number {
    if (dst.byteLength < MIN_ARRAY_BYTES) return -1;
    const target = { dst, table, floats: dtype === "f4" };
    const id = this.#targets.push(target) - 1;
    this.#worker.postMessage({ id, ...target });
    return id;
  }

  /**
   * Converts `count` elements of `part` from byte `start` into array `id` at element `pos`:
   * queued for the helper where a slot is free, else right here.
   */
  convert(id: number, part: Uint8Array, start: number, count: number, pos: number): void {
    const target = this.#targets[id];
    const size = target.floats ? 4 : 1;
    if (count * size < MIN_PART_BYTES) {
      convertInto(part, start, count, target.dst, pos, target.table, target.floats);
      this.small++;
      return;
    }
    const perSlot = SLOT_BYTES / size;
    const ctrl = this.#ctrl;
    while (count > 0) {
      const take = Math.min(count, perSlot);
      const index = Atomics.load(ctrl, PUBLISHED);
      const meta = META + (index % SLOTS) * META_WORDS;
      if (ringFullForTests || Atomics.load(ctrl, meta) !== FREE) {
        // Ring full: the helper is behind, so this thread converts the part itself.
        convertInto(part, start, count, target.dst, pos, target.table, target.floats);
        this.inline++;
        return;
      }
      this.#ring.set(part.subarray(start, start + take * size), (index % SLOTS) * SLOT_BYTES);
      ctrl[meta + 1] = id;
      ctrl[meta + 2] = pos;
      ctrl[meta + 3] = take;
      Atomics.store(ctrl, meta, READY);
      Atomics.store(ctrl, PUBLISHED, index + 1);
      Atomics.notify(ctrl, PUBLISHED);
      start += take * size;
      pos += take;
      count -= take;
    }
  }

  /** Converts what is still queued and waits for the helper's slot in progress. */
  finish(): void {
    const ctrl = this.#ctrl;
    drainSlots(ctrl, this.#ring, this.#targets, SLOTS, SLOT_BYTES, DRAINED);

    for (let s = 0; s < SLOTS; s++) {
      const meta = META + s * META_WORDS;
      for (let state; (state = Atomics.load(ctrl, meta)) !== FREE;) {
        Atomics.wait(ctrl, meta, state, 100);
      }
    }
  }

  /** Parts converted on this thread because the ring was full. */
  inline = 0;

  /** Parts converted on this thread because they were too small to be worth a slot. */
  small = 0;

  /** What the load's conversions did: slots queued, converted by the helper, drained here. */
  stats(): OffloadStats {
    const ctrl = this.#ctrl;
    return {
      queued: Atomics.load(ctrl, PUBLISHED),
      helper: Atomics.load(ctrl, HELPED),
      drained: Atomics.load(ctrl, DRAINED),
      inline: this.inline,
      small: this.small,
    };
  }

  /** Stops the helper at once (it would keep the process alive). */
  stop(): void {
    this.#worker.terminate();
  }
}

/** What the helper of the last load did (see {@linkcode offloadStats}). */
export interface OffloadStats {
  /** 256 KiB slots queued for the helper. */
  queued: number;
  /** Slots the helper converted. */
  helper: number;
  /** Slots the main thread converted at the end, the helper being behind. */
  drained: number;
  /** Parts converted on the main thread because the ring was full. */
  inline: number;
  /** Parts under 16 KiB (a float carried across a chunk boundary) converted on the main thread. */
  small: number;
}

let ringFullForTests = false;

/**
 * Test hook: while `on`, the ring counts as full for every part, so every part takes the
 * main thread's fallback path (the one that a busy machine takes now and then).
 */
export function setRingFullForTests(on: boolean): void {
  ringFullForTests = on;
}

let last: OffloadStats | null = null;

/** The conversion counts of the last load that had a helper, or null. */
export function offloadStats(): OffloadStats | null {
  return last;
}

// One load at a time: loads are synchronous, so a module-level helper is never shared.
let current: OffthreadConverter | null = null;

/** Starts a helper for a load of a file this large (a big file: MNIST-sized archives). */
export function startOffload(fileBytes: number): void {
  if (current === null && fileBytes >= MIN_ARRAY_BYTES / 8) current = OffthreadConverter.start();
}

/** Registers a destination with the current helper; -1 when there is none or it is small. */
export function registerOffload(
  dst: Float32Array,
  table: Float32Array,
  dtype: OffloadDtype,
): number {
  return current === null ? -1 : current.register(dst, table, dtype);
}

/** {@linkcode OffthreadConverter.convert} on the current helper. */
export function convertOffloaded(
  id: number,
  part: Uint8Array,
  start: number,
  count: number,
  pos: number,
): void {
  current!.convert(id, part, start, count, pos);
}

/** Completes every queued conversion (`complete`) or abandons them (a failed load); stops. */
export function endOffload(complete: boolean): void {
  if (current === null) return;
  try {
    if (complete) current.finish();
  } finally {
    last = current.stats();
    current.stop();
    current = null;
  }
}
