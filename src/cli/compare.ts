/**
 * `deno task compare <results-dir> [<results-dir> ...] [--format table|md|csv|json]
 * [--sort <key>] [--metric <name>]`: one row per setting, best first.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, terminalWidth } from "./_main.ts";
import { compareSweeps, type Format, formatComparison } from "../results/compare.ts";
import { EPOCH_COLUMNS } from "../results/csv.ts";
import { type EpochColumn, readSweep } from "../results/read.ts";

const USAGE =
  "usage: deno task compare <results-dir> [<results-dir> ...] [--format table|md|csv|json] [--sort best|final|validation|seconds|<param>] [--metric test_accuracy|validation_accuracy|...]";

runMain(async () => {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      format: { type: "string", default: "table" },
      sort: { type: "string", default: "best" },
      metric: { type: "string", default: "test_accuracy" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) return void console.log(USAGE);
  if (positionals.length === 0) throw new Error(`expected a results directory\n${USAGE}`);
  if (!["table", "md", "csv", "json"].includes(values.format)) {
    throw new RangeError(`--format must be table, md, csv or json, got '${values.format}'`);
  }
  if (!(EPOCH_COLUMNS as readonly string[]).includes(values.metric)) {
    throw new RangeError(
      `--metric must be one of ${EPOCH_COLUMNS.join(", ")}, got '${values.metric}'`,
    );
  }
  const sweeps = await Promise.all(positionals.map(readSweep));
  const comparison = compareSweeps(sweeps, {
    metric: values.metric as EpochColumn,
    sort: values.sort,
  });
  const width = terminalWidth();
  console.log(formatComparison(comparison, values.format as Format, width).trimEnd());
});
