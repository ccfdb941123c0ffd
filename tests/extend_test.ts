// A trial is what it trains, not how long: raising `epochs` continues every trial of a folder
// (one record each, equal to a longer run from the start), lowering it shows the prefix, and
// the records of netsweep 0.2 (whose ids held `epochs`) are renamed, not trained again.
import { assert, assertEquals } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { readSweep, runSweep, type SweepEvent } from "../mod.ts";
import { upTo } from "../src/results/mod.ts";
import { trialIdFormat2 } from "../src/experiment/mod.ts";
import { planSweep } from "../src/sweep/plan.ts";
import { recordFile, recordText } from "../src/store/records.ts";

function experiment(dir: string): string {
  const file = `${dir}/grow.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "grow",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { sizes: [784, 20, 10], epochs: 3, monitor: ["testAccuracy", "trainingCost"] },
      grid: { eta: [1.0, 3.0] },
      seed: 7,
    }),
  );
  return file;
}

const metrics = async (dir: string) =>
  (await readSweep(dir)).trials.map((t) =>
    `${t.status} ${JSON.stringify(t.epochs.map((e) => [e.testAccuracy, e.trainingCost]))}`
  );

Deno.test("raising epochs continues every trial, equal to a longer run from the start", async () => {
  using dir = tempDir();
  const file = experiment(dir.path);
  const long = await runSweep({ file, out: `${dir.path}/long`, sets: ["epochs=4"] });
  const short = await runSweep({ file, out: `${dir.path}/grown`, sets: ["epochs=2"] });
  assertEquals(short.records.map((r) => r.epochs.length), [2, 2]);
  const starts: number[] = [];
  const grown = await runSweep({
    file,
    out: `${dir.path}/grown`,
    sets: ["epochs=4"],
    onEvent: (e: SweepEvent) => void (e.type === "trial-start" && starts.push(e.from)),
  });
  assertEquals(starts, [2, 2], "each trial continues after its 2 epochs");
  assertEquals(grown.records.length, 2, "one record per trial");
  assertEquals(grown.records.map((r) => r.setting.epochs), [4, 4]);
  assertEquals(await metrics(grown.dir), await metrics(long.dir));
  // Lowering epochs trains nothing and shows the prefix.
  const lower = await runSweep({ file, out: `${dir.path}/grown`, sets: ["epochs=1"] });
  const shown = upTo(await readSweep(lower.dir), lower.planned);
  assertEquals(shown.trials.map((t) => [t.status, t.epochs.length]), [["done", 1], ["done", 1]]);
  assertEquals(
    shown.trials.map((t) => t.epochs[0].testAccuracy),
    (await readSweep(long.dir)).trials.map((t) => t.epochs[0].testAccuracy),
  );
});

Deno.test("records of netsweep 0.2 are renamed to their epoch-free ids, then continued", async () => {
  using dir = tempDir();
  const file = experiment(dir.path);
  const long = await runSweep({ file, out: `${dir.path}/long`, sets: ["epochs=4"] });
  // A 0.2 folder: the same trials at 2 epochs, and one of them at 1 epoch too, under the ids
  // 0.2 gave them (their settings' epochs included).
  const old = await runSweep({ file, out: `${dir.path}/old`, sets: ["epochs=2"] });
  const plan = planSweep(file, ["epochs=2"], {});
  for (const r of old.records) {
    const id = trialIdFormat2(plan.datasetKey, r.setting, r.seed);
    Deno.removeSync(recordFile(old.dir, r.id));
    Deno.writeTextFileSync(recordFile(old.dir, id), recordText({ ...r, format: 2, id }));
  }
  const first = old.records[0];
  const oneEpoch = {
    ...first,
    setting: { ...first.setting, epochs: 1 },
    epochs: first.epochs.slice(0, 1),
  };
  const shortId = trialIdFormat2(plan.datasetKey, oneEpoch.setting, oneEpoch.seed);
  Deno.writeTextFileSync(
    recordFile(old.dir, shortId),
    recordText({ ...oneEpoch, format: 2, id: shortId }),
  );
  const notes: string[] = [];
  const grown = await runSweep({
    file,
    out: `${dir.path}/old`,
    sets: ["epochs=4"],
    onEvent: (e) => void (e.type === "note" && notes.push(e.text)),
  });
  assert(notes.some((n) => /2 trial records of netsweep 0\.2 renamed/.test(n)), notes.join("\n"));
  assertEquals(grown.records.map((r) => [r.format, r.epochs.length]), [[3, 4], [3, 4]]);
  assertEquals(await metrics(grown.dir), await metrics(long.dir));
  const left = [...Deno.readDirSync(`${grown.dir}/trials`)].map((e) => e.name);
  assertEquals(left.filter((n) => n.endsWith(".superseded")), [`${shortId}.jsonl.superseded`]);
});
