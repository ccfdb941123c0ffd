// A decoded n-d array. One-dimensional arrays are labels (Uint8Array); anything with two or
// more dimensions is images (Float32Array). Both live in SharedArrayBuffers.
import type { ByteReader, ByteSink, ChunkParser } from "./_byte_reader.ts";
import {
  type Dtype,
  DTYPE_SIZE,
  LabelSink,
  PixelSink,
  sharedFloat32,
  sharedUint8,
} from "./_convert.ts";
import { NetsweepError } from "../core/mod.ts";
import { decodeLimit, megabytes, tooLarge } from "./_limit.ts";

export interface DecodedArray {
  shape: number[];
  dtype: Dtype;
  data: Float32Array | Uint8Array;
}

/** Elements in an array of `shape`, refusing negative or huge sizes. */
export function elementCount(shape: number[], source: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new NetsweepError(source, `invalid array shape ${JSON.stringify(shape)}`);
    }
    n *= d;
  }
  if (n > 2 ** 31) throw new NetsweepError(source, `array of shape [${shape}] is too large`);
  return n;
}

/** Refuses an array whose decoded form (float32 images, uint8 labels) is past the limit. */
export function checkArrayLimit(shape: number[], source: string): void {
  const n = elementCount(shape, source);
  const bytes = shape.length === 1 ? n : 4 * n;
  if (bytes > decodeLimit()) {
    throw tooLarge(source, `an array of shape [${shape}] needs ${megabytes(bytes)}`);
  }
}

function allocate(
  shape: number[],
  dtype: Dtype,
  table: Float32Array,
  source: string,
): { array: DecodedArray; sink: ByteSink } {
  checkArrayLimit(shape, source);
  const n = elementCount(shape, source);
  if (shape.length === 0) {
    throw new NetsweepError(source, "a scalar is not an image or label array");
  }
  if (shape.length === 1) {
    const sink = new LabelSink(dtype, sharedUint8(n), source);
    return { array: { shape, dtype, data: sink.dst }, sink };
  }
  const sink = new PixelSink(dtype, sharedFloat32(n), table);
  return { array: { shape, dtype, data: sink.dst }, sink };
}

/** Streams the elements of an array of `shape` from `reader` into a new shared array. */
export function* readElements(
  reader: ByteReader,
  shape: number[],
  dtype: Dtype,
  table: Float32Array,
): ChunkParser<DecodedArray> {
  const bytes = elementCount(shape, reader.source) * DTYPE_SIZE[dtype];
  checkArrayLimit(shape, reader.source);
  reader.checkFits(bytes, `an array of shape [${shape}]`); // before its memory is allocated
  const { array, sink } = allocate(shape, dtype, table, reader.source);
  yield* reader.stream(bytes, sink);
  return array;
}

/** Decodes an array from bytes already in memory. */
export function decodeElements(
  bytes: Uint8Array,
  shape: number[],
  dtype: Dtype,
  table: Float32Array,
  source: string,
): DecodedArray {
  const expected = elementCount(shape, source) * DTYPE_SIZE[dtype];
  if (bytes.length !== expected) {
    throw new NetsweepError(
      source,
      `array of shape [${shape}] needs ${expected} bytes, found ${bytes.length}`,
    );
  }
  const { array, sink } = allocate(shape, dtype, table, source);
  sink.write(bytes);
  return array;
}
