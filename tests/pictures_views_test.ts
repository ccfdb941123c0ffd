// The pictures where readers look at them, for real: report.html and the live view in headless
// Chromium (the figures there, laid out at a readable size, their text inside them, digits in
// ink, the confusion matrix's green diagonal and red errors), and a notebook on Deno's Jupyter
// kernel (the trial view and the pictures as SVG). NETSWEEP_SHOTS=<dir> keeps the screenshots.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir } from "./_testdata.ts";
import { Browser, CHROMIUM_MISSING } from "./_cdp.ts";
import { jupyterPython, testNeeding } from "./_tools.ts";
import { decodePng, type Image } from "./_png.ts";
import { readSweep, runSweep, writeReport } from "../mod.ts";
import { serveResults } from "../src/live/server.ts";

const SHOTS = Deno.env.get("NETSWEEP_SHOTS");

/** Writes the experiments into `dir`: a grid with repeats, a search, a convolution. */
function experiments(dir: string): Record<string, string> {
  const common = { dataset: { split: "nielsen" }, seed: 3 };
  const files: Record<string, unknown> = {
    grid: {
      ...common,
      name: "pictures-grid",
      base: {
        sizes: [784, 20, 10],
        epochs: 2,
        trainSize: 1000,
        monitor: ["testAccuracy", "validationAccuracy"],
      },
      grid: { eta: [0.5, 3.0] },
      repeats: 2,
    },
    search: {
      ...common,
      name: "pictures-search",
      base: { sizes: [784, 10, 10], epochs: 1, trainSize: 300, monitor: ["validationAccuracy"] },
      sample: { eta: { logUniform: [0.05, 20] }, miniBatchSize: { choice: [5, 10, 50] } },
      trials: 8,
    },
    conv: {
      ...common,
      name: "pictures-conv",
      base: {
        layers: [{ type: "conv", maps: 8, kernel: 5 }, { type: "pool", size: 2 }, {
          type: "dense",
          size: 10,
        }],
        activation: "relu",
        cost: "log-likelihood",
        init: "network3",
        eta: 0.1,
        epochs: 1,
        trainSize: 1000,
        monitor: ["testAccuracy"],
      },
    },
  };
  return Object.fromEntries(
    Object.entries(files).map(([k, v]) => {
      const path = `${dir}/${k}.json`;
      Deno.writeTextFileSync(path, JSON.stringify(v));
      return [k, path];
    }),
  );
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pixels of `img` inside `box` (page coordinates) close to `rgb`, or darker than `dark`. */
function countPixels(img: Image, box: Box, test: (r: number, g: number, b: number) => boolean) {
  let n = 0;
  for (let y = Math.max(0, Math.floor(box.y)); y < Math.min(img.height, box.y + box.height); y++) {
    for (let x = Math.max(0, Math.floor(box.x)); x < Math.min(img.width, box.x + box.width); x++) {
      const i = 4 * (y * img.width + x);
      if (test(img.pixels[i], img.pixels[i + 1], img.pixels[i + 2])) n++;
    }
  }
  return n;
}

const near = (rgb: number[]) => (r: number, g: number, b: number) =>
  Math.abs(r - rgb[0]) + Math.abs(g - rgb[1]) + Math.abs(b - rgb[2]) < 24;
const ink = (r: number, g: number, b: number) => r < 60 && g < 60 && b < 60;

/** The whole page as one screenshot (and its figures' boxes), saved when asked. */
async function capture(browser: Browser, name: string): Promise<Image> {
  await browser.send("Emulation.setDeviceMetricsOverride", {
    width: 1300,
    height: 900,
    deviceScaleFactor: 1,
    mobile: false,
  });
  const height = await browser.evaluate<number>("document.documentElement.scrollHeight");
  const { data } = await browser.send("Page.captureScreenshot", {
    format: "png",
    clip: { x: 0, y: 0, width: 1300, height, scale: 1 },
    captureBeyondViewport: true,
  }) as { data: string };
  const png = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  if (SHOTS) Deno.writeFileSync(`${SHOTS}/${name}.png`, png);
  return decodePng(png);
}

/** Every picture figure: its box, and whether any of its text runs outside its SVG. */
const FIGURES = `[...document.querySelectorAll("figure[id^='picture-'], figure.chart")].map((f) => {
  const svg = f.querySelector("svg");
  const r = svg.getBoundingClientRect();
  const overflow = [...svg.querySelectorAll("text")].filter((t) => {
    const b = t.getBoundingClientRect();
    return b.width > 0 && (b.right > r.right + 1 || b.left < r.left - 1);
  }).map((t) => t.textContent);
  const sizes = [...svg.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize));
  return { id: f.id, x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height,
    overflow, smallest: Math.min(...sizes) };
})`;

interface Figure extends Box {
  id: string;
  overflow: string[];
  smallest: number;
}

async function figuresOf(browser: Browser): Promise<Record<string, Figure>> {
  const list = await browser.evaluate<Figure[]>(FIGURES);
  return Object.fromEntries(list.map((f) => [f.id, f]));
}

/** What every picture must be: on the page, big enough, its text inside it and legible. */
function readable(figures: Record<string, Figure>, ids: string[]): void {
  for (const id of ids) {
    const f = figures[id];
    assert(f, `${id} is on the page (${Object.keys(figures).join(", ")})`);
    assert(f.width >= 300 && f.height >= 150, `${id} is ${f.width} x ${f.height}`);
    assertEquals(f.overflow, [], `${id}: text outside the picture`);
    assert(f.smallest >= 11, `${id}: text of ${f.smallest}px`);
  }
}

testNeeding(CHROMIUM_MISSING, {
  name: "the pictures in report.html and the live view, in Chromium",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn(t) {
    using dir = tempDir();
    const files = experiments(dir.path);
    const root = `${dir.path}/results`;
    const dirs: Record<string, string> = {};
    for (const [k, file] of Object.entries(files)) {
      dirs[k] = (await runSweep({ file, out: root, workers: 2 })).dir;
    }
    const open = async (name: string, fn: (b: Browser) => Promise<void>) => {
      const report = await writeReport(await readSweep(dirs[name]));
      const browser = await Browser.open(`file://${report}`);
      try {
        // (A large page is parsed in parts: all of it, not its first picture.)
        await browser.waitFor(
          "document.readyState === 'complete' && document.querySelector('#picture-confusion svg')",
        );
        await fn(browser);
      } finally {
        await browser.close().catch(() => {});
      }
    };

    await t.step("a grid with repeats: the best trial, the change, the vote", async () => {
      await open("grid", async (browser) => {
        const figures = await figuresOf(browser);
        const ids = ["confusion", "misclassified", "weights", "confusion_change", "vote"]
          .map((n) => `picture-${n}`);
        readable(figures, ids);
        const img = await capture(browser, "report-grid");
        const confusion = figures["picture-confusion"];
        // Ten correct cells in green, errors in red.
        assert(countPixels(img, confusion, near([0xcf, 0xe8, 0xcf])) > 10 * 30 * 30, "diagonal");
        assert(countPixels(img, confusion, (r, g, b) => r > 150 && g < 120 && b < 120) > 500);
        // Digits in ink on white, and captions under them.
        for (const id of ["picture-misclassified", "picture-vote"]) {
          assert(countPixels(img, figures[id], ink) > 5000, `${id}: digits in ink`);
        }
        const captions = await browser.evaluate<string[]>(
          "[...document.querySelectorAll('#picture-misclassified text')].map((t) => t.textContent)",
        );
        assert(captions.filter((c) => /^\d → \d$/.test(c)).length >= 50, "true → predicted");
        const table = await browser.evaluate<string>(
          "document.querySelector('#settings').innerText",
        );
        assertMatch(table, /majority vote/);
        assertMatch(table, /\d+\.\d\d% \(mean \d+\.\d\d%\)/);
        const weights = await browser.evaluate<string>(
          "document.querySelector('#picture-weights').textContent",
        );
        assertMatch(weights, /Before training.*After training.*Change during training/);
      });
    });
    await t.step("a search: parallel coordinates and importance", async () => {
      await open("search", async (browser) => {
        const figures = await figuresOf(browser);
        for (const id of ["parallel_coordinates", "importance"]) {
          const f = figures[id];
          assert(f && f.width >= 400, `${id} is drawn`);
          assertEquals(f.overflow, [], `${id}: text outside the chart`);
          assert(f.smallest >= 11, `${id}: text of ${f.smallest}px`);
        }
        const text = await browser.evaluate<string>(
          "document.querySelector('#parallel_coordinates').textContent",
        );
        for (const axis of ["eta (log)", "miniBatchSize", "best validation accuracy (%)"]) {
          assert(text.includes(axis), `an axis for ${axis}`);
        }
        assertMatch(
          await browser.evaluate<string>("document.querySelector('#importance').textContent"),
          /eta.*miniBatchSize|miniBatchSize.*eta/,
        );
        await capture(browser, "report-search");
      });
    });
    await t.step("a convolution: its filters before and after", async () => {
      await open("conv", async (browser) => {
        const figures = await figuresOf(browser);
        readable(figures, ["picture-confusion", "picture-misclassified", "picture-weights"]);
        const text = await browser.evaluate<string>(
          "document.querySelector('#picture-weights').textContent",
        );
        assertMatch(text, /First-layer filters/);
        assertMatch(text, /8 of 8 5x5 filters/);
        await capture(browser, "report-conv");
      });
    });
    await t.step(
      "the live view shows a finished trial's pictures, and another on request",
      async () => {
        const server = serveResults(root, { pollMs: 100 });
        const browser = await Browser.open(`${server.url}#pictures-grid`);
        try {
          await browser.waitFor(
            "document.querySelector('#pictures figure#picture-weights svg')",
            60_000,
          );
          const options = await browser.evaluate<string[]>(
            "[...document.querySelectorAll('#trial-select option')].map((o) => o.textContent)",
          );
          assertEquals(options.length, 4);
          assertMatch(options[0], /^trial \d: eta=\S+ \(validation accuracy \d+\.\d\d%\)$/);
          readable(await figuresOf(browser), ["picture-confusion", "picture-misclassified"]);
          // The charts above the pictures come by their own request: once they are in, the
          // pictures stay where the screenshot finds them.
          await browser.waitFor("document.querySelector('#charts figure svg')");
          const img = await capture(browser, "live");
          const figures = await figuresOf(browser);
          assert(countPixels(img, figures["picture-misclassified"], ink) > 5000, "digits in ink");
          const last = await browser.evaluate<string>(
            "(() => { const s = document.querySelector('#trial-select'); s.value = s.options[3].value; s.dispatchEvent(new Event('change')); return s.value; })()",
          );
          await browser.waitFor(`document.querySelector('#pictures').dataset.trial === '${last}'`);
          const title = await browser.evaluate<string>(
            "document.querySelector('#picture-confusion').textContent",
          );
          const index = /^trial (\d)/.exec(options[3])![1];
          assertMatch(title, new RegExp(`Confusion matrix: trial ${index} `));
          const missing = await fetch(`${server.url}api/sweeps/pictures-grid/trials/0000/pictures`);
          assertEquals(missing.status, 404);
          await missing.body?.cancel();
        } finally {
          await browser.close().catch(() => {});
          await server.shutdown();
        }
      },
    );
  },
});

const ROOT = new URL("../", import.meta.url).pathname;

const { python, missing } = jupyterPython();

testNeeding(missing, {
  name: "a notebook shows a trial's pictures and the sweep's, as SVG",
  sanitizeResources: false,
  async fn() {
    using out = tempDir();
    const file = `${out.path}/nb.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({
        name: "nb",
        dataset: { split: "nielsen" },
        base: {
          sizes: [784, 10, 10],
          eta: 3,
          epochs: 1,
          trainSize: 500,
          monitor: ["testAccuracy"],
        },
        repeats: 2,
        seed: 4,
      }),
    );
    const result = await runSweep({ file, out: out.path, workers: 2 });
    // Beside the repository's root, so that `../mod.ts` resolves.
    const dir = Deno.makeTempDirSync({ dir: ROOT, prefix: ".pictures-notebook-" });
    try {
      const cell = (source: string) => ({
        cell_type: "code",
        metadata: {},
        execution_count: null,
        outputs: [],
        source,
      });
      const nb = {
        cells: [
          cell(
            `import { loadSweep } from "../mod.ts";\nconst view = await loadSweep(${
              JSON.stringify(result.dir)
            });\nview.table();`,
          ),
          cell("await view.trial();"),
          cell("(await view.vote({ eta: 3 })).picture;"),
          cell("await view.pictures();"),
        ],
        metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
        nbformat: 4,
        nbformat_minor: 5,
      };
      const path = `${dir}/pictures.ipynb`;
      Deno.writeTextFileSync(path, JSON.stringify(nb));
      Deno.mkdirSync(`${dir}/jupyter/kernels/deno`, { recursive: true });
      Deno.writeTextFileSync(
        `${dir}/jupyter/kernels/deno/kernel.json`,
        JSON.stringify({
          argv: [Deno.execPath(), "jupyter", "--kernel", "--conn", "{connection_file}"],
          display_name: "Deno",
          language: "typescript",
        }),
      );
      // tests/_run_notebook.py waits for each cell's late outputs (Deno's kernel sends some
      // after "idle", which nbconvert would drop).
      const run = await new Deno.Command(python!, {
        args: [`${ROOT}tests/_run_notebook.py`, "deno", path, "600"],
        env: {
          JUPYTER_PATH: `${dir}/jupyter`,
          JUPYTER_DATA_DIR: `${dir}/jupyter`,
          JUPYTER_RUNTIME_DIR: `${dir}/jupyter/runtime`,
          JUPYTER_CONFIG_DIR: `${dir}/jupyter/config`,
          IPYTHONDIR: `${dir}/jupyter/ipython`,
          NO_COLOR: "1",
        },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert(run.success, new TextDecoder().decode(run.stderr).slice(-3000));
      const done = JSON.parse(Deno.readTextFileSync(path));
      const code = done.cells.filter((c: { cell_type: string }) => c.cell_type === "code");
      const html = (i: number) =>
        code[i].outputs.map((o: { data?: Record<string, string | string[]> }) => {
          const v = o.data?.["text/html"];
          return Array.isArray(v) ? v.join("") : v ?? "";
        }).join("");
      assertMatch(html(0), /majority vote/);
      assertMatch(html(1), /Confusion matrix: trial \d/);
      assertMatch(html(1), /class="tile-grid"/);
      assertMatch(html(2), /The vote's misclassified test digits/);
      assertMatch(html(3), /Confusion matrix: the best trial/);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
