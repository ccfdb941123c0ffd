/**
 * `deno task schema`: writes `experiments/schema.json` from the experiment field tables (the
 * test suite checks that the committed file matches).
 *
 * @module
 */
import { parseArgs } from "./_args.ts";
import { runMain, UsageError } from "./_main.ts";
import { experimentJsonSchema } from "../experiment/mod.ts";

const USAGE = "usage: deno task schema   (writes experiments/schema.json)";

runMain(() => {
  const { values, positionals } = parseArgs(
    Deno.args,
    { help: { type: "boolean", short: "h" } },
    USAGE,
  );
  if (values.help) return void console.log(USAGE);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, USAGE);
  }
  Deno.writeTextFileSync(
    "experiments/schema.json",
    JSON.stringify(experimentJsonSchema(), null, 2) + "\n",
  );
  console.log("wrote experiments/schema.json");
});
