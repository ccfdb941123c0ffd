// Chunked file reading and fflate streaming decompression feeding a chunk parser. The
// compressed file is read 64 KiB at a time and each inflated chunk is decoded as it arrives,
// so no full copy of the decompressed archive is ever held.
import { crc32, NetsweepError } from "../core/mod.ts";
import { Gunzip, Inflate } from "npm:fflate@0.8.2";
import { ByteReader, type ChunkParser, ParserDriver, type StreamBounds } from "./_byte_reader.ts";
import { decodeLimit, megabytes, tooLarge } from "./_limit.ts";
import { fileError } from "./_file.ts";

/** What the archive says its decompressed data is: checked once the stream ends. */
export interface Expected {
  crc32: number;
  /** Bytes; compared modulo 2^32, all gzip records. */
  size: number;
}

// Deflate's densest code takes at least 2 bits for 258 bytes: at most 1032 bytes out per byte in.
const MAX_INFLATE_RATIO = 1032;

// 64 KiB pushes keep fflate's output chunks small enough to be recycled by the young-generation
// GC; 1 MiB pushes made fresh output buffers (and page faults) and took twice as long.
const CHUNK_BYTES = 1 << 16;

/** Calls `fn` with successive chunks of `length` bytes of `file` from `start`. */
export function readChunks(
  file: Deno.FsFile,
  start: number,
  length: number,
  fn: (chunk: Uint8Array) => void,
): void {
  file.seekSync(start, Deno.SeekMode.Start);
  const buf = new Uint8Array(Math.min(CHUNK_BYTES, Math.max(length, 1)));
  let left = length;
  while (left > 0) {
    const n = file.readSync(buf.subarray(0, Math.min(buf.length, left)));
    if (n === null || n === 0) break;
    fn(buf.subarray(0, n));
    left -= n;
  }
}

/** Reads `n` bytes at `offset`, or fewer at the end of the file. */
export function readAt(file: Deno.FsFile, offset: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let filled = 0;
  readChunks(file, offset, n, (chunk) => {
    out.set(chunk, filled);
    filled += chunk.length;
  });
  return out.subarray(0, filled);
}

/** True when `head` starts with the gzip magic bytes. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The first (up to) 8 bytes of the data, inflated if the file is gzip. */
export function peekHead(file: Deno.FsFile, source: string, size: number): Uint8Array {
  const head = readAt(file, 0, Math.min(size, 1 << 16));
  if (!isGzip(head)) return head.subarray(0, 8);
  let inner = new Uint8Array(0);
  const gz = new Gunzip();
  gz.ondata = (data: Uint8Array) => {
    if (inner.length < 8) inner = data.slice(0, 8);
  };
  try {
    // 1 KiB at a time: a bomb's first 64 KiB would inflate to 66 MB for these 8 bytes.
    for (let at = 0; at < head.length && inner.length < 8; at += 1024) {
      const end = Math.min(at + 1024, head.length);
      gz.push(head.subarray(at, end), end === size);
    }
  } catch (err) {
    throw new NetsweepError(source, `corrupt gzip data (${(err as Error).message})`, {
      cause: err,
    });
  }
  return inner;
}

/** Picks the parser for a stream once its first bytes are known. */
export type ParserChooser<T> = (head: Uint8Array, reader: ByteReader) => ChunkParser<T>;

/**
 * Feeds `length` bytes of `file` from `start` through an optional decompressor into the
 * parser that `choose` picks from the first decoded bytes. The decoded bytes are checked
 * against `expected` (a zip entry's CRC-32 and size); gzip's own trailer is read here.
 */
export function decodeStream<T>(
  file: Deno.FsFile,
  source: string,
  start: number,
  length: number,
  compression: "gzip" | "deflate" | "none",
  choose: ParserChooser<T>,
  expected?: Expected,
): T {
  if (compression === "gzip" && length >= 18) {
    const trailer = readAt(file, start + length - 8, 8);
    const tv = new DataView(trailer.buffer, trailer.byteOffset, 8);
    expected = { crc32: tv.getUint32(0, true), size: tv.getUint32(4, true) };
  }
  const decoder = new Decoder(
    source,
    compression,
    choose,
    boundsOf(compression, length, expected),
    expected,
  );
  if (compression === "none") {
    try {
      readChunks(file, start, length, (chunk) => decoder.feed(chunk));
    } catch (err) {
      throw fileError(source, err);
    }
    return decoder.finish();
  }
  const inflater = compression === "gzip" ? new Gunzip() : new Inflate();
  if (inflater instanceof Gunzip) inflater.onmember = () => decoder.newMember();
  inflater.ondata = (data: Uint8Array) => decoder.feed(data);
  try {
    readChunks(file, start, length, (chunk) => inflater.push(chunk, false));
    // The end on its own: a whole gzip member in the push marked final is dropped by fflate
    // (the file's trailer then fails the CRC), as in small files of several members.
    inflater.push(new Uint8Array(0), true);
  } catch (err) {
    // Only fflate's own errors (they carry a numeric code) say the compressed data is bad;
    // anything else thrown here came from the parser or the converters and is named as it is.
    if (err instanceof NetsweepError || typeof (err as { code?: unknown })?.code !== "number") {
      throw fileError(source, err);
    }
    const what = compression === "gzip" ? "gzip" : "deflate";
    throw new NetsweepError(source, `corrupt ${what} data (${(err as Error).message})`, {
      cause: err,
    });
  }
  return decoder.finish();
}

