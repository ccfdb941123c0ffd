// Helpers of the Fashion-MNIST tests: Debian's package (where installed), folders of IDX files
// made from the MNIST fixture, the lookup's variable set for a call, one-line errors.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { TESTDATA } from "./_testdata.ts";
import { NetsweepError } from "../src/core/mod.ts";
import type { EnvReader } from "../src/data/catalogue.ts";

export const DEBIAN = "/usr/share/datasets/fashion-mnist";
export const FILES = [
  "train-images-idx3-ubyte",
  "train-labels-idx1-ubyte",
  "t10k-images-idx3-ubyte",
  "t10k-labels-idx1-ubyte",
];
export const INSTALLED = FILES.every((f) => {
  try {
    return Deno.statSync(`${DEBIAN}/${f}.gz`).isFile;
  } catch {
    return false;
  }
});
const MISSING = `${DEBIAN} is missing (sudo apt install dataset-fashion-mnist)`;

/**
 * Registers a test on Debian's package: skipped with a message where it is not installed,
 * except in CI (CI=true), which installs it (.ci/run): there its absence fails the test.
 */
export function testOnPackage(definition: Deno.TestDefinition): void {
  if (INSTALLED) return Deno.test(definition);
  if (Deno.env.get("CI") === "true") {
    return Deno.test({
      ...definition,
      fn() {
        throw new Error(`${MISSING}; CI installs it, so it must be there`);
      },
    });
  }
  console.log(`skipped "${definition.name}": ${MISSING}`);
  Deno.test({ ...definition, ignore: true });
}

/** An environment of `vars` only. */
export const envOf = (vars: Record<string, string>): EnvReader => (name) => vars[name];

/**
 * Runs `fn` with the process's NETSWEEP_FASHION_MNIST set to `dir` ("": as if unset), awaited
 * before it is restored (the tests of a file run one at a time).
 */
export function withFolder<T>(dir: string, fn: () => T): T {
  const before = Deno.env.get("NETSWEEP_FASHION_MNIST");
  Deno.env.set("NETSWEEP_FASHION_MNIST", dir);
  const restore = () => {
    if (before === undefined) Deno.env.delete("NETSWEEP_FASHION_MNIST");
    else Deno.env.set("NETSWEEP_FASHION_MNIST", before);
  };
  let result: T;
  try {
    result = fn();
  } catch (err) {
    restore();
    throw err;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** The fixture's four IDX files (real MNIST images) copied into `dir`, each made by `make`. */
export function idxFolder(
  dir: string,
  make: (name: string, gz: Uint8Array) => [string, Uint8Array],
) {
  Deno.mkdirSync(dir, { recursive: true });
  for (const f of FILES) {
    const [name, bytes] = make(f, Deno.readFileSync(`${TESTDATA}mnist/${f}.gz`));
    Deno.writeFileSync(`${dir}/${name}`, bytes);
  }
  return dir;
}

/** Asserts `fn` throws one line, a NetsweepError about `source` matching every pattern. */
export function assertOneLine(fn: () => unknown, source: string, ...patterns: RegExp[]): string {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert(err instanceof NetsweepError, `expected a NetsweepError, got ${err}`);
  assertEquals(err.source, source, err.message);
  assert(!err.message.includes("\n"), `one line: ${err.message}`);
  for (const p of patterns) assertMatch(err.message, p);
  return err.message;
}

export const INSTALL =
  /sudo apt install dataset-fashion-mnist.*github\.com\/zalandoresearch\/fashion-mnist/;
