// The small things a user meets first: messages that name the file and the problem, the
// usage when a command line is wrong, and settings that would silently do nothing refused.
import { assert, assertEquals, assertMatch, assertThrows } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import {
  compareSweeps,
  formatComparison,
  NetsweepError,
  parseExperiment,
  readSweeps,
  runSweep,
  shardFromEnv,
} from "../mod.ts";
import { statusText } from "../src/results/compare.ts";

const ROOT = new URL("../", import.meta.url).pathname;

function cli(
  script: string,
  args: string[],
  cwd = ROOT,
): { code: number; out: string; err: string } {
  const o = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}src/cli/${script}`, ...args],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout),
    err: new TextDecoder().decode(o.stderr),
  };
}

Deno.test("shards from a scheduler's environment", async (t) => {
  await t.step("a SLURM array with a step", () => {
    const env = {
      SLURM_ARRAY_TASK_ID: "4",
      SLURM_ARRAY_TASK_MIN: "0",
      SLURM_ARRAY_TASK_STEP: "2",
      SLURM_ARRAY_TASK_COUNT: "4",
    };
    assertEquals(shardFromEnv(env), { index: 2, count: 4 });
    assertThrows(
      () => shardFromEnv({ ...env, SLURM_ARRAY_TASK_ID: "3" }),
      /not on the array's grid/,
    );
  });
  await t.step("half a setting is an error, not a full run", () => {
    assertThrows(
      () => shardFromEnv({ SLURM_ARRAY_TASK_ID: "1" }),
      /without SLURM_ARRAY_TASK_COUNT/,
    );
    assertThrows(() => shardFromEnv({ NETSWEEP_SHARDS: "3" }), /no JOB_COMPLETION_INDEX/);
  });
  await t.step("--shard -1/2 says what is wrong", () => {
    const r = cli("sweep.ts", [`${TESTDATA}experiments/tiny.json`, "--shard", "-1/2"]);
    assertEquals(r.code, 2, "a wrong command line, like every other");
    assertMatch(r.err, /^error: --shard: expected i\/n with 0 <= i < n, got '-1\/2'$/m);
  });
});

Deno.test("experiment values are quoted as the file has them", async (t) => {
  const bad = (json: unknown) => {
    try {
      parseExperiment(json, "x.json");
    } catch (err) {
      assert(err instanceof NetsweepError);
      return err.message;
    }
    throw new Error("accepted");
  };
  await t.step("a number too large for a float", () => {
    assertMatch(
      bad(JSON.parse('{"name": "x", "base": {"eta": 1e400}}')),
      /must be a finite number, got Infinity \(a number too large/,
    );
  });
  await t.step("a number given as a string", () => {
    assertMatch(
      bad({ name: "x", dataset: { scale: "255" } }),
      /\$\.dataset\.scale: must be the number 255, not the string "255"/,
    );
  });
  await t.step("a case key that the grid would override", () => {
    assertMatch(
      bad({ name: "x", grid: { eta: [1, 2] }, cases: [{ eta: 5 }] }),
      /\$\.cases\[0\]\.eta: is also in the grid/,
    );
  });
  await t.step("iterations without Saito's sampling", async () => {
    using dir = tempDir();
    const file = `${dir.path}/it.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({
        name: "it",
        dataset: { path: `${TESTDATA}mnist.pkl.gz` },
        base: { iterations: 100 },
      }),
    );
    const err = await runSweep({ file, out: dir.path }).catch((e) => e);
    assertMatch(
      err.message,
      /trial 0\.iterations: counts Saito's sampled batches: it needs sampling 'replacement'/,
    );
  });
  await t.step("early stopping with nothing to monitor", async () => {
    using dir = tempDir();
    const file = `${dir.path}/es.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({
        name: "es",
        dataset: { path: `${TESTDATA}mnist.pkl.gz` },
        base: { earlyStopping: 3, monitor: ["trainingCost"] },
      }),
    );
    const err = await runSweep({ file, out: dir.path }).catch((e) => e);
    assertMatch(err.message, /earlyStopping: needs a monitored accuracy/);
  });
  await t.step("a byte order mark is not an error", async () => {
    using dir = tempDir();
    const file = `${dir.path}/bom.json`;
    Deno.writeTextFileSync(
      file,
      "\ufeff" +
        JSON.stringify({
          name: "bom",
          dataset: { path: `${TESTDATA}mnist.pkl.gz` },
          base: { sizes: [784, 5, 10], epochs: 1 },
        }),
    );
    assertEquals((await runSweep({ file, out: dir.path })).records.map((r) => r.status), ["done"]);
  });
});

Deno.test("a wrong command line gets the usage", async (t) => {
  await t.step("sweep and compare with no arguments", () => {
    for (const script of ["sweep.ts", "compare.ts", "plot.ts"]) {
      const r = cli(script, []);
      assertEquals(r.code, 2, script);
      assertMatch(r.err, /^error: expected an? .*\nusage: deno task /m);
    }
  });
  await t.step("compare --sort bogus", () => {
    const r = cli("compare.ts", [TESTDATA, "--sort", "etta"]);
    assertEquals(r.code, 2);
    assertMatch(r.err, /unknown --sort 'etta' \(did you mean 'eta'\?\)/);
  });
  await t.step("bench --only bogus, and bench --help", () => {
    const r = cli("bench.ts", ["--only", "lod"]);
    assertEquals(r.code, 2);
    assertMatch(r.err, /--only must be one of/);
    const h = cli("bench.ts", ["--help"]);
    assertEquals(h.code, 0);
    assertMatch(h.out, /^usage: deno task bench/);
  });
  await t.step("schema --help writes nothing", () => {
    using dir = tempDir();
    const r = cli("schema.ts", ["--help"], dir.path);
    assertEquals(r.code, 0);
    assertEquals([...Deno.readDirSync(dir.path)], []);
  });
  await t.step("an unknown option", () => {
    const r = cli("compare.ts", ["--bogus"]);
    assertEquals(r.code, 2);
    assertMatch(r.err, /^error: Unknown option '--bogus'.*\nusage:/m);
  });
});

Deno.test("tables say what a plain 'done' would hide", async (t) => {
  using dir = tempDir();
  const write = (name: string, data: string | null, grid: Record<string, unknown>) => {
    const file = `${dir.path}/${name}.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({
        name,
        dataset: { path: data },
        base: { sizes: [784, 10, 10], epochs: 2 },
        grid,
      }),
    );
    return file;
  };
  await t.step("a trial that never beat chance is 'not learning'", async () => {
    // The embedded MNIST: 10,000 test images, so chance is clearly chance.
    const r = await runSweep({
      file: write("big-eta", null, { eta: [1e9], trainSize: [1000] }),
      out: dir.path,
    });

    const c = compareSweeps(await readSweeps([r.dir]));
    assertMatch(statusText(c.rows[0]), /1 done, 1 not learning/);
  });
  await t.step("failed trials say failed", () => {
    const row = { status: { done: 1, failed: 2 }, notLearning: 0 } as unknown as Parameters<
      typeof statusText
    >[0];
    assertEquals(statusText(row), "1 done, 2 failed");
  });
  await t.step("results from different datasets are said to be", async () => {
    const a = await runSweep({
      file: write("on-pickle", `${TESTDATA}mnist.pkl.gz`, { eta: [3] }),
      out: dir.path,
    });
    const b = await runSweep({
      file: write("on-npz", `${TESTDATA}mnist.npz`, { eta: [3] }),
      out: dir.path,
    });
    const c = compareSweeps(await readSweeps([a.dir, b.dir]));
    assertMatch(formatComparison(c, "table", 300), /the rows come from 2 datasets/);
  });
});
