/**
 * The command-line entry points that `deno task` runs, one file per command. Each parses its
 * arguments with `node:util`'s parseArgs (in `_args.ts`) and runs through `_main.ts`, which
 * turns any error into one line and an exit code. Nothing else imports them.
 *
 * @module
 */

/** Every command: its file in this folder and what it does. */
export const COMMANDS = {
  sweep: { file: "sweep.ts", summary: "run or resume a sweep (--plan: list it, run nothing)" },
  compare: { file: "compare.ts", summary: "the settings table of one or more sweeps" },
  plot: { file: "plot.ts", summary: "learning-curve SVGs and report.html" },
  serve: { file: "serve.ts", summary: "the live view in the browser" },
  inspect: { file: "inspect.ts", summary: "what an archive holds" },
  bench: { file: "bench.ts", summary: "benchmarks, with baselines run alongside" },
  schema: { file: "schema.ts", summary: "regenerate experiments/schema.json" },
} as const;
