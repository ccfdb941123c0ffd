// A pull-style reader over pushed chunks. Archive parsers are written as generators that
// `yield` when they need more input; the driver sends the next decompressed chunk with
// `next(chunk)`. This lets a sequential parser run inside fflate's push-based streams
// without holding a second full copy of the decompressed archive.
import { NetsweepError } from "../core/mod.ts";
import { decodeLimit, megabytes, tooLarge } from "./_limit.ts";

/** A parser driven by chunks: it yields when it needs input and returns its result. */
export type ChunkParser<T> = Generator<void, T, Uint8Array>;

/** Receives the parts of a streamed payload in order. */
export interface ByteSink {
  write(part: Uint8Array): void;
}

const END = new Uint8Array(0);

/** What a stream's container says about its decoded length, to check declared sizes against. */
export interface StreamBounds {
  /** The decoded length exactly (a plain file, a zip entry), or null when unknown. */
  exact: number | null;
  /** The most the stream can decode to: deflate inflates at most 1032-fold. */
  atMost: number;
  /** The gzip trailer's size: the last member's length mod 2^32, at most the whole. */
  lastMember: number | null;
  /** The container, for messages: `the file`, `the 3120-byte gzip file`. */
  container: string;
}

const UNBOUNDED: StreamBounds = {
  exact: null,
  atMost: Infinity,
  lastMember: null,
  container: "the data",
};

export class ByteReader {
  #chunk: Uint8Array = END;
  #pos = 0;
  /** Bytes consumed so far, for error messages. */
  offset = 0;
  /** Where the data ends by its own header (see {@linkcode declareTotal}). */
  declaredEnd = Infinity;
  /** What declared that end, for messages. */
  declaredBy = "";

  constructor(readonly source: string, readonly bounds: StreamBounds = UNBOUNDED) {}

  /**
   * Takes a header's word that the whole stream is `total` bytes: refused at once when past
   * the load's limit or impossible for the container (a plain file of another length, a gzip
   * file too small to inflate to it, a gzip trailer saying more), and data past it is refused
   * as it arrives. So a hostile file is refused before it is inflated, not after 2 GB.
   */
  declareTotal(total: number, by: string): void {
    this.checkSize(total, by);
    const b = this.bounds;
    const says = `${by} declares ${total} bytes`;
    if (b.exact !== null && total !== b.exact) {
      throw new NetsweepError(this.source, `${says}, but ${b.container} holds ${b.exact}`);
    }
    if (total > b.atMost) {
      throw new NetsweepError(this.source, `${says}, more than ${b.container} can inflate to`);
    }
    // A file of several gzip members has a trailer for the last one only: less than the whole.
    if (b.lastMember !== null && total < 2 ** 32 && b.lastMember > total) {
      throw new NetsweepError(
        this.source,
        `${says}, but the gzip trailer says the data is ${b.lastMember}`,
      );
    }
    this.declaredEnd = total;
    this.declaredBy = by;
  }

  *#more(): Generator<void, void, Uint8Array> {
    const next: Uint8Array = yield;
    if (next.length === 0) {
      throw new NetsweepError(this.source, `unexpected end of data at byte ${this.offset}`);
    }
    this.#chunk = next;
    this.#pos = 0;
  }

  /** Refuses a declared size larger than what the load accepts, before anything is allocated. */
  checkSize(bytes: number, what: string): void {
    if (!(bytes <= decodeLimit())) {
      throw tooLarge(this.source, `${what} declares ${megabytes(bytes)}`);
    }
  }

  /** Refuses `n` bytes from here that would pass the end the container allows. */
  checkFits(n: number, what: string): void {
    const b = this.bounds;
    const end = b.exact ?? b.atMost;
    if (this.offset + n > end) {
      const verb = b.exact === null ? "can inflate to" : "holds";
      throw new NetsweepError(
        this.source,
        `${what} declares ${n} bytes at byte ${this.offset}, past the ${end} bytes ${b.container} ${verb}`,
      );
    }
  }

  /** Reads `n` bytes: a view when they lie in one chunk, else a copy. */
  *read(n: number): Generator<void, Uint8Array, Uint8Array> {
    this.checkSize(n, `a payload at byte ${this.offset}`);
    this.checkFits(n, "a payload");
    while (this.#pos === this.#chunk.length) yield* this.#more();
    const available = this.#chunk.length - this.#pos;
    if (n <= available) {
      const view = this.#chunk.subarray(this.#pos, this.#pos + n);
      this.#pos += n;
      this.offset += n;
      return view;
    }
    const out = new Uint8Array(n);
    let filled = 0;
    yield* this.stream(n, {
      write(part) {
        out.set(part, filled);
        filled += part.length;
      },
    });
    return out;
  }

  /** Passes the next `n` bytes to `sink` in one or more parts, without copying. */
  *stream(n: number, sink: ByteSink): Generator<void, void, Uint8Array> {
    let left = n;
    while (left > 0) {
      while (this.#pos === this.#chunk.length) yield* this.#more();
      const take = Math.min(left, this.#chunk.length - this.#pos);
      sink.write(this.#chunk.subarray(this.#pos, this.#pos + take));
      this.#pos += take;
      this.offset += take;
      left -= take;
    }
  }

  /** Reads one byte. */
  *byte(): Generator<void, number, Uint8Array> {
    while (this.#pos === this.#chunk.length) yield* this.#more();
    this.offset++;
    return this.#chunk[this.#pos++];
  }

  /** Reads bytes up to (not including) the next `\n`, as latin-1 text. */
  *line(): Generator<void, string, Uint8Array> {
    let text = "";
    for (;;) {
      const b = yield* this.byte();
      if (b === 0x0a) return text;
      text += String.fromCharCode(b);
      if (text.length > 4096) {
        throw new NetsweepError(this.source, `text line longer than 4096 bytes at ${this.offset}`);
      }
    }
  }
}

/**
 * Runs `parser` over `chunks`, then signals the end of input. Throws if the parser
 * still wants input at the end.
 */
export class ParserDriver<T> {
  #parser: ChunkParser<T>;
  #result: T | undefined;
  #done = false;

  constructor(parser: ChunkParser<T>) {
    this.#parser = parser;
    this.#step(END); // run to the first read
  }

  #step(chunk: Uint8Array): void {
    const r = this.#parser.next(chunk);
    if (r.done) {
      this.#done = true;
      this.#result = r.value;
    }
  }

  /** Feeds one chunk; chunks after the parser finished are ignored. */
  push(chunk: Uint8Array): void {
    if (!this.#done && chunk.length > 0) this.#step(chunk);
  }

  /** Signals the end of input and returns the result. */
  finish(): T {
    if (!this.#done) this.#step(END);
    return this.#result as T;
  }
}
