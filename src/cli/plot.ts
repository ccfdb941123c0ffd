/**
 * `deno task plot <results-dir> [...]`: writes the learning-curve SVGs and `report.html` of
 * each sweep into its directory.
 *
 * @module
 */
import { runMain } from "./_main.ts";
import { readSweep } from "../results/read.ts";
import { writePlots } from "../results/plots.ts";
import { writeReport } from "../results/report.ts";

runMain(async () => {
  if (Deno.args.length === 0 || Deno.args.includes("--help")) {
    console.log("usage: deno task plot <results-dir> [<results-dir> ...]");
    return;
  }
  for (const dir of Deno.args) {
    const sweep = await readSweep(dir);
    for (const path of await writePlots(sweep)) console.log(`wrote ${path}`);
    console.log(`wrote ${await writeReport(sweep)}`);
  }
});
