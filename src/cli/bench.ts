/**
 * `deno task bench [--only kernels|load|train|models|sweep|scale] [--runs N]`: the loader, training,
 * the books' larger networks beside numpy and PyTorch, and sweep overheads. Quote its medians
 * and ratios; timed tests are flaky on shared machines, a benchmark is not.

 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, UsageError } from "./_main.ts";
import {
  benchConvTeam,
  benchKernels,
  benchLoad,
  benchModels,
  benchScale,
  benchSweep,
  benchTrain,
} from "../bench/mod.ts";

const PARTS = ["kernels", "load", "train", "models", "sweep", "scale"];
const USAGE = `usage: deno task bench [--only ${
  PARTS.join("|")
}] [--runs N] [--sweep-epochs N] [--scale-trials N]`;

runMain(async () => {
  const { values, positionals } = parseArgs(Deno.args, {
    only: { type: "string" },
    runs: { type: "string", default: "5" },
    "sweep-epochs": { type: "string", default: "10" },
    "scale-trials": { type: "string", default: "10000" },

    help: { type: "boolean", short: "h" },
  }, USAGE);
  if (values.help) return void console.log(USAGE);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, USAGE);
  }
  if (values.only !== undefined && !PARTS.includes(values.only)) {
    throw new UsageError(`--only must be one of ${PARTS.join(", ")}, got '${values.only}'`, USAGE);
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new UsageError(`--runs must be a positive integer, got '${values.runs}'`, USAGE);
  }
  const cpu = /model name\s*:\s*(.*)/.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "?";
  console.log(
    `netsweep bench: Deno ${Deno.version.deno}, ${cpu}, ${navigator.hardwareConcurrency} cores`,
  );
  if (!values.only || values.only === "kernels") await benchKernels();
  if (!values.only || values.only === "load") benchLoad(runs);
  if (!values.only || values.only === "train") {
    benchTrain(Math.max(3, runs));
  }
  if (!values.only || values.only === "models") {
    benchModels(Math.max(3, Math.min(5, runs)));
  }
  if (!values.only || values.only === "sweep") {
    benchSweep(Math.min(3, runs), Number(values["sweep-epochs"]));
    await benchConvTeam(Math.min(5, runs));
  }
  if (values.only === "scale") {
    benchScale(Math.min(3, runs), Number(values["scale-trials"]));
  }
});
