/**
 * `deno task inspect [<file-or-dir>] [--json]`: the format and a summary of each split.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, UsageError } from "./_main.ts";
import { inspectArchive } from "../data/mod.ts";

const USAGE = "usage: deno task inspect [<file-or-dir>] [--json]";

runMain(() => {
  const { values, positionals } = parseArgs(Deno.args, {
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  }, USAGE);
  if (values.help) return void console.log(USAGE);
  if (positionals.length > 1) {
    throw new UsageError(`expected one path, got ${positionals.length}`, USAGE);
  }
  const summary = inspectArchive(positionals[0]);
  if (values.json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`${summary.path}: ${summary.format}, loaded in ${summary.load_seconds.toFixed(3)} s`);
  for (const [name, s] of Object.entries(summary.splits)) {
    console.log(`  ${name}: ${s.count} images of shape [${s.image_shape.join(", ")}]`);
    console.log(`    label histogram ${s.label_histogram.join(" ")}`);
    console.log(`    first labels    ${s.first_labels.join(" ")}`);
    console.log(`    pixel sum       ${s.pixel_sum}`);
  }
});
