// `deno task sweep --plan` checks what the run checks (one plan for both), and says what the
// run would do: each network, each trial's epochs, a legend, the total and an estimate.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";

function sweep(args: string[]): { code: number; out: string; err: string } {
  const r = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/sweep.ts", ...args],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).outputSync();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: r.code, out: text(r.stdout), err: text(r.stderr) };
}

Deno.test("--plan refuses what the run refuses, with the same line", () => {
  // Seen: --plan listed a network the run then refused (4.2 GB of kernel memory).
  using dir = tempDir();
  const file = `${dir.path}/huge.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "huge",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { sizes: [784, 700000, 10], epochs: 1 },
    }),
  );
  const plan = sweep([file, "--plan"]);
  const run = sweep([file, "--out", dir.path]);
  assertEquals([plan.code, run.code], [1, 1]);
  const line = (s: string) => s.trim().split("\n").filter((l) => l.startsWith("error:"));
  assertEquals(line(plan.err), line(run.err));
  assertMatch(line(plan.err)[0], /GB of kernel memory/);
});

Deno.test("--plan shows each network, each trial's epochs, a legend, the total and an estimate", () => {
  using dir = tempDir();
  const file = `${dir.path}/two.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "two",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { sizes: [784, 20, 10], epochs: 3 },
      grid: { eta: [0.5, 1], miniBatchSize: [10, 20] },
    }),
  );
  const r = sweep([file, "--plan", "--workers", "2"]);
  assertEquals(r.code, 0, r.err);
  assertMatch(r.out, /^two: 4 trials on /);
  assertMatch(r.out, /network A \(15,910 parameters\):\n {4}dense 784 -> 20, sigmoid/);
  assert(/network B/.test(r.out), "a second network: another mini-batch size trains another way");
  assertEquals(
    r.out.split("\n").filter((l) => /^\* +\d+ +[0-9a-f]{12} +3 +[AB] /.test(l)).length,
    4,
  );
  assertMatch(r.out, /\nlegend: \* a trial this process runs/);
  assertMatch(
    r.out,
    /\ntotal: 12 epochs on 2 workers; about \d+s \(an estimate from a short timed probe/,
  );
  // Nothing written: a plan runs nothing.
  assertEquals([...Deno.readDirSync(dir.path)].map((e) => e.name), ["two.json"]);
});
