/**
 * `deno task plot <results-dir> [...]` (each a sweep or a folder of sweeps): rebuilds each
 * sweep's CSV files and zarr store from its trial records (repairing a damaged or stale store)
 * and writes the learning-curve SVGs and `report.html` into its directory.
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "./_args.ts";
import { runMain, UsageError } from "./_main.ts";
import { readSweep, sweepDirs, writePlots, writeReport } from "../results/mod.ts";
import { writeCsvs, writeStore } from "../store/mod.ts";
import { Coordinator } from "../coordination/mod.ts";

const USAGE = `usage: deno task plot <results-dir> [<results-dir> ...]
  results-dir  a sweep (results/eta), or a folder of sweeps (results, or the --out of a sweep)`;

runMain(async () => {
  const { values, positionals } = parseArgs(
    Deno.args,
    { help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return void console.log(USAGE);
  if (positionals.length === 0) throw new UsageError("expected a results directory", USAGE);
  for (const dir of await sweepDirs(positionals)) {
    let sweep = await readSweep(dir);
    if (sweep.trials.length > 0 && sweep.trials[0].format >= 2) {
      // A run of its own in the folder: other processes see it alive while it holds the lock.
      const coordinator = Coordinator.open(dir);
      try {
        await coordinator.withLock(async () => {
          // Read again under the lock: a sweep may have written newer files while this waited.
          sweep = await readSweep(dir);
          await writeCsvs(dir, sweep.trials);
          await writeStore(join(dir, "sweep.zarr"), sweep.trials, sweep.metas);
        });
      } finally {
        coordinator.close();
      }
      console.log(`wrote ${dir}/trials.csv, epochs.csv, sweep.zarr`);
    }
    for (const path of await writePlots(sweep)) console.log(`wrote ${path}`);
    console.log(`wrote ${await writeReport(sweep)}`);
  }
}, USAGE);
