// The kernels' WebAssembly memory. Each Network owns one arena: its parameters, gradients and
// every batch buffer the kernels read are Float32Array views into it, allocated once (a bump
// allocator that never frees). The memory is shared, so growing it never detaches those views.
// The kernels are instantiated with relaxed SIMD (fused multiply-add) where the engine has it,
// else with plain SIMD; NETSWEEP_SIMD=plain forces the plain build (for comparisons).
import { KERNELS_PLAIN_BASE64, KERNELS_RELAXED_BASE64 } from "./_kernels_wasm.ts";

/** The kernels' exports; pointers are byte offsets, sizes and strides are in elements. */
export interface Kernels {
  /** z += Σ over the listed pixels of val·w[idx] (z:(nOut), w rows of nOut): a sparse input layer's forward. */
  sparse_forward(z: number, w: number, nOut: number, idx: number, val: number, count: number): void;
  /** w[idx] += step·val·δ over the listed pixels (BP4 for a sparse input layer). */
  sparse_update(
    w: number,
    nOut: number,
    idx: number,
    val: number,
    count: number,
    delta: number,
    step: number,
  ): void;
  /** sparse_forward with each value as table[code[c]] (a byte per pixel; table: f32 values). */
  sparse_forward_coded(
    z: number,
    w: number,
    nOut: number,
    idx: number,
    code: number,
    table: number,
    count: number,
  ): void;
  /** sparse_update with each value as table[code[c]]. */
  sparse_update_coded(
    w: number,
    nOut: number,
    idx: number,
    code: number,
    table: number,
    count: number,
    delta: number,
    step: number,
  ): void;
  /** p[0..n) *= factor (network2.py's weight decay). */
  scale(p: number, n: number, factor: number): void;
  /** C = alpha·A·B + accum·C; A read with strides (sam, sak), B and C row-major (ldb, ldc). */
  gemm_nn(
    c: number,
    a: number,
    b: number,
    M: number,
    N: number,
    K: number,
    sam: number,
    sak: number,
    ldb: number,
    ldc: number,
    alpha: number,
    accum: number,
  ): void;
  /** C = alpha·A·Bᵀ + accum·C, every matrix row-major (lda, ldb, ldc). */
  gemm_nt(
    c: number,
    a: number,
    b: number,
    M: number,
    N: number,
    K: number,
    lda: number,
    ldb: number,
    ldc: number,
    alpha: number,
    accum: number,
  ): void;
  /** a = σ(z + bias[plane]) over `planes` planes of `per` values (bias 0: none). */
  act_sigmoid(z: number, a: number, planes: number, per: number, bias: number): void;
  /** a = max(0, z + bias[plane]) over `planes` planes of `per` values. */
  act_relu(z: number, a: number, planes: number, per: number, bias: number): void;
  /** δ *= a(1 - a) (σ'), tiny values flushed to zero. */
  back_sigmoid(a: number, delta: number, n: number): void;
  /** δ *= [a > 0]. */
  back_relu(a: number, delta: number, n: number): void;
  /** z[e, :] = b[0..n) for each of `m` rows (a dense layer's z before w·x is added). */
  fill_rows(z: number, b: number, m: number, n: number): void;
  /** b[j] += step·δ[e, j] for each of `m` rows in order, in float64 rounded to float32 per row. */
  add_rows(b: number, delta: number, m: number, n: number, step: number): void;
  /** Max over the s×s windows, every `stride` positions, of each h×w plane. */
  maxpool(
    src: number,
    dst: number,
    planes: number,
    h: number,
    w: number,
    s: number,
    stride: number,
  ): void;
  /**
   * Each window's δ to the first of its inputs equal to its maximum (summed where windows
   * overlap); zero elsewhere.
   */
  maxpool_back(
    src: number,
    pooled: number,
    delta: number,
    dsrc: number,
    planes: number,
    h: number,
    w: number,
    s: number,
    stride: number,
  ): void;
  /** maxpool_back for 2×2 windows every 2 and w a multiple of 4, two windows at a time. */
  maxpool2_back(
    src: number,
    pooled: number,
    delta: number,
    dsrc: number,
    planes: number,
    h: number,
    w: number,
  ): void;
  /** The k×k patches, every `stride`, of a C×H×W image padded by `pad` zeros, as columns. */
  im2col(
    img: number,
    C: number,
    H: number,
    W: number,
    k: number,
    pad: number,
    stride: number,
    col: number,
  ): void;
  /** Adds the columns at `col` back onto the image at `img` (the padding's share dropped). */
  col2im(
    img: number,
    C: number,
    H: number,
    W: number,
    k: number,
    pad: number,
    stride: number,
    col: number,
  ): void;
  /** Adam's step over `n` values (optimizer_wat.ts). */
  adam(
    w: number,
    g: number,
    m: number,
    v: number,
    n: number,
    etaT: number,
    c1: number,
    c2: number,
    eps: number,
  ): void;
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function choose(): { module: WebAssembly.Module; simd: "relaxed" | "plain" } {
  let forcePlain = false;
  try {
    forcePlain = Deno.env.get("NETSWEEP_SIMD") === "plain";
  } catch { /* no env permission: the default */ }
  const relaxed = decode(KERNELS_RELAXED_BASE64);
  if (!forcePlain && WebAssembly.validate(relaxed)) {
    return { module: new WebAssembly.Module(relaxed), simd: "relaxed" };
  }
  return { module: new WebAssembly.Module(decode(KERNELS_PLAIN_BASE64)), simd: "plain" };
}

let chosen: { module: WebAssembly.Module; simd: "relaxed" | "plain" } | null = null;

/**
 * Runs `body` over `[0, n)`, or in two parts `[0, cut)` and `[cut, n)` on two threads
 * (model/team.ts). The parts must write disjoint outputs with kernels only.
 */
export interface Splitter {
  /** Runs `body(k, from, to)` over the parts of `[0, n)` (cut at `cut`; 0: whole). */
  split(n: number, cut: number, body: (k: Kernels, from: number, to: number) => void): void;
}

/** Which kernel build this process uses: `relaxed` (fused multiply-add) or `plain`. */
export function simdKind(): "relaxed" | "plain" {
  chosen ??= choose();
  return chosen.simd;
}

const PAGE = 65536;

/** Recycled arenas by size (per thread: each worker has its own module state). */
const SPARES = new Map<
  number,
  { memory: WebAssembly.Memory; kernels: Kernels; dirty: number }[]
>();

/** A bump allocator over one Network's WebAssembly memory. */
export class WasmArena {
  /** The shared WebAssembly memory every array of the network lives in. */
  readonly memory: WebAssembly.Memory;
  /** The kernels, instantiated over that memory. */
  readonly kernels: Kernels;
  /** The compiled kernels (a helper thread instantiates them over the same memory). */
  readonly module: WebAssembly.Module;
  /** How kernel work is split between threads: here alone unless the Engine sets a team. */
  splitter: Splitter = { split: (n, _cut, body) => body(this.kernels, 0, n) };
  /** The most the memory may grow to. */
  readonly maxBytes: number;
  #top = 16; // 0..15 stay zero: a kernel's "no bias" pointer reads zeros there
  /** Bytes below this may hold a recycled network's values: zeroed as they are handed out. */
  #dirty = 0;

