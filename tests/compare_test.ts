import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { decodePng } from "./_png.ts";
import {
  compareSweeps,
  curveSpec,
  formatComparison,
  NetsweepError,
  readSweep,
  readSweeps,
  renderSvg,
  runSweep,
  writePlots,
  writeReport,
} from "../mod.ts";

function experiment(dir: string, name: string, extra: Record<string, unknown> = {}): string {
  const file = `${dir}/${name}.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name,
      description: `The ${name} experiment, on the fixture.`,
      dataset: { path: `${TESTDATA}mnist.pkl.gz`, scale: 256 },
      base: {
        sizes: [784, 12, 10],
        epochs: 3,
        monitor: ["testAccuracy", "validationAccuracy", "trainingCost"],
      },
      grid: { eta: [0.5, 3.0] },
      repeats: 2,
      seed: 3,
      ...extra,
    }),
  );
  return file;
}

Deno.test("compareSweeps() aggregates repeats per setting, best first", async (t) => {
  using dir = tempDir();
  const result = await runSweep({ file: experiment(dir.path, "cmp"), out: dir.path, workers: 2 });
  const sweep = await readSweep(result.dir);
  const c = compareSweeps([sweep]);

  await t.step("one row per setting, with mean, std and n over the repeats", () => {
    assertEquals(c.varying, ["eta"]);
    assertEquals(c.rows.length, 2);
    for (const row of c.rows) {
      const best = result.records
        .filter((r) => r.setting.eta === row.params.eta)
        .map((r) => Math.max(...r.epochs.map((e) => e.testAccuracy!)));
      const mean = (best[0] + best[1]) / 2;
      assert(Math.abs(row.best.mean - mean) < 1e-9);
      assert(Math.abs(row.best.std - Math.abs(best[0] - best[1]) / Math.SQRT2) < 1e-6);
      assertEquals([row.best.n, row.status.done], [2, 2]);
      assert(row.validation !== null);
    }
    // Validation accuracy is monitored: settings are ranked by it, never by the test set.
    assertEquals(c.sort, "validation");
    assert(c.rows[0].validation!.mean >= c.rows[1].validation!.mean);
    assert(c.rows[0].isBest && !c.rows[1].isBest);
    assertEquals(c.constant.epochs, 3);
  });
  await t.step("formats: table, Markdown, CSV, JSON", () => {
    const table = formatComparison(c, "table", 200);
    assertMatch(table, /^\*\s+(3|0\.5)\s+\d+\.\d\d% ± \d+\.\d\d/m);
    assertMatch(table, /constant: sizes=784-12-10 /);
    const narrow = formatComparison(c, "table", 40);
    assertMatch(narrow, /^\* best setting 1$/m);
    assert(narrow.split("\n").every((l) => l.length <= 40), "every line fits, notes wrapped");
    assertMatch(narrow, /^constant: sizes=784-12-10/m);
    const md = formatComparison(c, "md").split("\n");
    assertMatch(
      md[0],
      /^\| {2}\| eta \| best validation \| epoch \| test accuracy at best val\. \|/,
    );
    assertEquals(md[1].split("|").length, md[0].split("|").length);
    const csv = formatComparison(c, "csv").trim().split("\n");
    assertEquals(csv.length, 3);
    assertMatch(csv[0], /^eta,best_mean,best_std,n,/);
    const json = JSON.parse(formatComparison(c, "json"));
    assertEquals(json.rows.length, 2);
  });
  await t.step("a single run shows Nielsen's count", () => {
    const single = compareSweeps([{ ...sweep, trials: sweep.trials.slice(0, 1) }]);
    const full = formatComparison(single, "table", 200);
    assertMatch(
      full,
      /\d+\.\d\d%\s+\d+\s+\d+\.\d\d% \(\d+ \/ 20\)\s+\d+\.\d\d% \(\d+ \/ 20\)/,
    );
    // One column narrower than that: still a table, the final column without the count.
    const fullWidth = Math.max(
      ...full.split("\n").filter((l) => /^\*/.test(l)).map((l) => l.length),
    );
    const compact = formatComparison(single, "table", fullWidth - 1);
    assertMatch(compact, /^\s+validation\s+epoch\s+at best val\.\s+final\s+s\/epoch/m);
    assertMatch(compact, /\d+\.\d\d%\s+\d+\s+\d+\.\d\d% \(\d+ \/ 20\)\s+\d+\.\d\d%\s+\d/);
    assertMatch(compact, /\(at best val\., final: test accuracy\)/);
  });
  await t.step("several experiments side by side", async () => {
    const other = await runSweep({
      file: experiment(dir.path, "other", { grid: { eta: [1.0] }, repeats: 1 }),
      out: dir.path,
    });
    const both = compareSweeps(await readSweeps([sweep.dir, other.dir]));
    assertEquals(both.rows.length, 3);
    assertEquals(new Set(both.rows.map((r) => r.experiment)), new Set(["cmp", "other"]));
    assertMatch(formatComparison(both, "table", 200), /experiment/);
  });
});

Deno.test("compare handles unfinished sweeps and refuses what is not a sweep", async (t) => {
  using dir = tempDir();
  await t.step("half the trials run (one shard of two)", async () => {
    await runSweep({
      file: experiment(dir.path, "half"),
      out: dir.path,
      shard: { index: 0, count: 2 },
    });
    const c = compareSweeps([await readSweep(`${dir.path}/half`)]);
    assertEquals(c.unfinished, 2);
    assertMatch(formatComparison(c, "table", 200), /incomplete: 2 of 4 trials unfinished/);
    assert(c.rows.every((r) => r.status.done === 1 && r.status.pending === 1));
    assertEquals(c.rows.map((r) => r.best.n), [1, 1]);
  });
  await t.step("a directory that is not a sweep result", async () => {
    const err = await readSweep(dir.path).catch((e) => e);
    assert(err instanceof NetsweepError);
    assertMatch(err.message, /not a sweep result/);
  });
  await t.step(
    "a damaged store does not change the table, and says how to rebuild it",
    async () => {
      const before = formatComparison(compareSweeps([await readSweep(`${dir.path}/half`)]), "csv");
      await Deno.remove(`${dir.path}/half/sweep.zarr/status`, { recursive: true });
      Deno.writeTextFileSync(`${dir.path}/half/sweep.zarr/zarr.json`, "{}");
      const c = compareSweeps([await readSweep(`${dir.path}/half`)]);
      assertEquals(formatComparison(c, "csv"), before);
      assertMatch(
        formatComparison(c, "table", 200),
        /sweep\.zarr is older than the trial records: `deno task plot/,
      );
    },
  );
  await t.step("the command line says it in one line", () => {
    // (dir.path itself is a folder of sweeps now, which compare accepts.)
    Deno.mkdirSync(`${dir.path}/nothing`);
    const out = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "src/cli/compare.ts", `${dir.path}/nothing`],
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    assertEquals(out.code, 1);
    assertMatch(new TextDecoder().decode(out.stderr).trim(), /^error: .*not a sweep result[^\n]*$/);
  });
});

