/**
 * `deno task serve [results-dir]`: the live view of a results folder (default `results/`) on
 * 127.0.0.1 at a free port (or `--port`), updating while sweeps run; Ctrl-C stops it.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, UsageError } from "./_main.ts";

import { serveResults } from "../live/mod.ts";

const USAGE = "usage: deno task serve [results-dir] [--port N]";

runMain(async () => {
  const { values, positionals } = parseArgs(Deno.args, {
    port: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, USAGE);
  if (values.help) return void console.log(USAGE);
  if (positionals.length > 1) throw new UsageError("give one results directory", USAGE);
  const root = positionals[0] ?? "results";
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number, got '${values.port}'`, USAGE);
  }
  try {
    if (!(await Deno.stat(root)).isDirectory) {
      throw new UsageError(`${root}: not a directory`, USAGE);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${root}: no such directory (run a sweep first)`, USAGE);
  }
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => stop.abort());
  const server = serveResults(root, { port, signal: stop.signal });
  console.log(`netsweep live: ${server.url} (watching ${root}; Ctrl-C stops)`);
  await server.finished;
});
