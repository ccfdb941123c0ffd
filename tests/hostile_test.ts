// What a hostile or careless user tried (issue 16's smaller cases): each answered with one
// readable line and a non-zero exit code, or handled as it should be, never a stack trace.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { serveResults } from "../src/live/server.ts";
import { workerCount } from "../src/sweep/runner.ts";

function sweep(args: string[], stdin?: string) {
  const r = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      "src/cli/sweep.ts",
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: stdin === undefined ? "null" : "piped",
    env: { NO_COLOR: "1" },
  }).outputSync();
  return { code: r.code, err: new TextDecoder().decode(r.stderr) };
}

/** One line, starting `error:`, no stack trace. */
function oneLine(err: string): string {
  const lines = err.trim().split("\n").filter((l) => l.startsWith("error:"));
  assertEquals(lines.length, 1, err);
  assert(!/\n\s+at /.test(err), `no stack trace: ${err}`);
  assert(lines[0].length < 400, `a readable line: ${lines[0].length} characters`);
  return lines[0];
}

Deno.test("a key given twice in an experiment file is named, not silently the last", () => {
  using dir = tempDir();
  const file = `${dir.path}/dup.json`;
  Deno.writeTextFileSync(file, '{"name": "d", "base": {"eta": 1, "miniBatchSize": 3, "eta": 3}}');
  const r = sweep([file, "--plan"]);
  assertEquals(r.code, 1);
  assertMatch(oneLine(r.err), /dup\.json: \$\.base: 'eta' is given twice/);
});

Deno.test("200,000 nested lists in an experiment file: one short line", () => {
  using dir = tempDir();
  for (
    const [where, json] of [
      ["base.sizes", `{"name":"d","base":{"sizes":${"[".repeat(200000)}${"]".repeat(200000)}}}`],
      ["description", `{"name":"d","description":${"[".repeat(200000)}${"]".repeat(200000)}}`],
    ]
  ) {
    const file = `${dir.path}/deep.json`;
    Deno.writeTextFileSync(file, json);
    const r = sweep([file, "--plan"]);
    assertEquals(r.code, 1, where);
    assertMatch(
      oneLine(r.err),
      new RegExp(`deep\\.json: \\$\\.${where.replace(".", "\\.")}: must be`),
    );
  }
});

Deno.test("a 4-key grid of 10^8 trials is refused before it is enumerated", () => {
  using dir = tempDir();
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  const file = `${dir.path}/big.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "big",
      grid: { eta: hundred, lmbda: hundred, l1: hundred, weightDecay: hundred },
    }),
  );
  const start = performance.now();
  const r = sweep([file, "--plan"]);
  assert(performance.now() - start < 20_000, "answered in seconds");
  assertEquals(r.code, 1);
  assertMatch(
    oneLine(r.err),
    /crosses to 100,000,000 trials \(eta: 100 x lmbda: 100 x l1: 100 x weightDecay: 100\), more than the 100,000/,
  );
});

Deno.test("--out '' is refused: it would write into the current folder", () => {
  const r = sweep([`${TESTDATA}experiments/tiny.json`, "--out", ""]);
  assertEquals(r.code, 2);
  assertMatch(r.err, /error: --out is empty/);
});

Deno.test("workers are capped by the cores and twice the trials, and the sweep says so", () => {
  const cores = navigator.hardwareConcurrency;
  assertEquals(workerCount(48, 100).workers, cores);
  assertMatch(
    workerCount(48, 100).note!,
    new RegExp(`${cores} workers?, not 48: this machine has ${cores} cores`),
  );
  // One trial takes two workers: the second joins it (tests/team_test.ts).
  assertEquals(workerCount(2, 1), { workers: Math.min(2, cores) });
  assertEquals(workerCount(undefined, 0), { workers: 1 });
  assertEquals(workerCount(8, 3, 16).workers, 6);
  assertMatch(
    workerCount(3, 1, 8).note!,
    /2 workers, not 3: the sweep has 1 trial to run, two workers at most each/,
  );
});

Deno.test("the live server answers a malformed request with 400, not a crash", async () => {
  using dir = tempDir();
  const server = serveResults(dir.path, { port: 0 });
  try {
    const url = new URL(server.url);
    const raw = async (path: string, host: string) => {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(url.port) });
      await conn.write(
        new TextEncoder().encode(
          `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
        ),
      );
      const chunks: Uint8Array[] = [];
      const buf = new Uint8Array(4096);
      for (let n; (n = await conn.read(buf)) !== null;) chunks.push(buf.slice(0, n));
      conn.close();
      return new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    };
    assertMatch(await raw("/api/sweeps/%E0%A4%A", url.host), /^HTTP\/1\.1 400/);
    assertMatch(await raw("/", "127.0.0.1:99999"), /^HTTP\/1\.1 (400|403)/);
    assertMatch(await raw("/", url.host), /^HTTP\/1\.1 200/);
  } finally {
    await server.shutdown();
  }
});
