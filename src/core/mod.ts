/**
 * The ground floor: netsweep's error type (one readable line naming the file and the problem)
 * and the seeded generator every random choice comes from.
 *
 * @module
 */
export { NetsweepError } from "./errors.ts";
export { deriveSeed, Rng, type RngState } from "./prng.ts";
export { crc32 } from "./crc32.ts";
