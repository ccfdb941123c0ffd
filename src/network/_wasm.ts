// The input-layer SIMD kernels and the WebAssembly memory they work in. Each Network owns
// one arena: its input-layer weights and the workspaces' input-layer buffers are allocated
// there, as Float32Array views the JavaScript side reads and writes directly. The memory is
// shared, so growing it never detaches those views.
import { KERNELS_WASM_BASE64 } from "./_kernels_wasm.ts";

interface KernelExports {
  forward(z: number, w: number, nOut: number, idx: number, val: number, count: number): void;
  update(
    w: number,
    nOut: number,
    idx: number,
    val: number,
    count: number,
    delta: number,
    step: number,
  ): void;
  scale(p: number, n: number, factor: number): void;
}

let compiled: WebAssembly.Module | null = null;

/** Values the register-blocked forward kernel may read past the end of w and z (7 lanes x 4). */
export const BLOCK_PAD = 28;

function kernelsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(
    Uint8Array.from(atob(KERNELS_WASM_BASE64), (c) => c.charCodeAt(0)),
  );
  return compiled;
}

const PAGE = 65536;
/** 256 MiB of address space per network: room for [784, 2000, 10] with batches of 500. */
const MAX_PAGES = 4096;

/** A bump allocator over one Network's WebAssembly memory. */
export class WasmArena {
  readonly memory: WebAssembly.Memory;
  readonly kernels: KernelExports;
  #top = 16; // 0 stays unused

  constructor() {
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(kernelsModule(), { env: { memory: this.memory } });
    this.kernels = instance.exports as unknown as KernelExports;
  }

  /** Reserves `bytes` (16-byte aligned) and returns its offset. */
  #alloc(bytes: number): number {
    const ptr = (this.#top + 15) & ~15;
    this.#top = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (this.#top > have) {
      const pages = Math.ceil((this.#top - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new RangeError(
          `network too large for its ${MAX_PAGES * PAGE / 2 ** 20} MiB kernel arena`,
        );
      }
      this.memory.grow(pages);
    }
    return ptr;
  }

  /**
   * A zeroed Float32Array of `n` values in the arena, followed by `pad` spare values that the
   * blocked kernels may read past its end (never write).
   */
  float32(n: number, pad = 0): Float32Array {
    const ptr = this.#alloc((n + pad) * 4);
    return new Float32Array(this.memory.buffer, ptr, n);
  }

  /** A zeroed Uint16Array of `n` values in the arena. */
  uint16(n: number): Uint16Array {
    const ptr = this.#alloc(n * 2);
    return new Uint16Array(this.memory.buffer, ptr, n);
  }
}
