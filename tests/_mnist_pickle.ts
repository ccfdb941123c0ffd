// Writes MNIST pickles as Python writes them, for tests that need full-size files without
// numpy: the Python 2 layout of Nielsen's mnist.pkl.gz (cPickle protocol 2, str payloads as
// BINSTRING) and the Python 3 layout (protocol 4: STACK_GLOBAL, MEMOIZE, FRAME, BINBYTES).
// Both are the structure of scripts/make_archives.py's output, opcode for opcode: the test
// that uses this checks that it rewrites the fixtures tests/testdata/mnist.pkl.gz and
// mnist-py3.pkl.gz byte for byte from their own arrays.

/** One (images, labels) pair: float32 pixels stored as they are, labels written as int64. */
export interface PickleSplit {
  images: Float32Array;
  labels: Uint8Array;
  count: number;
}

/** The two pickle layouts users hold. */
export type PickleLayout = "py2" | "py3";

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Opcode output with Python's memo numbering and (protocol 4) its 64 KiB framing. */
class PickleOut {
  readonly #out: Uint8Array[] = [];
  #frame: Uint8Array[] = []; // protocol 4: what the open frame holds so far
  #ops: number[] = []; // opcodes not yet moved into the frame
  #memo = 0;

  constructor(readonly layout: PickleLayout, pad: number[]) {
    this.#out.push(Uint8Array.of(0x80, layout === "py2" ? 2 : 4, ...pad)); // before any frame
  }

  op(...bytes: number[]): void {
    for (const b of bytes) this.#ops.push(b);
  }

  text(s: string): void {
    for (const b of latin1(s)) this.#ops.push(b);
  }

  u32(n: number): void {
    this.op(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24);
  }

  /** BININT1, BININT2 or BININT, as both Pythons pick them. */
  int(n: number): void {
    if (n >= 0 && n < 256) this.op(0x4b, n);
    else if (n >= 0 && n < 65536) this.op(0x4d, n & 255, n >> 8);
    else (this.op(0x4a), this.u32(n));
  }

  /** Memoizes the top of the stack: BINPUT n in protocol 2, MEMOIZE in 4. */
  put(): number {
    const n = this.#memo++;
    if (this.layout === "py3") this.op(0x94);
    else if (n < 256) this.op(0x71, n);
    else (this.op(0x72), this.u32(n));
    return n;
  }

  get(n: number): void {
    if (n < 256) this.op(0x68, n);
    else (this.op(0x6a), this.u32(n));
  }

  /** A short string: SHORT_BINSTRING (py2 str) or SHORT_BINUNICODE (py3 str). */
  str(s: string): void {
    this.op(this.layout === "py2" ? 0x55 : 0x8c, s.length);
    this.text(s);
  }

  /** A payload: a py2 str, a py3 bytes (written past the frames from 64 KiB on, as Python does). */
  bytes(data: Uint8Array): void {
    const n = data.length;
    if (this.layout === "py2") {
      if (n < 256) this.op(0x55, n);
      else (this.op(0x54), this.u32(n));
    } else if (n < 256) {
      this.op(0x43, n);
    } else {
      if (n >= 65536) this.commit(true);
      this.op(0x42);
      this.u32(n);
    }
    this.#seal();
    if (this.layout === "py3" && n >= 65536) {
      this.#out.push(...this.#frame, data);
      this.#frame = [];
    } else {
      this.#frame.push(data);
    }
  }

  #seal(): void {
    if (this.#ops.length > 0) this.#frame.push(Uint8Array.from(this.#ops));
    this.#ops = [];
  }

  /** Python's `framer.commit_frame(force)`: it runs before every object saved. */
  commit(force: boolean): void {
    this.#seal();
    const size = this.#frame.reduce((n, p) => n + p.length, 0);
    if (this.layout === "py3" && size > 0 && (size >= 65536 || force)) {
      if (size >= 4) {
        const header = new Uint8Array(9);
        header[0] = 0x95;
        new DataView(header.buffer).setBigUint64(1, BigInt(size), true);
        this.#out.push(header);
      }
      this.#out.push(...this.#frame);
      this.#frame = [];
    }
  }