Deno.test("plots and the report are real charts", async (t) => {
  using dir = tempDir();
  const result = await runSweep({ file: experiment(dir.path, "plots"), out: dir.path, workers: 2 });
  const sweep = await readSweep(result.dir);
  await t.step("learning curves with title, axes and eta in the legend", async () => {
    const svg = await renderSvg(curveSpec([sweep], "testAccuracy"));
    for (
      const text of [
        "Test accuracy per epoch",
        "Epoch",
        "Test accuracy (%)",
        ">eta<",
        ">0.5<",
        ">3<",
      ]
    ) {
      assert(svg.includes(text), `SVG has ${text}`);
    }
    const paths = await writePlots(sweep);
    assertEquals(paths.map((p) => p.split("/").pop()), [
      "test_accuracy.svg",
      "validation_accuracy.svg",
      "training_cost.svg",
    ]);
  });
  const report = await writeReport(sweep);
  const html = Deno.readTextFileSync(report);
  await t.step("the report is self-contained", () => {
    assert(!/(src|href)="https?:/.test(html), "no network resources");
    assertEquals((html.match(/<figure class="chart"[^>]*><svg /g) ?? []).length, 3, "the curves");
    // The pictures drawn from the trials' predictions: the best trial's confusion matrix,
    // misclassified digits and first-layer weights, the change to the next setting, the vote.
    assertEquals(
      [...html.matchAll(/<figure class="picture" id="picture-([a-z_]+)">/g)].map((m) => m[1]),
      ["confusion", "misclassified", "weights", "confusion_change", "vote"],
    );
    assertMatch(html, /The plots experiment, on the fixture\./);
    assertMatch(html, /<tr class="best">/);
  });

  const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
    try {
      return Deno.statSync(p).isFile;
    } catch {
      return false;
    }
  });
  await t.step({
    name: "headless Chromium renders the table and the charts",
    ignore: !chromium,
    fn: async () => {
      const png = `${dir.path}/report.png`;
      const flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        `--user-data-dir=${dir.path}/chromium`,
        "--window-size=1200,1600",
      ];
      const shot = await new Deno.Command(chromium!, {
        args: [...flags, `--screenshot=${png}`, `file://${report}`],
        stdout: "null",
        stderr: "null",
      })
        .output();
      assert(shot.success, "chromium took a screenshot");
      const img = decodePng(Deno.readFileSync(png));
      assertEquals([img.width, img.height], [1200, 1600]);
      // Vega's first two category colors draw the two settings' lines.
      const count = (rgb: number[]) => {
        let n = 0;
        for (let i = 0; i < img.pixels.length; i += 4) {
          if (
            Math.abs(img.pixels[i] - rgb[0]) + Math.abs(img.pixels[i + 1] - rgb[1]) +
                Math.abs(img.pixels[i + 2] - rgb[2]) < 30
          ) n++;
        }
        return n;
      };
      assert(count([0x4c, 0x78, 0xa8]) > 200, "blue line pixels");
      assert(count([0xf5, 0x85, 0x18]) > 200, "orange line pixels");
      assert(count([0xee, 0xf6, 0xee]) > 1000, "the best row's highlight");
      const dom = await new Deno.Command(chromium!, {
        args: [...flags, "--dump-dom", `file://${report}`],
        stdout: "piped",
        stderr: "null",
      })
        .output();
      const text = new TextDecoder().decode(dom.stdout);
      assertEquals((text.match(/<tr/g) ?? []).length >= 3, true);
      assertMatch(text, /<table id="settings">/);
    },
  });
  if (!chromium) console.log("skipped the browser check: no chromium (apt-get install chromium)");
});
