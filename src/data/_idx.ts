// IDX: the original MNIST format (also Fashion-MNIST). A big-endian header
// [0, 0, type, ndim] then ndim uint32 dimensions, then the uint8 data.
import type { ByteReader, ChunkParser } from "./_byte_reader.ts";
import { type DecodedArray, readElements } from "./_array.ts";
import { NetsweepError } from "../core/mod.ts";

/** True when `head` starts like an IDX file of uint8 data. */
export function looksLikeIdx(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0 && head[1] === 0 && head[2] === 0x08 &&
    head[3] >= 1 && head[3] <= 4;
}

export function* parseIdx(reader: ByteReader, table: Float32Array): ChunkParser<DecodedArray> {
  const magic = (yield* reader.read(4)).slice();
  if (magic[0] !== 0 || magic[1] !== 0) {
    const hex = [...magic].map((b) => b.toString(16).padStart(2, "0")).join("");
    throw new NetsweepError(reader.source, `wrong IDX magic number 0x${hex}`);
  }
  if (magic[2] !== 0x08) {
    throw new NetsweepError(
      reader.source,
      `unsupported IDX element type 0x${magic[2].toString(16)} (netsweep reads uint8, 0x08)`,
    );
  }
  const ndim = magic[3];
  if (ndim < 1 || ndim > 4) {
    throw new NetsweepError(reader.source, `unsupported IDX dimension count ${ndim}`);
  }
  const dims = yield* reader.read(4 * ndim);
  const view = new DataView(dims.buffer, dims.byteOffset, dims.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 * i, false));
  return yield* readElements(reader, shape, "u1", table);
}