  /** An arena that may grow to `maxBytes` (rounded up to 64 KiB pages). */
  constructor(maxBytes: number) {
    chosen ??= choose();
    const maximum = Math.max(1, Math.ceil(maxBytes / PAGE));
    if (maximum > 65536) {
      throw new RangeError(
        `a network needs ${mib(maxBytes)} MiB, more than the 4096 MiB a kernel memory can hold`,
      );
    }
    this.maxBytes = maximum * PAGE;
    this.module = chosen.module;
    // A recycled arena of this size: a new memory and instance cost more than a small trial's
    // training (a sweep of thousands of tiny trials builds one network per trial).
    const spare = SPARES.get(this.maxBytes)?.pop();
    if (spare) {
      this.memory = spare.memory;
      this.kernels = spare.kernels;
      this.#dirty = spare.dirty;
      return;
    }
    this.memory = new WebAssembly.Memory({ initial: 1, maximum, shared: true });
    const instance = new WebAssembly.Instance(chosen.module, { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as Kernels;
  }

  /**
   * Gives the arena back for the next network of the same size (its bytes are zeroed as they are handed out again). Every array
   * taken from it is invalid afterwards: only a caller that drops the network may do this.
   */
  recycle(): void {
    this.#dirty = Math.max(this.#dirty, this.#top);
    this.#top = 16;

    const list = SPARES.get(this.maxBytes) ?? [];
    if (list.length < 2) {
      list.push({ memory: this.memory, kernels: this.kernels, dirty: this.#dirty });
    }
    SPARES.set(this.maxBytes, list);
  }

  /** Bytes allocated so far. */
  get used(): number {
    return this.#top;
  }

  /** Reserves `bytes` (16-byte aligned) and returns its offset. */
  #alloc(bytes: number): number {
    const ptr = (this.#top + 15) & ~15;
    const top = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (top > have) {
      if (top > this.maxBytes) {
        throw new RangeError(
          `the network's kernel memory is full (${mib(top)} MiB needed, ${
            mib(this.maxBytes)
          } MiB reserved)`,
        );
      }
      this.memory.grow(Math.ceil((top - have) / PAGE));
    }
    this.#top = top;
    return ptr;
  }

  /** Zeroes what a recycled network left in `[ptr, ptr + bytes)`. */
  #clean(ptr: number, bytes: number): void {
    if (ptr >= this.#dirty) return;
    new Uint8Array(this.memory.buffer, ptr, Math.min(bytes, this.#dirty - ptr)).fill(0);
  }

  /** A zeroed Float32Array of `n` values in the arena. */
  float32(n: number): Float32Array {
    const ptr = this.#alloc(n * 4); // first: it may grow the memory
    this.#clean(ptr, n * 4);
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /**
   * A Float32Array of `n` values that its user overwrites before reading (a batch's inputs
   * gathered from the dataset): not zeroed when the arena is recycled.
   */
  scratch32(n: number): Float32Array {
    const ptr = this.#alloc(n * 4);
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** {@linkcode scratch32}'s Uint8Array. */
  scratch8(n: number): Uint8Array {
    const ptr = this.#alloc(n);
    return new Uint8Array(this.memory.buffer, ptr, n);
  }

  /** {@linkcode scratch32}'s Uint16Array. */
  scratch16(n: number): Uint16Array {
    const ptr = this.#alloc(n * 2);
    return new Uint16Array(this.memory.buffer, ptr, n);
  }

  /** A zeroed Uint16Array of `n` values in the arena. */
  uint16(n: number): Uint16Array {
    const ptr = this.#alloc(n * 2);
    this.#clean(ptr, n * 2);
    return new Uint16Array(this.memory.buffer, ptr, n);
  }

  /** A zeroed Int32Array of `n` values in the arena. */
  int32(n: number): Int32Array {
    const ptr = this.#alloc(n * 4);
    this.#clean(ptr, n * 4);
    return new Int32Array(this.memory.buffer, ptr, n);
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}
