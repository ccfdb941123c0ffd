// What a newcomer sees in the live view and around a run (issue 20, items 9 and 10): folders
// named alike told apart, an ETA no shorter than a running trial's, seconds per epoch as the
// epochs take them, readable chart axes, `serve` waiting for a folder to appear; a `constant:`
// line of settings that apply, the CPU named, and refused permissions in netsweep's words.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { Browser, CHROMIUM } from "./_cdp.ts";
import { cli, copyDir, experimentFile, handSweep, ROOT, taskPermissions } from "./_newcomer.ts";
import { compareSweeps, curveSpec, formatComparison, renderSvg, runSweep } from "../mod.ts";
import { serveResults } from "../src/live/server.ts";
import { liveView, sweepEta } from "../src/live/view.ts";
import { withoutPermissionAdvice } from "../src/cli/_main.ts";
import { Heartbeat, thisRun } from "../src/coordination/mod.ts";

/** A finished sweep of the fixture, named `tiny`, in `dir`; returns its folder. */
async function tinySweep(dir: string): Promise<string> {
  const file = experimentFile(dir, "tiny", {
    repeats: 1,
    base: { sizes: [784, 10, 10], epochs: 1, monitor: ["testAccuracy"] },
  });
  return (await runSweep({ file, out: `${dir}/made` })).dir;
}

Deno.test({
  name: "item 9: three folders of one experiment name are told apart in the sidebar",
  ignore: !CHROMIUM,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    using dir = tempDir();
    const made = await tinySweep(dir.path);
    const root = `${dir.path}/results`;
    for (const run of ["monday", "tuesday", "wednesday"]) copyDir(made, `${root}/${run}/tiny`);
    const server = serveResults(root, { pollMs: 50 });
    const browser = await Browser.open(server.url);
    try {
      // Until each of the three has been read: a folder found but not read yet says so
      // ("reading…", never "unreadable"), and a loaded machine can show the list before.
      const texts = await browser.waitFor<string[]>(
        "(() => { const t = [...document.querySelectorAll('#list a')].map((a) => a.textContent); return t.length === 3 && t.every((x) => x.includes('trials:')) && t; })()",
      );
      assertEquals(new Set(texts).size, 3, texts.join(" | "));
      for (const run of ["monday", "tuesday", "wednesday"]) {
        assert(texts.some((t) => t.startsWith(`tiny${run}/tiny`)), `${run}: ${texts.join(" | ")}`);
      }
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "item 9: a folder found but not read yet says `reading…`, never `unreadable`",
  ignore: !CHROMIUM,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    using dir = tempDir();
    const root = `${dir.path}/results`;
    copyDir(await tinySweep(dir.path), `${root}/held`);
    // The sweep's experiment file is swapped for a FIFO: the server's first read of it cannot
    // end until this test writes, so the page is seen, for certain, between finding and reading.
    const [name] = [...Deno.readDirSync(`${root}/held/experiments`)].map((e) => e.name);
    const fifo = `${root}/held/experiments/${name}`;
    const experiment = Deno.readTextFileSync(fifo);
    Deno.removeSync(fifo);
    assert(new Deno.Command("mkfifo", { args: [fifo] }).outputSync().success, "mkfifo");
    const server = serveResults(root, { pollMs: 50 });
    const browser = await Browser.open(server.url);
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      // A writer end unblocks a reader waiting in open(); the path then holds a plain file for
      // any later read; closing the writer ends what the waiting reader sees.
      const writer = await Deno.open(fifo, { read: true, write: true });
      Deno.removeSync(fifo);
      Deno.writeTextFileSync(fifo, experiment);
      await writer.write(new TextEncoder().encode(experiment));
      writer.close();
    };
    try {
      const text = await browser.waitFor<string>(
        "document.querySelector('#list a')?.textContent || false",
      );
      assertEquals(text, "heldreading…"); // the folder's path, and why no more is shown
      assertMatch(
        await browser.waitFor<string>("document.querySelector('#summary').textContent || false"),
        /reading…/,
      );
      const body = await (await fetch(`${server.url}api/sweeps`)).json();
      assertEquals(body.sweeps.map((s: { reading?: boolean }) => s.reading), [true]);
      await release();
      const read = await browser.waitFor<string>(
        "(() => { const t = document.querySelector('#list a')?.textContent || ''; return t.includes('trials:') && t; })()",
      );
      assert(!/reading|unreadable/.test(read), read);
    } finally {
      await release();
      await browser.close();
      await server.shutdown();
    }
  },
});

