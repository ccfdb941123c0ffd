/**
 * `deno task schema`: writes `experiments/schema.json` from the experiment field table (the
 * test suite checks that the committed file matches).
 *
 * @module
 */
import { runMain } from "./_main.ts";
import { experimentJsonSchema } from "../sweep/schema.ts";

runMain(() => {
  Deno.writeTextFileSync(
    "experiments/schema.json",
    JSON.stringify(experimentJsonSchema(), null, 2) + "\n",
  );
  console.log("wrote experiments/schema.json");
});