  end(): Uint8Array {
    this.op(0x2e); // STOP
    this.commit(true);
    this.#out.push(...this.#frame); // protocol 2: no frames
    const total = this.#out.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of this.#out) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Opcodes that change nothing, to move the payloads after them by 0 to 3 bytes mod 4. */
export const PADDING: readonly number[][] = [
  [],
  [0x4e, 0x30, 0x4b, 0x00, 0x30], // NONE POP BININT1 0 POP: 5 bytes
  [0x4e, 0x30], // NONE POP
  [0x4b, 0x00, 0x30], // BININT1 0 POP
];

/**
 * The uncompressed pickle of `((x, y), ...)` for 2 or 3 splits, in `layout`: what
 * `pickle.dump((tr, va, te), f, protocol)` writes for numpy arrays of float32 images and
 * int64 labels. `pad` (no-op opcodes after PROTO, see {@linkcode PADDING}) shifts the rest.
 */
export function mnistPickle(
  splits: PickleSplit[],
  layout: PickleLayout,
  pad: readonly number[] = [],
): Uint8Array {
  const w = new PickleOut(layout, [...pad]);
  const memo: Record<string, number> = {};
  const py2 = layout === "py2";

  // `numpy.core.multiarray._reconstruct(numpy.ndarray, (0,), b'b')`, then BUILD with
  // `(1, shape, dtype, False, data)`, as ndarray.__reduce_ex__ returns it.
  const array = (shape: number[], descr: "f4" | "i8", data: Uint8Array) => {
    w.commit(false);
    if (memo.reconstruct === undefined) {
      if (py2) {
        w.op(0x63);
        w.text("numpy.core.multiarray\n_reconstruct\n");
        memo.reconstruct = w.put();
        w.op(0x63);
        w.text("numpy\nndarray\n");
        memo.ndarray = w.put();
        w.int(0);
        w.op(0x85);
        memo.zero = w.put();
      } else {
        w.str("numpy.core.multiarray");
        w.put();
        w.str("_reconstruct");
        w.put();
        w.op(0x93);
        memo.reconstruct = w.put();
        w.str("numpy");
        memo.numpy = w.put();
        w.str("ndarray");
        w.put();
        w.op(0x93);
        memo.ndarray = w.put();
        w.int(0);
        w.op(0x85);
        w.put();
      }
      if (py2) w.str("b");
      else w.op(0x43, 1, 0x62); // SHORT_BINBYTES b'b'
      memo.b = w.put();
    } else {
      w.get(memo.reconstruct);
      w.get(memo.ndarray);
      if (py2) w.get(memo.zero);
      else (w.int(0), w.op(0x85), w.put());
      if (py2) (w.str("b"), w.put());
      else w.get(memo.b);
    }
    w.op(0x87); // TUPLE3
    w.put();
    w.op(0x52); // REDUCE
    w.put();
    w.op(0x28); // MARK
    w.int(1);
    for (const d of shape) w.int(d);
    w.op(0x84 + shape.length); // TUPLE1, TUPLE2
    w.put();
    if (memo[descr] !== undefined) {
      w.get(memo[descr]);
    } else {
      if (memo.dtype !== undefined) w.get(memo.dtype);
      else if (py2) (w.op(0x63), w.text("numpy\ndtype\n"), memo.dtype = w.put());
      else (w.get(memo.numpy), w.str("dtype"), w.put(), w.op(0x93), memo.dtype = w.put());
      w.str(descr);
      w.put();
      if (py2) (w.int(0), w.int(1));
      else w.op(0x89, 0x88); // NEWFALSE NEWTRUE
      w.op(0x87);
      w.put();
      w.op(0x52);
      memo[descr] = w.put();
      w.op(0x28);
      w.int(3);
      if (memo["<"] !== undefined && !py2) w.get(memo["<"]);
      else (w.str("<"), memo["<"] = w.put());
      w.op(0x4e, 0x4e, 0x4e); // NONE x3
      w.int(-1);
      w.int(-1);
      w.int(0);
      w.op(0x74); // TUPLE
      w.put();
      w.op(0x62); // BUILD
    }
    w.op(0x89); // NEWFALSE: not Fortran order
    w.bytes(data);
    w.put();
    w.op(0x74);
    w.put();
    w.op(0x62);
  };

  for (const split of splits) {
    const images = split.images;
    array(
      [split.count, images.length / split.count],
      "f4",
      new Uint8Array(images.buffer, images.byteOffset, images.byteLength),
    );
    const labels = new Uint8Array(split.count * 8);
    for (let i = 0; i < split.count; i++) labels[8 * i] = split.labels[i];
    array([split.count], "i8", labels);
    w.op(0x86); // TUPLE2
    w.put();
  }
  w.op(0x84 + splits.length);
  w.put();
  return w.end();
}