Deno.test("item 9: the sweep's ETA is never shorter than a running trial's own", async (t) => {
  using dir = tempDir();
  // A running trial's process: a live run with its heartbeat.
  const run = { ...thisRun(), run: "0000000000004242", host: "testhost", pid: 4242 };
  const beat = Heartbeat.start(dir.path, run);
  const alive = { run: run.run, host: "testhost", pid: 4242 };
  // eta=1: done, ten 1-second epochs. eta=3: one running trial, a 5-second warm-up epoch, then
  // 2-second epochs, 7 of its 10 epochs left; and one pending trial of the same setting.
  const sweep = handSweep([
    { setting: { eta: 1, epochs: 10 }, epochs: Array.from({ length: 10 }, () => ({})) },
    {
      setting: { eta: 3, epochs: 10 },
      status: "running",
      ...alive,
      epochs: [{ trainSeconds: 5 }, { trainSeconds: 1.5, evalSeconds: 0.5 }, { trainSeconds: 2 }],
    },
    { setting: { eta: 3, epochs: 10 }, status: "pending", epochs: [] },
  ], { dir: dir.path });
  await t.step("hand-computed: 7·2 s for the running trial, 10·2 s for the pending one", () => {
    const v = liveView("hand", sweep);
    assertEquals(v.remainingEpochs, 17);
    assertEquals(v.running.map((r) => [r.alive, r.secondsPerEpoch, r.eta]), [[true, 2, 14]]);
    assertEquals(v.eta, 34);
  });
  await t.step("shared by two processes, still not before the longest trial ends", () => {
    const left = [
      { setting: "a", pace: 2, epochs: 7 },
      { setting: "b", pace: 1, epochs: 1 },
    ];
    assertEquals(sweepEta(left, [14, 1], 2), 14);
    assertEquals(sweepEta([...left, { setting: "a", pace: null, epochs: 20 }], [14, 1], 2), 27.5);
    assertEquals(sweepEta(left, [], 0), null, "nothing running: no ETA");
  });
  beat.stop();
});

Deno.test("item 9: seconds per epoch are what the epochs take, not the warm-up epoch", () => {
  // A trial two epochs in: the first took 4 s of training (the kernels' warm-up) and 0.02 s of
  // evaluation, the second 0.8 s and 0.2 s. Its epochs take 1 s.
  using dir = tempDir();
  const run = { ...thisRun(), run: "0000000000004243", host: "testhost", pid: 4243 };
  const beat = Heartbeat.start(dir.path, run);
  const sweep = handSweep([{
    setting: { epochs: 10 },
    status: "running",
    run: run.run,
    host: "testhost",
    pid: 4243,
    epochs: [
      { trainSeconds: 4, evalSeconds: 0.02, testAccuracy: 0.5 },
      { trainSeconds: 0.8, evalSeconds: 0.2, testAccuracy: 0.6 },
    ],
  }], { dir: dir.path });
  const c = compareSweeps([sweep]);
  assertEquals(c.rows[0].secondsPerEpoch, 1);
  assertMatch(
    formatComparison(c, "table", 200),
    /^\*\s+60\.00% \(12 \/ 20\)\s+1\s+60\.00% \(12 \/ 20\)\s+1\.00\s+1\s/m,
  );
  const v = liveView("hand", sweep);
  assertEquals(v.running[0].secondsPerEpoch, 1);
  assertEquals(v.running[0].eta, 8);
  // With three epochs, the median of the two after the first.
  sweep.trials[0].epochs.push({ epoch: 2, eta: 3, trainSeconds: 1.1, evalSeconds: 0.1 });
  assertEquals(Math.round(compareSweeps([sweep]).rows[0].secondsPerEpoch * 1e9) / 1e9, 1.1);
  beat.stop();
});

