// The CI rule of tests/_tools.ts, through `deno test` itself: a test whose program is missing
// is skipped with a message outside CI and fails, saying what is missing, in CI (CI=true).
import { assert, assertEquals } from "./_assert.ts";
import { tempDir } from "./_testdata.ts";
import { which } from "./_tools.ts";

const TOOLS = new URL("./_tools.ts", import.meta.url).href;

/** Runs `deno test` on a file that registers a test needing a missing program. */
async function runNeeding(ci: string | undefined): Promise<{ code: number; out: string }> {
  using dir = tempDir();
  const file = `${dir.path}/needs_test.ts`;
  Deno.writeTextFileSync(
    file,
    `import { testNeeding } from ${JSON.stringify(TOOLS)};
testNeeding("no frobnicator (apt-get install frobnicator)", {
  name: "needs the frobnicator",
  fn() {},
});
testNeeding(null, { name: "needs nothing missing", fn() {} });
`,
  );
  // An empty CI is outside CI, whatever this process's is.
  const env = { NO_COLOR: "1", CI: ci ?? "" };
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--no-check", "--allow-env", file],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, out: dec.decode(out.stdout) + dec.decode(out.stderr) };
}

Deno.test("outside CI, a test whose program is missing is skipped with a message", async () => {
  for (const ci of [undefined, "false"]) {
    const { code, out } = await runNeeding(ci);
    assertEquals(code, 0, out);
    assert(out.includes('skipped "needs the frobnicator": no frobnicator'), out);
    assert(/needs the frobnicator \.\.\. ignored/.test(out), out);
    assert(/needs nothing missing \.\.\. ok/.test(out), out);
  }
});

Deno.test("in CI, a test whose program is missing fails and says what is missing", async () => {
  const { code, out } = await runNeeding("true");
  assertEquals(code, 1, out);
  assert(/needs the frobnicator \.\.\. FAILED/.test(out), out);
  assert(out.includes("no frobnicator (apt-get install frobnicator)"), out);
  assert(/needs nothing missing \.\.\. ok/.test(out), out);
});

Deno.test("which finds commands on the PATH, and only executable files", () => {
  using dir = tempDir();
  Deno.writeTextFileSync(`${dir.path}/tool`, "#!/bin/sh\n", { mode: 0o755 });
  Deno.writeTextFileSync(`${dir.path}/data`, "", { mode: 0o644 });
  const path = Deno.env.get("PATH");
  try {
    Deno.env.set("PATH", `/nonexistent:${dir.path}`);
    assertEquals(which("tool"), `${dir.path}/tool`);
    assertEquals(which("data"), null);
    assertEquals(which("absent"), null);
  } finally {
    if (path === undefined) Deno.env.delete("PATH");
    else Deno.env.set("PATH", path);
  }
});
