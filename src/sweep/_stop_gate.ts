// A sweep's stop, as its main thread and its workers share it: a stop flag and a count of
// workers inside a write to the sweep's folder. A worker writes (a record line, a checkpoint,
// predictions) only inside the gate and enters only while the sweep is not stopped; the main
// thread sets the flag, then waits until no worker is inside before it reads the records for
// trials.csv and appends its "interrupted" lines.
//
// Why: Worker.terminate() ends a thread's JavaScript, not a system call it is in. On a loaded
// machine a worker descheduled in the middle of appending an epoch finished that append after
// the main thread had summed the records up: after Ctrl-C, trials.csv said 20 epochs and the
// record 21.
//
// Why neither side can miss the other (sequentially consistent atomics, Dekker's argument): a
// worker adds itself to `writers`, then reads `stop`; the main thread sets `stop`, then reads
// `writers`. Whatever the interleaving, one of the two reads sees the other's write: either the
// worker sees the stop and writes nothing, or the main thread sees the writer and waits for it.

/** Index of the stop flag. */
const STOP = 0;
/** Index of the number of workers inside a write. */
const WRITERS = 1;

/** The stop flag and the writers inside the sweep's folder, over shared memory. */
export class StopGate {
  /** The shared cells: post them to a worker and wrap them there in a gate of its own. */
  readonly cells: Int32Array;

  constructor(
    cells: Int32Array = new Int32Array(new SharedArrayBuffer(8)),
    /** Test hook: called inside {@linkcode enter}, counted but before the stop is read. */
    readonly counted: () => void = () => {},
  ) {
    if (cells.length !== 2 || !(cells.buffer instanceof SharedArrayBuffer)) {
      throw new RangeError(`a stop gate needs 2 shared cells, not ${cells.length}`);
    }
    this.cells = cells;
  }

  /** True once the sweep is stopped. */
  get stopped(): boolean {
    return Atomics.load(this.cells, STOP) !== 0;
  }

  /** Workers inside a write now. */
  get writing(): number {
    return Atomics.load(this.cells, WRITERS);
  }

  /** Worker: enters before a write; false, and not inside, when the sweep is stopped. */
  enter(): boolean {
    Atomics.add(this.cells, WRITERS, 1);
    this.counted();
    if (Atomics.load(this.cells, STOP) === 0) return true;
    this.leave();
    return false;
  }

  /** Worker: leaves after its write. */
  leave(): void {
    Atomics.sub(this.cells, WRITERS, 1);
  }

  /** Worker: runs `write` inside the gate; false, with nothing run, once the sweep is stopped. */
  write(write: () => void): boolean {
    if (!this.enter()) return false;
    try {
      write();
    } finally {
      this.leave();
    }
    return true;
  }

  /** Main thread: stops the sweep; no worker enters after this. */
  close(): void {
    Atomics.store(this.cells, STOP, 1);
  }

  /**
   * Main thread, after {@linkcode close}: resolves `true` once no worker is inside a write, or
   * `false` after `limitMs` (the stop goes on). Polls without blocking the event loop: a write
   * takes a system call or two.
   */
  async drained(limitMs: number): Promise<boolean> {
    const deadline = performance.now() + limitMs;
    while (this.writing > 0) {
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return true;
  }
}
