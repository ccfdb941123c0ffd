/**
 * `deno task inspect [<file-or-dir> | <dataset name>] [--json]`: the format and a summary of
 * each split.
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, UsageError } from "./_main.ts";
import { DATASET_NAMES, inspectArchive, isDatasetName, locateDataset } from "../data/mod.ts";

const USAGE = `usage: deno task inspect [<file-or-dir> | ${
  DATASET_NAMES.join(" | ")
}] [--json] (./${DATASET_NAMES[1]} for a folder of that name)`;

runMain(() => {
  const { values, positionals } = parseArgs(Deno.args, {
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  }, USAGE);
  if (values.help) return void console.log(USAGE);
  if (positionals.length > 1) {
    throw new UsageError(`expected one path, got ${positionals.length}`, USAGE);
  }
  // A dataset's name is the dataset (the embedded MNIST for `mnist`), not a path.
  const arg = positionals[0];
  const dataset = arg !== undefined && isDatasetName(arg) ? arg : null;
  const summary = inspectArchive(
    dataset === null ? arg : dataset === "mnist" ? undefined : locateDataset(dataset),
  );
  if (values.json) {
    console.log(JSON.stringify(dataset === null ? summary : { dataset, ...summary }));
    return;
  }
  const what = dataset === null || dataset === "mnist"
    ? summary.path
    : `${dataset} (${summary.path})`;
  console.log(`${what}: ${summary.format}, loaded in ${summary.load_seconds.toFixed(3)} s`);
  for (const [name, s] of Object.entries(summary.splits)) {
    console.log(`  ${name}: ${s.count} images of shape [${s.image_shape.join(", ")}]`);
    console.log(`    label histogram ${s.label_histogram.join(" ")}`);
    console.log(`    first labels    ${s.first_labels.join(" ")}`);
    console.log(`    pixel sum       ${s.pixel_sum}`);
  }
});
