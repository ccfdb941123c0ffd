/**
 * `deno task serve [results-dir]`: the live view of a results folder (default `results/`) on
 * 127.0.0.1 at a free port (or `--port`), updating while sweeps run; Ctrl-C stops it. A folder
 * that does not exist yet is waited for: sweeps appear when they start.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, UsageError } from "./_main.ts";
import { NetsweepError } from "../core/mod.ts";
import { serveResults } from "../live/mod.ts";

const USAGE = `usage: deno task serve [results-dir] [--port N]
  results-dir  a sweep, or a folder of sweeps (default results, where deno task sweep writes);
               one that does not exist yet is waited for`;

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
  let info: Deno.FileInfo | null = null;
  try {
    info = await Deno.stat(root);
  } catch (err) {
    // Not there yet: sweeps create it when they start, so wait for it.
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  if (info && !info.isDirectory) {
    throw new NetsweepError(root, "not a directory (give a results folder, like results)");
  }
  const exists = info !== null;
  const stop = new AbortController();
  for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, () => stop.abort());
  const server = serveResults(root, { port, signal: stop.signal });
  console.log(
    `netsweep live: ${server.url} (${
      exists ? `watching ${root}` : `${root} does not exist yet: waiting for it to appear`
    }; sweeps show up when they start; Ctrl-C stops)`,
  );
  await server.finished;
});
