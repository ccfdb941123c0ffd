// The live view for real: a sweep running in another process, the server watching its folder,
// and headless Chromium (DevTools protocol) showing each new epoch without a reload; a corrupt
// record and a half-written one as readable notes; paths outside the folder refused.
import { assert, assertEquals } from "./_assert.ts";
import { tempDir } from "./_testdata.ts";
import { Browser, CHROMIUM } from "./_cdp.ts";
import { serveResults } from "../src/live/server.ts";

function experimentFile(dir: string): string {
  const path = `${dir}/live.json`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      name: "live",
      dataset: { split: "nielsen" },
      base: { sizes: [784, 30, 10], epochs: 8, miniBatchSize: 10, monitor: ["testAccuracy"] },
      grid: { eta: [0.5, 3.0] },
      seed: 2,
    }),
  );
  return path;
}

/** Epoch lines in the folder's trial records. */
function epochsOnDisk(trials: string): number {
  let n = 0;
  try {
    for (const e of Deno.readDirSync(trials)) {
      if (!e.name.endsWith(".jsonl")) continue;
      for (const line of Deno.readTextFileSync(`${trials}/${e.name}`).split("\n")) {
        if (line.startsWith('{"epoch"')) n++;
      }
    }
  } catch { /* not yet */ }
  return n;
}

/** Sends a raw request line (no URL normalisation, as a hostile client would). */
async function rawGet(port: number, path: string, host = `127.0.0.1:${port}`): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
  );
  const buf = new Uint8Array(256);
  const n = await conn.read(buf);
  conn.close();
  return Number(/HTTP\/1\.1 (\d+)/.exec(new TextDecoder().decode(buf.subarray(0, n ?? 0)))?.[1]);
}

Deno.test({
  name: "the live page shows each new epoch of a sweep run elsewhere, without a reload",
  ignore: !CHROMIUM,
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    using dir = tempDir();
    const root = `${dir.path}/results`;
    Deno.mkdirSync(root);
    const server = serveResults(root, { pollMs: 100 });
    const browser = await Browser.open(server.url);
    const sweep = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "src/cli/sweep.ts",
        experimentFile(dir.path),
        "--out",
        root,
        "--workers",
        "1",
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      // The page was opened before the sweep existed: the sweep appears by itself.
      await browser.waitFor("document.querySelector('#state.live')");
      const origin = await browser.evaluate<number>("performance.timeOrigin");

      await browser.waitFor("document.querySelector('#list a[data-key=\"live\"]')", 60_000);
      const trials = `${root}/live/trials`;
      const latencies: number[] = [];
      let seen = 0;
      while (latencies.length < 5) {
        // An epoch written to a record...
        const deadline = Date.now() + 60_000;
        let onDisk = epochsOnDisk(trials);
        while (onDisk <= seen && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 5));
          onDisk = epochsOnDisk(trials);
        }
        const writtenAt = Date.now();
        assert(onDisk > seen, "the sweep wrote no new epoch");
        // ...appears in the page: its epoch count, from the update the page received.
        const at = await browser.waitFor<number>(
          `window.netsweepUpdates.find((u) => u.epochs >= ${onDisk})?.at`,
          30_000,
        );
        latencies.push(Math.max(0, at - writtenAt));
        seen = onDisk;
      }
      // Running trials are marked with their epochs and an ETA.
      const running = await browser.waitFor<string>(
        "[...document.querySelectorAll('#running tr[data-trial]')].map((r) => r.dataset.epochs + ' ' + r.textContent).join('|')",
      );
      assert(/\d+ \/ 8/.test(running), running);
      assertEquals(await browser.evaluate<number>("performance.timeOrigin"), origin, "no reload");
      // The settings table and the curves are there too.
      await browser.waitFor(
        "document.querySelector('#table table#settings') && document.querySelector('#charts svg')",
      );
      latencies.sort((a, b) => a - b);
      console.log(
        `update latency after an epoch is written: median ${latencies[2]} ms (${
          latencies.join(", ")
        })`,
      );

      // A corrupt record and a half-written one: notes on the page, the server goes on.
      await sweep.status;
      Deno.writeTextFileSync(`${trials}/notes.jsonl`, "not a record at all\n");
      const first = [...Deno.readDirSync(trials)].find((e) =>
        e.name.endsWith(".jsonl") && e.name !== "notes.jsonl"
      )!;
      Deno.writeTextFileSync(`${trials}/${first.name}`, '{"epoch": 8, "trainSe', { append: true });
      const notes = await browser.waitFor<string>(
        "[...document.querySelectorAll('#notes .note')].map((n) => n.textContent).join('\\n').includes('notes.jsonl') && [...document.querySelectorAll('#notes .note')].map((n) => n.textContent).join('\\n')",
      );
      assert(/notes\.jsonl: not a trial record/.test(notes), notes);
      assert(
        await browser.evaluate<boolean>("document.querySelector('#table table#settings') !== null"),
      );

      // Nothing outside the folder: traversal in the path or the key, other hosts, other methods.
      const port = Number(new URL(server.url).port);
      assertEquals(await rawGet(port, "/../../../../etc/passwd"), 404);
      assertEquals(await rawGet(port, "/api/sweeps/..%2F..%2F..%2Fetc"), 404);
      assertEquals(await rawGet(port, "/api/sweeps/%2Fetc"), 404);
      assertEquals(await rawGet(port, "/", "evil.example:80"), 403);
      assertEquals(
        await fetch(`${server.url}api/sweeps/live`, { method: "POST" }).then(async (
          r,
        ) => (await r.body?.cancel(), r.status)),
        405,
      );
      const list = await (await fetch(`${server.url}api/sweeps`)).json();
      assertEquals(list.sweeps.map((s: { key: string }) => s.key), ["live"]);
    } finally {
      try {
        sweep.kill("SIGKILL");
      } catch { /* finished */ }
      await sweep.status;
      await browser.close();
      await server.shutdown();
    }
  },
});

Deno.test("an unreadable results folder is a note, not a crash", async () => {
  using dir = tempDir();
  const root = `${dir.path}/results`;
  Deno.mkdirSync(`${root}/broken/experiments`, { recursive: true });
  Deno.writeTextFileSync(`${root}/broken/experiments/x.json`, "{ half");
  const server = serveResults(root, { pollMs: 50 });
  try {
    let body: { sweeps: { key: string; error?: string }[] } = { sweeps: [] };
    for (let i = 0; i < 100 && !body.sweeps[0]?.error; i++) {
      await new Promise((r) => setTimeout(r, 50));
      body = await (await fetch(`${server.url}api/sweeps`)).json();
    }
    assertEquals(body.sweeps.map((s) => s.key), ["broken"]);
    assert(/broken/.test(body.sweeps[0].error ?? ""), JSON.stringify(body));
    const page = await fetch(server.url);
    assertEquals(page.status, 200);
    assert((await page.text()).includes('<script src="/app.js">'));
    const script = await fetch(`${server.url}app.js`);
    assert(
      (await script.text()).includes("EventSource"),
      "the script is served, not fetched from a CDN",
    );
  } finally {
    await server.shutdown();
  }
});