Deno.test("item 9: a one-epoch chart labels its axes as numbers are written", async () => {
  const one = (eta: number, acc: number) => ({ setting: { eta }, epochs: [{ testAccuracy: acc }] });
  const texts = async (trials: ReturnType<typeof one>[]) => {
    const svg = await renderSvg(curveSpec([handSweep(trials)], "testAccuracy"));
    return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  };
  const single = await texts([one(3, 0.9)]);
  assert(single.includes("0"), `the epoch axis: ${single.join(" | ")}`);
  assert(single.includes("90"), `the accuracy axis: ${single.join(" | ")}`);
  assert(!single.some((x) => /\.0{4,}/.test(x)), single.join(" | "));
  const two = await texts([one(3, 0.9), one(1, 0.8)]);
  assert(!two.some((x) => /\.0{4,}/.test(x)), two.join(" | "));
  assert(two.includes("85"), two.join(" | "));
});

Deno.test({
  name: "item 9: serve on a folder that does not exist yet waits for it, saying so",
  sanitizeResources: false,
  async fn() {
    using dir = tempDir();
    const made = await tinySweep(dir.path);
    const later = `${dir.path}/later`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...taskPermissions("serve"), `${ROOT}src/cli/serve.ts`, later],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    try {
      let text = "";
      while (!text.includes("\n")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      assertMatch(
        text,
        /^netsweep live: http:\/\/127\.0\.0\.1:\d+\/ \(.*later does not exist yet: waiting for it to appear; sweeps show up when they start/,
      );
      const url = /(http:\/\/\S+\/)/.exec(text)![1];
      copyDir(made, `${later}/tiny`);
      const deadline = Date.now() + 30_000;
      let keys: string[] = [];
      while (!keys.includes("tiny") && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const list = await (await fetch(`${url}api/sweeps`)).json();
        keys = list.sweeps.map((s: { key: string }) => s.key);
      }
      assertEquals(keys, ["tiny"]);
    } finally {
      child.kill("SIGTERM");
      await reader.cancel();
      await child.stderr.cancel();
      await child.status;
    }
  },
});

Deno.test("item 10: the constant line lists only settings that apply", async (t) => {
  const constantLine = (trials: Parameters<typeof handSweep>[0]) =>
    formatComparison(compareSweeps([handSweep(trials)]), "table", 1000).split("\n")
      .find((l) => l.startsWith("constant: "))!;
  const keys = (line: string) => [...line.matchAll(/ (\w+)=/g)].map((m) => m[1]);
  const epochs = [{ testAccuracy: 0.5 }];
  await t.step("plain SGD, init large: no momentum, betas, rmsDecay, initStd, layers", () => {
    const line = constantLine([
      { setting: { eta: 1 }, epochs },
      { setting: { eta: 3 }, epochs },
    ]);
    for (const k of ["momentum", "beta1", "beta2", "rmsDecay", "initStd", "layers", "iterations"]) {
      assert(!keys(line).includes(k), `${k} in ${line}`);
    }
    for (const k of ["sizes", "optimizer", "init", "lmbda", "miniBatchSize", "epochs"]) {
      assert(keys(line).includes(k), `${k} not in ${line}`);
    }
  });
  await t.step("Adam with init scaled: the betas and initStd, not momentum or rmsDecay", () => {
    const adam = { optimizer: "adam", init: "scaled", initStd: 0.02 } as const;
    const line = constantLine([
      { setting: { ...adam, eta: 0.001 }, epochs },
      { setting: { ...adam, eta: 0.01 }, epochs },
    ]);
    assertMatch(line, / beta1=0\.9 beta2=0\.999 /);
    assertMatch(line, / initStd=0\.02 /);
    assert(!/momentum=|rmsDecay=/.test(line), line);
  });
  await t.step("momentum applies when some setting's optimiser reads it", () => {
    const line = constantLine([
      { setting: { optimizer: "sgd" }, epochs },
      { setting: { optimizer: "nesterov" }, epochs },
    ]);
    assertMatch(line, / momentum=0\.9 /);
    assert(!/beta1=|rmsDecay=/.test(line), line);
  });
});

Deno.test("item 10: the environment names the CPU, or says why it cannot", async (t) => {
  using dir = tempDir();
  const script = `${dir.path}/cpu.ts`;
  Deno.writeTextFileSync(
    script,
    `import { environment } from "${ROOT}src/sweep/environment.ts";\nconsole.log(environment().cpu);\n`,
  );
  const cpu = (permissions: string[]) => {
    const o = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `--config=${ROOT}deno.json`, ...permissions, script],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    assert(o.success, new TextDecoder().decode(o.stderr));
    return new TextDecoder().decode(o.stdout).trim();
  };
  await t.step("with the sweep task's permissions", () => {
    const got = cpu(taskPermissions("sweep"));
    assert(!got.startsWith("unknown"), got);
    // This test runs with every permission: /proc/cpuinfo says it independently on Linux.
    let expected: string | undefined;
    try {
      expected = /^model name\s*:\s*(.+)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1]
        ?.trim();
    } catch { /* not Linux */ }
    if (expected) assertEquals(got, expected);
  });
  await t.step("with no permission at all: why", () => {
    assertMatch(cpu([]), /^unknown \(os\.cpus\(\): not permitted; \/proc\/cpuinfo: not permitted/);
  });
});

