/**
 * `deno task compare <results-dir> [<results-dir> ...] [--format table|md|csv|json]
 * [--sort <key>] [--metric <name>]`: one row per setting, best first: by best validation
 * accuracy where it was monitored, else by the metric.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, terminalWidth, UsageError } from "./_main.ts";
import {
  compareSweeps,
  type Format,
  formatComparison,
  FORMATS,
  loadVotePredictions,
  readSweeps,
  SORT_KEYS,
} from "../results/mod.ts";
import { METRIC_INFO, METRIC_NAMES, type MetricName } from "../vocabulary/mod.ts";
import { SETTING_KEYS, suggest } from "../experiment/mod.ts";

const SCALAR = METRIC_NAMES.filter((m) => METRIC_INFO[m].kind !== "layers");
const USAGE = `usage: deno task compare <results-dir> [<results-dir> ...] [--format ${
  FORMATS.join("|")
}] [--sort ${SORT_KEYS.join("|")}|<param>] [--metric <metric>]
  results-dir  a sweep (results/eta), or a folder of sweeps (results, or the --out of a sweep)
  --sort       default: validation where validation accuracy was monitored (settings chosen on
               validation data, the metric shown at its best epoch), else best
  --metric     as experiment files name it (the CSV columns, like ${METRIC_INFO.testAccuracy.column}, work too):
               ${SCALAR.slice(0, 6).join(", ")},
               ${SCALAR.slice(6).join(", ")}`;

/** The metric named as in experiment files (`testAccuracy`) or by its column (`test_accuracy`). */
function metricNamed(text: string): MetricName {
  const m = SCALAR.find((n) => n === text || METRIC_INFO[n].column === text);
  if (m) return m;
  const near = suggest(text, SCALAR) ?? suggest(text, SCALAR.map((n) => METRIC_INFO[n].column));
  throw new UsageError(
    `unknown --metric '${text}'${near ? ` (did you mean '${near}'?)` : ""}`,
    USAGE,
  );
}

runMain(async () => {
  const { values, positionals } = parseArgs(Deno.args, {
    format: { type: "string", default: "table" },
    sort: { type: "string" },
    metric: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, USAGE);
  if (values.help) return void console.log(USAGE);
  if (positionals.length === 0) throw new UsageError("expected a results directory", USAGE);
  if (!(FORMATS as readonly string[]).includes(values.format!)) {
    throw new UsageError(
      `--format must be one of ${FORMATS.join(", ")}, got '${values.format}'`,
      USAGE,
    );
  }
  const sorts = [...SORT_KEYS, ...SETTING_KEYS];
  if (values.sort !== undefined && !sorts.includes(values.sort)) {
    const near = suggest(values.sort!, sorts);
    throw new UsageError(
      `unknown --sort '${values.sort}'${near ? ` (did you mean '${near}'?)` : ""}`,
      USAGE,
    );
  }
  const metric = values.metric === undefined ? undefined : metricNamed(values.metric);
  const sweeps = await readSweeps(positionals);
  // A setting's repeats vote (their predictions files): the table shows it beside their mean.
  await loadVotePredictions(sweeps);
  const comparison = compareSweeps(sweeps, { metric, sort: values.sort });
  console.log(formatComparison(comparison, values.format as Format, terminalWidth()).trimEnd());
}, USAGE);
