/**
 * `deno task sweep <experiment.json> [--out DIR] [--workers N] [--set key=value ...]
 * [--shard i/n] [--plan]`: runs (or resumes) every trial an experiment file declares.
 * Ctrl-C, SIGTERM and SIGHUP (a scheduler's time limit or eviction) stop it at once, keeping
 * every finished epoch; a second signal quits without the summary.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, terminalWidth, UsageError } from "./_main.ts";
import { parseShard, shardFromEnv } from "../experiment/mod.ts";
import { planLines, planSweep, progressReporter, runSweep } from "../sweep/mod.ts";
import {
  compareSweeps,
  formatComparison,
  readSweep,
  upTo,
  writePlots,
  writeReport,
} from "../results/mod.ts";
import type { Durability } from "../store/mod.ts";

const USAGE =
  `usage: deno task sweep <experiment.json> [--out DIR] [--workers N] [--set key=value ...] [--shard i/n] [--sync each|auto|none] [--plan]
  --out DIR   the parent folder of the results: they go to DIR/<experiment name> (default
              results); compare, plot and serve take DIR itself or DIR/<name>
  --sync S    when records reach the disk: after every epoch (each: a power cut loses only
              the epoch in progress), at most 5% of the time (auto, the default: a power cut
              loses at most the last 20 syncs' time), or when the OS writes them back (none);
              a killed process loses nothing finished with any of them`;

const SIGNALS: [Deno.Signal, number][] = [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]];

runMain(async () => {
  // Until the sweep starts (loading the data, planning), a signal ends the process at once, as
  // it does by default: nothing is written yet. Once trials run, a signal stops them keeping
  // every finished epoch, and a second one quits without the summary.
  const controller = new AbortController();
  let exitCode = 0;
  const handlers: [Deno.Signal, () => void][] = [];
  const listen = () => {
    for (const [signal, code] of SIGNALS) {
      const handler = () => {
        if (controller.signal.aborted) Deno.exit(code);
        exitCode = code;
        console.error(
          `\n${signal}: stopping, keeping every finished epoch (again to quit at once)`,
        );
        controller.abort();
      };
      Deno.addSignalListener(signal, handler);
      handlers.push([signal, handler]);
    }
  };
  const { values, positionals } = parseArgs(Deno.args, {
    out: { type: "string", default: "results" },
    workers: { type: "string" },
    set: { type: "string", multiple: true, default: [] },
    shard: { type: "string" },
    plan: { type: "boolean" },
    sync: { type: "string", default: "auto" },
    help: { type: "boolean", short: "h" },
  }, USAGE);
  if (values.help) return void console.log(USAGE);
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length
        ? `expected one experiment file, got ${positionals.length}`
        : "expected an experiment file",
      USAGE,
    );
  }
  const file = positionals[0];
  if (!["each", "auto", "none"].includes(values.sync)) {
    throw new UsageError(`--sync must be each, auto or none, got '${values.sync}'`, USAGE);
  }
  if (values.out.trim() === "") {
    throw new UsageError("--out is empty: give the folder the results go under", USAGE);
  }
  const shard = values.shard !== undefined
    ? parseShard(values.shard)
    : shardFromEnv(Deno.env.toObject());
  let workers: number | undefined;
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1) {
      throw new UsageError(`--workers must be a positive integer, got '${values.workers}'`, USAGE);
    }
  }
  const sets = values.set as string[];

  if (values.plan) {
    // The run's own plan: the same checks of the experiment, the data and every network.
    for (const line of planLines(planSweep(file, sets, {}), shard, workers)) console.log(line);
    return;
  }

  const encoder = new TextEncoder();
  const report = progressReporter(
    Deno.stderr.isTerminal(),
    (t) => Deno.stderr.writeSync(encoder.encode(t)),
  );
  const result = await runSweep({
    file,
    out: values.out,
    workers,
    sets,
    shard,
    signal: controller.signal,
    durability: values.sync as Durability,
    onEvent: (e) => {
      if (e.type === "start") listen();
      report(e);
    },
  });
  for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  const sweep = await readSweep(result.dir);
  console.log(`\n${result.experiment.name}: results in ${result.dir}`);
  // A run of fewer epochs than the folder holds shows the prefix of the longer run (the
  // folder's plots and report show everything it holds).
  const shown = upTo(sweep, result.planned);
  console.log(formatComparison(compareSweeps([shown]), "table", terminalWidth()).trimEnd());
  if (result.elsewhere > 0) {
    console.log(
      `${result.elsewhere} trials are being run by other processes; their results will appear in ${result.dir}`,
    );
  }
  const written = [...await writePlots(sweep), await writeReport(sweep)];
  console.log(`wrote ${written.map((p) => p.slice(result.dir.length + 1)).join(", ")}`);
  if (result.interrupted) return exitCode || 130;
  return result.records.some((r) => r.status === "failed") ? 1 : 0;
}, USAGE);
