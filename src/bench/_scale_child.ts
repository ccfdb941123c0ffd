// One measured scale sweep in a fresh process: prints {wall, load, trialSeconds} as JSON, the
// trials' own training and evaluation seconds summed from their records.
import type { Durability } from "../store/mod.ts";
import { runSweep } from "../sweep/mod.ts";

const [file, out, durability] = Deno.args;
const start = performance.now();
let load = 0;
const result = await runSweep({
  file,
  out,
  workers: 2,
  durability: durability as Durability,
  onEvent: (e) => {
    if (e.type === "start") load = (performance.now() - start) / 1000;
  },
});
const wall = (performance.now() - start) / 1000;
const trialSeconds = result.records.reduce(
  (s, r) => s + r.epochs.reduce((t, e) => t + e.trainSeconds + e.evalSeconds, 0),
  0,
);
console.log(JSON.stringify({ wall, load, trialSeconds }));