Deno.test("item 10: refused permissions are one line in netsweep's words", async (t) => {
  await t.step("an experiment file from /dev/stdin", () => {
    const r = cli("sweep.ts", ["/dev/stdin"]);
    assertEquals(r.code, 1);
    assertEquals(
      r.err.trim(),
      "error: /dev/stdin: cannot read (refused: /dev/stdin is a device or system path, which netsweep does not use; give a regular file or folder)",
    );
  });
  await t.step("--out /dev/null", () => {
    const r = cli("sweep.ts", [`${TESTDATA}experiments/tiny.json`, "--out", "/dev/null"]);
    assertEquals(r.code, 1);
    assertEquals(r.err.trim().split("\n").length, 1, r.err);
    assertMatch(
      r.err,
      /^error: \/dev\/null\/tiny\/\S+: cannot write \(refused: \/dev\/null\/tiny\/\S+ is a device or system path/,
    );
    assert(!/--allow-all|run again/.test(r.err), r.err);
  });
  await t.step({
    name: "compare /proc: refused, not 'no such directory'",
    ignore: Deno.build.os !== "linux",
    fn: () => {
      const r = cli("compare.ts", ["/proc"]);
      assertEquals(r.code, 1);
      assertEquals(
        r.err.trim(),
        "error: /proc: cannot read (refused: /proc is a device or system path, which netsweep does not use; give a regular file or folder)",
      );
    },
  });
  await t.step("Deno's other refusals, rephrased", () => {
    assertEquals(
      withoutPermissionAdvice(
        'results/x/trials: cannot write (Requires write access to "results/x/trials", run again with the --allow-write flag)',
      ),
      "results/x/trials: cannot write (refused: results/x/trials: writing it is not permitted to this command)",
    );
    assertEquals(
      withoutPermissionAdvice(
        'Requires read access to "data/x.gz", run again with the --allow-read flag',
      ),
      "refused: data/x.gz: reading it is not permitted to this command",
    );
    assertEquals(withoutPermissionAdvice("x.json: no such file"), "x.json: no such file");
  });
});
