/**
 * `deno task sweep <experiment.json> [--out DIR] [--workers N] [--set key=value ...]
 * [--shard i/n] [--plan]`: runs (or resumes) every trial an experiment file declares.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, terminalWidth } from "./_main.ts";
import { parseShard, selectShard, shardFromEnv } from "../sweep/expand.ts";
import { varyingKeys } from "../sweep/schema.ts";
import { describeSetting, progressReporter } from "../sweep/progress.ts";
import { loadExperiment, runSweep } from "../sweep/runner.ts";
import { compareSweeps, formatComparison } from "../results/compare.ts";
import { readSweep } from "../results/read.ts";
import { writePlots } from "../results/plots.ts";
import { writeReport } from "../results/report.ts";

const USAGE =
  "usage: deno task sweep <experiment.json> [--out DIR] [--workers N] [--set key=value ...] [--shard i/n] [--plan]";

runMain(async () => {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: {
      out: { type: "string", default: "results" },
      workers: { type: "string" },
      set: { type: "string", multiple: true, default: [] },
      shard: { type: "string" },
      plan: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) return void console.log(USAGE);
  if (positionals.length !== 1) throw new Error(`expected one experiment file\n${USAGE}`);
  const file = positionals[0];
  const shard = values.shard ? parseShard(values.shard) : shardFromEnv(Deno.env.toObject());
  let workers: number | undefined;
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1) {
      throw new RangeError(`--workers must be a positive integer, got '${values.workers}'`);
    }
  }
  const { experiment, trials } = loadExperiment(file, values.set);
  const varying = varyingKeys(trials);

  if (values.plan) {
    const mine = new Set(selectShard(trials, shard).map((t) => t.id));
    console.log(
      `${experiment.name}: ${trials.length} trials${
        shard ? ` (shard ${shard.index}/${shard.count}: ${mine.size})` : ""
      }`,
    );
    for (const t of trials) {
      const mark = shard && !mine.has(t.id) ? " " : "*";
      console.log(
        `${mark} ${String(t.index).padStart(3)}  ${t.id}  ${
          describeSetting(t.setting, varying) || "(base)"
        }  repeat ${t.repeat}  seed ${t.seed}`,
      );
    }
    return;
  }

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) Deno.exit(130);
    console.error("\nstopping: keeping every finished epoch (Ctrl-C again to quit at once)");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSigint);
  const encoder = new TextEncoder();
  const result = await runSweep({
    file,
    out: values.out,
    workers,
    sets: values.set,
    shard,
    signal: controller.signal,
    onEvent: progressReporter(
      varying,
      Deno.stderr.isTerminal(),
      (t) => Deno.stderr.writeSync(encoder.encode(t)),
    ),
  });
  Deno.removeSignalListener("SIGINT", onSigint);

  const sweep = await readSweep(result.dir);
  const width = terminalWidth();
  console.log(`\n${experiment.name}: results in ${result.dir}`);
  console.log(formatComparison(compareSweeps([sweep]), "table", width).trimEnd());
  if (!result.interrupted) {
    const written = [...await writePlots(sweep), await writeReport(sweep)];
    console.log(`wrote ${written.map((p) => p.slice(result.dir.length + 1)).join(", ")}`);
  }
  if (result.interrupted) return 130;
  return result.records.some((r) => r.status === "failed") ? 1 : 0;
});
