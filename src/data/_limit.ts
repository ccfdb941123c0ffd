// The largest decompressed size a load accepts, so that a small hostile file (a compression
// bomb, a pickle declaring petabytes) is refused before memory is allocated for it.
import { NetsweepError } from "../core/mod.ts";

/** The largest decompressed size accepted by default: 2 GiB (MNIST as float32 is 220 MB). */
export const DEFAULT_DECODE_LIMIT = 2 ** 31;

// Loads are synchronous and one at a time, so the limit of the load in progress is one value.
let limit = DEFAULT_DECODE_LIMIT;

/** Runs `fn` (a load) with at most `bytes` of decompressed data accepted. */
export function withDecodeLimit<T>(bytes: number, fn: () => T): T {
  const before = limit;
  limit = bytes;
  try {
    return fn();
  } finally {
    limit = before;
  }
}

/** The decompressed size the load in progress accepts. */
export function decodeLimit(): number {
  return limit;
}

/** `2048 MB`. */
export function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1e6).toLocaleString("en-US")} MB`;
}

/** A NetsweepError for data past the limit. */
export function tooLarge(source: string, what: string): NetsweepError {
  return new NetsweepError(
    source,
    `${what}, more than the ${
      megabytes(limit)
    } accepted (a compression bomb?); raise dataset.decodeLimitMB if the data is real`,
  );
}
