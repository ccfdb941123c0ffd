// Converters from streamed little-endian element bytes into the Dataset's arrays. Parts may
// split an element anywhere, so multi-byte elements carry their partial bytes across parts.
import type { ByteSink } from "./_byte_reader.ts";
import { NetsweepError } from "../core/mod.ts";
import { convertInto, convertOffloaded, registerOffload } from "./_offthread.ts";

/** Element types netsweep reads: numpy's `descr` without the byte-order character. */
export type Dtype = "u1" | "f4" | "f8" | "i8";

/** Bytes per element. */
export const DTYPE_SIZE: Record<Dtype, number> = { u1: 1, f4: 4, f8: 8, i8: 8 };

/** Builds the 256-entry table `v -> fround(v / divisor)`, exact like numpy's float32 division. */
export function pixelTable(divisor: number): Float32Array {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v / divisor;
  return lut;
}

abstract class ElementSink implements ByteSink {
  #carry = new Uint8Array(8);
  #carryLen = 0;
  protected pos = 0;
  protected readonly size: number;

  constructor(protected readonly dtype: Dtype) {
    this.size = DTYPE_SIZE[dtype];
  }

  /** Converts `count` whole elements starting at `part[start]`. */
  protected abstract convert(part: Uint8Array, start: number, count: number): void;

  write(part: Uint8Array): void {
    const size = this.size;
    const n = part.length;
    let i = 0;
    if (this.#carryLen > 0) {
      while (this.#carryLen < size && i < n) this.#carry[this.#carryLen++] = part[i++];
      if (this.#carryLen < size) return;
      this.convert(this.#carry, 0, 1);
      this.#carryLen = 0;
    }
    const count = ((n - i) / size) | 0;
    if (count > 0) this.convert(part, i, count);
    i += count * size;
    while (i < n) this.#carry[this.#carryLen++] = part[i++];
  }
}

/**
 * Writes pixels into a Float32Array: uint8 through a scale table, floats as stored. Large uint8
 * and float32 arrays are converted on the load's helper thread when there is one.
 */
export class PixelSink extends ElementSink {
  readonly #offload: number;

  constructor(dtype: Dtype, readonly dst: Float32Array, private readonly table: Float32Array) {
    super(dtype);
    this.#offload = dtype === "u1" || dtype === "f4" ? registerOffload(dst, table, dtype) : -1;
  }

  protected convert(part: Uint8Array, start: number, count: number): void {
    const dst = this.dst;
    let pos = this.pos;
    if (this.#offload >= 0) {
      convertOffloaded(this.#offload, part, start, count, pos);
    } else if (this.dtype === "u1" || this.dtype === "f4") {
      convertInto(part, start, count, dst, pos, this.table, this.dtype === "f4");
    } else {
      const view = new DataView(part.buffer, part.byteOffset + start, count * this.size);
      if (this.dtype === "f8") {
        for (let i = 0; i < count; i++) dst[pos + i] = view.getFloat64(i * 8, true);
      } else {
        for (let i = 0; i < count; i++) dst[pos + i] = Number(view.getBigInt64(i * 8, true));
      }
    }
    pos += count;
    this.pos = pos;
  }
}

/** Writes class labels into a Uint8Array, refusing values outside 0..255. */
export class LabelSink extends ElementSink {
  constructor(dtype: Dtype, readonly dst: Uint8Array, private readonly source: string) {
    super(dtype);
  }

  protected convert(part: Uint8Array, start: number, count: number): void {
    const dst = this.dst;
    const pos = this.pos;
    if (this.dtype === "u1") {
      dst.set(part.subarray(start, start + count), pos);
    } else {
      const size = this.size;
      const view = new DataView(part.buffer, part.byteOffset + start, count * size);
      for (let i = 0; i < count; i++) {
        const v = this.dtype === "i8"
          ? (view.getInt32(i * 8 + 4, true) === 0 ? view.getUint32(i * 8, true) : -1)
          : this.dtype === "f4"
          ? view.getFloat32(i * 4, true)
          : view.getFloat64(i * 8, true);
        if (!(v >= 0 && v < 256 && Number.isInteger(v))) {
          throw new NetsweepError(this.source, `label ${pos + i} is not a class in 0..255`);
        }
        dst[pos + i] = v;
      }
    }
    this.pos = pos + count;
  }
}

/** A Float32Array backed by a SharedArrayBuffer, so Workers can share it without copying. */
export function sharedFloat32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/** A Uint8Array backed by a SharedArrayBuffer. */
export function sharedUint8(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}
