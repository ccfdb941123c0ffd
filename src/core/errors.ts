/**
 * The one error class netsweep throws for bad input: a corrupt archive, a malformed
 * experiment file, a store that is not a sweep result. Its message is one line that
 * names the file and the problem, so a command line can print it as it is.
 *
 * @module
 */

/**
 * An error in a file or value the user gave, with the file named in the message.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { NetsweepError } from "./errors.ts";
 * const err = new NetsweepError("data/x.gz", "truncated gzip data");
 * assert(err.message === "data/x.gz: truncated gzip data");
 * ```
 */
export class NetsweepError extends Error {
  /** The file (or other source) the problem is in. */
  readonly source: string;
  /** The problem, without the source. */
  readonly problem: string;

  /** An error about `source` (a file, an option), saying `problem`. */
  constructor(source: string, problem: string, options?: ErrorOptions) {
    super(`${source}: ${problem}`, options);
    this.name = "NetsweepError";
    this.source = source;
    this.problem = problem;
  }
}
