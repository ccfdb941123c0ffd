/**
 * `deno task bench [--only load|train|sweep] [--runs N] [--sweep-epochs N]`: loader and training benchmarks. Quote
 * its medians and ratios; timed tests are flaky on shared machines, a benchmark is not.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain } from "./_main.ts";
import { benchLoad } from "../bench/load.ts";

runMain(async () => {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      only: { type: "string" },
      runs: { type: "string", default: "5" },
      "sweep-epochs": { type: "string", default: "10" },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(`--runs must be a positive integer, got '${values.runs}'`);
  }
  const cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  console.log(
    `netsweep bench: Deno ${Deno.version.deno}, ${cpu}, ${navigator.hardwareConcurrency} cores`,
  );
  if (!values.only || values.only === "load") benchLoad(runs);
  if (!values.only || values.only === "train") {
    const { benchTrain } = await import("../bench/train.ts");
    benchTrain(Math.max(3, runs));
  }
  if (!values.only || values.only === "sweep") {
    const { benchSweep } = await import("../bench/sweep.ts");
    benchSweep(Math.min(3, runs), Number(values["sweep-epochs"]));
  }
});