/** What the decoded bytes may be, from the container's sizes. */
function boundsOf(
  compression: "gzip" | "deflate" | "none",
  length: number,
  expected?: Expected,
): StreamBounds {
  if (compression === "none") {
    return { exact: length, atMost: length, lastMember: null, container: "the file" };
  }
  return {
    exact: compression === "deflate" && expected ? expected.size : null,
    atMost: length * MAX_INFLATE_RATIO,
    lastMember: compression === "gzip" && expected ? expected.size : null,
    container: compression === "gzip"
      ? `the ${length}-byte gzip file`
      : `the zip entry of ${length} compressed bytes`,
  };
}

/**
 * The decoded bytes of one stream: checked against the limits and the container's sizes and
 * CRC-32 as they arrive, handed to the parser chosen from their first 8 bytes.
 */
class Decoder<T> {
  #driver: ParserDriver<T> | null = null;
  #reader: ByteReader | null = null;
  #head = new Uint8Array(0);
  #crc = 0;
  #decoded = 0;
  /** Where the last gzip member began: the file's trailer covers only that one. */
  #memberStart = 0;

  constructor(
    readonly source: string,
    readonly compression: "gzip" | "deflate" | "none",
    readonly choose: ParserChooser<T>,
    readonly bounds: StreamBounds,
    readonly expected?: Expected,
  ) {}

  newMember(): void {
    this.#crc = 0;
    this.#memberStart = this.#decoded;
  }

  #start(bytes: Uint8Array): void {
    this.#reader = new ByteReader(this.source, this.bounds);
    this.#driver = new ParserDriver(this.choose(bytes, this.#reader));
  }

  #pastDeclaredEnd(): void {
    const reader = this.#reader;
    if (reader !== null && this.#decoded > reader.declaredEnd) {
      throw new NetsweepError(
        this.source,
        `data continues past the ${reader.declaredEnd} bytes that ${reader.declaredBy} declares`,
      );
    }
  }

  feed(chunk: Uint8Array): void {
    this.#decoded += chunk.length;
    this.#pastDeclaredEnd();
    if (this.#decoded > decodeLimit()) {
      throw tooLarge(this.source, `decompresses to more than ${megabytes(decodeLimit())}`);
    }
    const expected = this.expected;
    if (expected) {
      // A zip entry's size is exact: stop as soon as the stream passes it.
      if (this.compression === "deflate" && this.#decoded > expected.size) {
        throw new NetsweepError(
          this.source,
          `corrupt data: decompresses past the ${expected.size} bytes the archive declares`,
        );
      }
      this.#crc = crc32(this.#crc, chunk);
    }
    if (this.#driver === null) {
      // Wait for 8 bytes so the parser can be chosen from magic bytes.
      const joined = new Uint8Array(this.#head.length + chunk.length);
      joined.set(this.#head);
      joined.set(chunk, this.#head.length);
      if (joined.length < 8) {
        this.#head = joined;
        return;
      }
      this.#start(joined);
      chunk = joined;
    }
    this.#driver!.push(chunk);
  }

  finish(): T {
    this.#pastDeclaredEnd();
    const expected = this.expected;
    if (expected) {
      const size = this.#decoded - this.#memberStart;
      if (size % 2 ** 32 !== expected.size % 2 ** 32) {
        throw new NetsweepError(
          this.source,
          `corrupt data: decompressed to ${size} bytes, the archive says ${expected.size}`,
        );
      }
      if (this.#crc !== expected.crc32) {
        const hex = (x: number) => `0x${x.toString(16).padStart(8, "0")}`;
        throw new NetsweepError(
          this.source,
          `corrupt data: CRC-32 ${hex(this.#crc)} does not match the archive's ${
            hex(expected.crc32)
          }`,
        );
      }
    }
    if (this.#driver === null) {
      if (this.#head.length === 0) throw new NetsweepError(this.source, "no data (empty stream)");
      this.#start(this.#head);
      this.#driver!.push(this.#head);
    }
    return this.#driver!.finish();
  }
}
