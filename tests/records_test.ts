// Trial records are read back as written, whatever the network, and a record that netsweep
// could not have written (values edited by hand, text that a spreadsheet would run) is named
// in one line and skipped, never carried into tables or CSV files.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { readSweep, runSweep } from "../mod.ts";
import { appendStatus, readRecords, RecordLog, Syncer } from "../src/store/record_files.ts";

Deno.test("records of fully connected and layered networks read back; tampered ones are skipped", async () => {
  using dir = tempDir();
  const file = `${dir.path}/kinds.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "kinds",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { epochs: 1, cost: "log-likelihood", monitor: ["testAccuracy"] },
      cases: [
        { sizes: [784, 10, 10] },
        {
          layers: [
            { type: "conv", maps: 2, kernel: 5 },
            { type: "pool", size: 2 },
            { type: "dense", size: 10 },
          ],
        },
      ],
    }),
  );
  const result = await runSweep({ file, out: dir.path });
  assertEquals(result.skipped, []);
  assertEquals(result.records.map((r) => [r.status, r.setting.layers === null]), [
    ["done", true],
    ["done", false],
  ]);
  // A record whose setting was edited into something netsweep never writes.
  const rec = `${result.dir}/trials/${result.records[0].id}.jsonl`;
  const lines = Deno.readTextFileSync(rec).split("\n");
  const head = JSON.parse(lines[0]);
  head.setting.activation = "=cmd|' /C calc'!A0";
  Deno.writeTextFileSync(rec, [JSON.stringify(head), ...lines.slice(1)].join("\n"));
  const { records, skipped } = await readRecords(result.dir);
  assertEquals(records.size, 1);
  assertEquals(skipped.length, 1);
  assertMatch(skipped[0], /\.jsonl: \$\.setting\.activation: must be one of .* \(skipped\)$/);
  assert(!skipped[0].includes("\n"));
  const sweep = await readSweep(result.dir);
  assert(sweep.trials.every((t) => t.setting.activation === "sigmoid"));
});

Deno.test("a status the main thread appends survives the worker's next line", () => {
  // Seen: Ctrl-C, the main thread marked the trial interrupted, the worker (still stopping)
  // wrote its own line at its handle's offset over it, and trials.csv said "running".
  using dir = tempDir();
  const path = `${dir.path}/t.jsonl`;
  const { text, log } = RecordLog.open(path);
  assertEquals(text, "");
  log.writeText('{"header":1}\n');
  log.write({ epoch: 0, eta: 1, trainSeconds: 0, evalSeconds: 0 });
  appendStatus(path, { status: "interrupted", at: "main" }, new Syncer("none"));
  log.write({ status: "interrupted", at: "worker" });
  log.close();
  const lines = Deno.readTextFileSync(path).trim().split("\n").map((l) => JSON.parse(l));
  assertEquals(lines.map((l) => l.at ?? l.epoch ?? "header"), ["header", 0, "main", "worker"]);
  // Reopened, a log reads what is there and appends after it.
  const again = RecordLog.open(path);
  assertEquals(again.text.split("\n").length, 5);
  again.log.write({ status: "running", at: "again" });
  again.log.close();
  assertMatch(
    Deno.readTextFileSync(path),
    /"at":"worker"\}\n\{"status":"running","at":"again"\}\n$/,
  );
});

Deno.test("--sync: each line synced, none never, auto in bounded batches of every dirty record", () => {
  // A file that counts its syncs (the policy is what is tested; fdatasync is the OS's).
  const counting = () => {
    const f = { syncs: 0, syncDataSync: () => void f.syncs++ };
    return f;
  };
  const each = new Syncer("each");
  const a = counting();
  for (let i = 0; i < 5; i++) each.wrote("a", a as unknown as Deno.FsFile);
  assertEquals(a.syncs, 5);
  const none = new Syncer("none");
  const b = counting();
  for (let i = 0; i < 5; i++) none.wrote("b", b as unknown as Deno.FsFile);
  none.flush();
  assertEquals(b.syncs, 0);
  // auto: lines written within the budget wait; a flush syncs each dirty record once.
  using dir = tempDir();
  const paths = ["x", "y"].map((n) => `${dir.path}/${n}.jsonl`);
  for (const p of paths) Deno.writeTextFileSync(p, "{}\n");
  // The test's own clock (ms): a stalled test thread cannot make time pass.
  let now = 1000;
  const auto = new Syncer("auto", () => now);
  const c = counting();
  for (let i = 0; i < 5; i++) auto.wrote(paths[0], c as unknown as Deno.FsFile);
  now += 79; // the first guess of a sync's cost is 4 ms: 20 times that is 80 ms
  auto.wrote(paths[1], c as unknown as Deno.FsFile);
  assertEquals(c.syncs, 0, "no sync before 20 times a sync's cost has passed");
  auto.flush(c as unknown as Deno.FsFile, paths[0]);
  assertEquals(c.syncs, 1, "the open file synced through its handle, the other by path");
  auto.flush();
  assertEquals(c.syncs, 1, "nothing dirty after a flush");
  // Once 20 times the last sync's cost has passed, the next line syncs what is dirty.
  auto.flush(c as unknown as Deno.FsFile, paths[0]); // no time passed: the floor, 0.01 ms
  const before = c.syncs;
  now += 0.1;
  auto.wrote(paths[0], c as unknown as Deno.FsFile);
  assertEquals(c.syncs, before, "not before 20 x 0.01 ms");
  now += 0.2;
  auto.wrote(paths[0], c as unknown as Deno.FsFile);
  assertEquals(c.syncs, before + 1, "synced by the line after the interval");
});
