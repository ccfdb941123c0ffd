// The zip central directory, enough to find the .npy entries of an .npz (numpy writes
// zip64 extra fields even for small files, so those are read too).
import { readAt } from "./_stream.ts";
import { NetsweepError } from "../core/mod.ts";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  /** CRC-32 of the uncompressed data. */
  crc32: number;
  /** Offset of the entry's data (after its local header). */
  dataOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function listZip(file: Deno.FsFile, size: number, source: string): ZipEntry[] {
  const tailLength = Math.min(size, 65557);
  const tail = readAt(file, size - tailLength, tailLength);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new NetsweepError(source, "not a complete zip file (no end of directory)");
  const count = tv.getUint16(eocd + 10, true);
  const dirSize = tv.getUint32(eocd + 12, true);
  const dirOffset = tv.getUint32(eocd + 16, true);
  if (dirOffset + dirSize > size) throw new NetsweepError(source, "truncated zip file");
  const dir = readAt(file, dirOffset, dirSize);
  const dv = new DataView(dir.buffer, dir.byteOffset, dir.byteLength);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let e = 0; e < count; e++) {
    if (p + 46 > dir.length || dv.getUint32(p, true) !== CENTRAL) {
      throw new NetsweepError(source, "corrupt zip central directory");
    }
    const method = dv.getUint16(p + 10, true);
    const crc32 = dv.getUint32(p + 16, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let uncompressedSize = dv.getUint32(p + 24, true);
    let localOffset = dv.getUint32(p + 42, true);
    const nameLength = dv.getUint16(p + 28, true);
    const extraLength = dv.getUint16(p + 30, true);
    const commentLength = dv.getUint16(p + 32, true);
    const name = new TextDecoder().decode(dir.subarray(p + 46, p + 46 + nameLength));
    // zip64 extra field: the 64-bit values of the fields that are 0xFFFFFFFF, in order.
    for (let x = p + 46 + nameLength; x + 4 <= p + 46 + nameLength + extraLength;) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 1) {
        let q = x + 4;
        const u64 = () => {
          const v = dv.getUint32(q, true) + dv.getUint32(q + 4, true) * 2 ** 32;
          q += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = u64();
        if (compressedSize === 0xffffffff) compressedSize = u64();
        if (localOffset === 0xffffffff) localOffset = u64();
      }
      x += 4 + len;
    }
    const local = readAt(file, localOffset, 30);
    const lv = new DataView(local.buffer, local.byteOffset, local.byteLength);
    if (local.length < 30 || lv.getUint32(0, true) !== LOCAL) {
      throw new NetsweepError(source, `corrupt zip entry '${name}'`);
    }
    const dataOffset = localOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (dataOffset + compressedSize > size) {
      throw new NetsweepError(source, `truncated zip entry '${name}'`);
    }
    entries.push({ name, method, compressedSize, uncompressedSize, crc32, dataOffset });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
