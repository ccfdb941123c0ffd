// The live view for real: a sweep running in another process, the server watching its folder,
// and headless Chromium (DevTools protocol) showing each new epoch without a reload; a corrupt
// record and a half-written one as readable notes; paths outside the folder refused. The sweep
// is paused (SIGSTOP) at each epoch the test checks, so that what the page must show is fixed
// while the test waits for it, however slow the machine: nothing here depends on timing.
import { assert, assertEquals } from "./_assert.ts";
import { freeze } from "./_process.ts";
import { tempDir } from "./_testdata.ts";
import { Browser, CHROMIUM_MISSING, endGroupAndRemove, groupRunning } from "./_cdp.ts";
import { testNeeding } from "./_tools.ts";
import { delay, until } from "./_wait.ts";
import { serveResults } from "../src/live/server.ts";
import { readSweep } from "../src/results/read.ts";

// More epochs than the test can see pass: the sweep is killed once the page is checked. (With
// ten, a slow browser start on a loaded machine let the sweep end before five were seen.)
const EPOCHS = 100_000;

function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function experimentFile(dir: string): string {
  const path = `${dir}/live.json`;
  Deno.writeTextFileSync(
    path,
    JSON.stringify({
      name: "live",
      dataset: { split: "nielsen" },
      base: {
        sizes: [784, 30, 10],
        epochs: EPOCHS,
        miniBatchSize: 10,
        monitor: ["testAccuracy"],
      },
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
  try {
    await conn.write(
      new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    // Until the status line is complete (a read may return part of it).
    let head = "";
    const buf = new Uint8Array(256);
    while (!head.includes("\r\n")) {
      const n = await conn.read(buf);
      if (n === null) break;
      head += new TextDecoder().decode(buf.subarray(0, n));
    }
    return Number(/HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
  } finally {
    conn.close();
  }
}

testNeeding(CHROMIUM_MISSING, {
  name: "the live page shows each new epoch of a sweep run elsewhere, without a reload",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    using dir = tempDir();
    const root = `${dir.path}/results`;
    Deno.mkdirSync(root);
    const server = serveResults(root, { pollMs: 100 });
    let browser: Browser | null = null;
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
      stderr: "piped",
    }).spawn();
    let sweepEnded = false;
    const sweepStatus = sweep.status.then((s) => (sweepEnded = true, s));
    const sweepErr = new Response(sweep.stderr).text();
    try {
      browser = await Browser.open(server.url);
      // The page was opened before the sweep existed: the sweep appears by itself.
      await browser.waitFor("document.querySelector('#state.live')");
      const origin = await browser.evaluate<number>("performance.timeOrigin");
      await browser.waitFor("document.querySelector('#list a[data-key=\"live\"]')", 120_000);

      const sweepDir = `${root}/live`;
      const trials = `${sweepDir}/trials`;
      const latencies: number[] = [];
      let seen = 0;
      let runningChecked = false;
      while (latencies.length < 5 || !runningChecked) {
        // An epoch written to a record...
        const wrote = await until(() => sweepEnded || epochsOnDisk(trials) > seen, 300_000, 5);
        assert(wrote && epochsOnDisk(trials) > seen, `the sweep wrote no new epoch after ${seen}`);
        const writtenAt = Date.now();
        await freeze(sweep.pid);
        try {
          const onDisk = epochsOnDisk(trials);
          // ...appears in the page: its epoch count, from the update the page received.
          const at = await browser.waitFor<number>(
            `window.netsweepUpdates.find((u) => u.epochs === ${onDisk})?.at`,
          );
          latencies.push(Math.max(0, at - writtenAt));
          seen = onDisk;
          // The running trial is marked with its epochs (one worker: at most one runs).
          const running = (await readSweep(sweepDir)).trials.find((t) => t.status === "running");
          if (running) {
            const row = await browser.waitFor<string>(
              `document.querySelector('#running tr[data-trial="${running.id}"][data-epochs="${running.epochs.length}"]')?.textContent`,
            );
            assert(row.includes(`${running.epochs.length} / ${EPOCHS}`), row);
            runningChecked = true;
          }
        } finally {
          Deno.kill(sweep.pid, "SIGCONT");
        }
      }
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

      // A corrupt record and a half-written one: notes on the page, the server goes on. (The
      // sweep is stopped first: nothing else writes into the folder.)
      sweep.kill("SIGKILL");
      await sweepStatus;
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
    } catch (err) {
      if (sweepEnded) {
        const status = await sweepStatus;
        if (!status.success) {
          throw new Error(`${(err as Error).message}\nthe sweep failed:\n${await sweepErr}`);
        }
      }
      throw err;
    } finally {
      try {
        sweep.kill("SIGKILL");
      } catch { /* finished */ }
      await sweepStatus;
      await sweepErr.catch(() => "");
      await browser?.close();
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
    // Until the server has read the folder (a deadline for a server that never does). Found
    // but not yet read, the sweep says `reading`, not an error: the note waited for is the one
    // that names the folder.
    let body: { sweeps: { key: string; error?: string }[] } = { sweeps: [] };
    const deadline = Date.now() + 60_000;
    while (!/broken/.test(body.sweeps[0]?.error ?? "") && Date.now() < deadline) {
      await delay(20);
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

// What made the browser test fail at random: Chromium's helper processes outlive the browser
// process for a moment and write into its profile, so removing the profile as soon as the
// browser had exited failed with "Directory not empty". Here a helper that never stops writing,
// left behind by a process that has exited, as the worst case.
Deno.test("a browser's profile is removed only once no helper process can write into it", async () => {
  using dir = tempDir();
  const profile = `${dir.path}/profile`;
  Deno.mkdirSync(profile);
  const child = new Deno.Command("sh", {
    args: ["-c", `(i=0; while :; do i=$((i+1)); : > "${profile}/f$i"; done) & exit 0`],
    detached: true,
    stdout: "null",
    stderr: "null",
  }).spawn();
  assert((await child.status).success);
  assert(
    await until(() => [...Deno.readDirSync(profile)].length > 0, 60_000, 5),
    "the helper writes",
  );
  assert(groupRunning(child.pid), "the helper outlived the process that started it");
  await endGroupAndRemove(child, profile);
  assert(!groupRunning(child.pid), "no process of the group runs");
  assert(!existsSync(profile), `${profile} removed`);
});
