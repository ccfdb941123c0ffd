// Paths of the fixtures (small real MNIST subsets) and their independently computed values.
export const TESTDATA = new URL("./testdata/", import.meta.url).pathname;

export interface ExpectedSplit {
  count: number;
  image_shape: number[];
  label_histogram: number[];
  first_labels: number[];
  pixel_sum: number;
  first_image_pixel_sum: number;
}

/** numpy's values for every fixture file, from `testdata/expected.json`. */
export const EXPECTED: Record<string, Record<string, ExpectedSplit | string>> = JSON.parse(
  Deno.readTextFileSync(`${TESTDATA}expected.json`),
).files;

/** A fresh temporary directory, removed when the test's `using` scope ends. */
export function tempDir(): { path: string; [Symbol.dispose](): void } {
  const path = Deno.makeTempDirSync({ prefix: "netsweep-test-" });
  return { path, [Symbol.dispose]: () => Deno.removeSync(path, { recursive: true }) };
}
