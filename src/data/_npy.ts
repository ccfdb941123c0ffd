// .npy: numpy's array file. Magic "\x93NUMPY", version, header length, then a Python
// dict literal such as {'descr': '|u1', 'fortran_order': False, 'shape': (60000, 28, 28), }.
// The header is matched with regular expressions, never evaluated.
import type { ByteReader, ChunkParser } from "./_byte_reader.ts";
import { checkArrayLimit, type DecodedArray, elementCount, readElements } from "./_array.ts";
import { type Dtype, DTYPE_SIZE } from "./_convert.ts";
import { inline } from "./_file.ts";
import { NetsweepError } from "../core/mod.ts";

const SUPPORTED = "uint8, float32, float64 and int64, little-endian";

/** Maps a numpy `descr` to a Dtype, or throws naming it. */
export function parseDescr(descr: string, source: string): Dtype {
  const m = /^([<>|=])([uif])(\d)$/.exec(descr);
  const code = m ? `${m[2]}${m[3]}` : "";
  const littleEndian = m !== null && (m[1] === "<" || m[1] === "|" || m[1] === "=");
  if (!m || !littleEndian || !(code in DTYPE_SIZE) || (m[1] === "|" && code !== "u1")) {
    throw new NetsweepError(
      source,
      `unsupported dtype '${inline(descr)}' (netsweep reads ${SUPPORTED})`,
    );
  }
  return code as Dtype;
}

export function* parseNpy(reader: ByteReader, table: Float32Array): ChunkParser<DecodedArray> {
  const magic = yield* reader.read(8);
  const isNpy = magic[0] === 0x93 && String.fromCharCode(...magic.subarray(1, 6)) === "NUMPY";
  if (!isNpy) throw new NetsweepError(reader.source, "not a .npy array (bad magic)");
  const major = magic[6];
  const lenBytes = yield* reader.read(major === 1 ? 2 : 4);
  const headerLength = major === 1
    ? lenBytes[0] | (lenBytes[1] << 8)
    : new DataView(lenBytes.buffer, lenBytes.byteOffset, 4).getUint32(0, true);
  const header = new TextDecoder("latin1").decode(yield* reader.read(headerLength));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NetsweepError(reader.source, `malformed .npy header "${inline(header)}"`);
  }
  if (fortran === "True") {
    throw new NetsweepError(reader.source, "Fortran-ordered arrays are not supported (C order)");
  }
  const dtype = parseDescr(descr, reader.source);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  checkArrayLimit(shape, reader.source);
  const data = elementCount(shape, reader.source) * DTYPE_SIZE[dtype];
  reader.declareTotal(reader.offset + data, `its .npy header (shape [${shape}], ${descr})`);
  return yield* readElements(reader, shape, dtype, table);
}
