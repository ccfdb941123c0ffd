// The package imported by path from anywhere: a notebook or script in another folder has no
// import map, so src/ names its npm packages in full (the versions agree with deno.json's, which
// the tests use), and a script in an empty folder can import mod.ts, load data and train.
import { join, resolve } from "node:path";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";

const ROOT = resolve(new URL("..", import.meta.url).pathname);

/** Every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...tsFiles(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out;
}

Deno.test("src/ imports npm packages by full specifier, at deno.json's versions", () => {
  const imports: Record<string, string> = JSON.parse(
    Deno.readTextFileSync(join(ROOT, "deno.json")),
  ).imports;
  const problems: string[] = [];
  let npm = 0;
  for (const file of tsFiles(join(ROOT, "src"))) {
    const text = Deno.readTextFileSync(file);
    for (const m of text.matchAll(/^\s*(?:import|export)[^"']*?from\s+["']([^"']+)["']/gm)) {
      const spec = m[1];
      if (spec.startsWith(".") || spec.startsWith("node:")) continue;
      const where = `${file.slice(ROOT.length + 1)}: '${spec}'`;
      const full = /^npm:((?:@[^/@]+\/)?[^/@]+)@([^/]+)(\/.*)?$/.exec(spec);
      if (!full) {
        problems.push(`${where} is a bare specifier (not resolvable from outside the repo)`);
        continue;
      }
      npm++;
      const mapped = imports[full[1]];
      if (mapped !== `npm:${full[1]}@${full[2]}`) {
        problems.push(`${where} differs from deno.json's '${mapped}'`);
      }
    }
  }
  assertEquals(problems, []);
  assert(npm >= 5, `only ${npm} npm imports found: is the pattern still right?`);
});

Deno.test("a script in an empty folder imports mod.ts by path and trains", async () => {
  using dir = tempDir();
  const script = join(dir.path, "outside.ts");
  Deno.writeTextFileSync(
    script,
    `import { loadDataset, Network, Rng, sweep, train } from ${
      JSON.stringify(join(ROOT, "mod.ts"))
    };
const data = loadDataset({ path: ${JSON.stringify(`${TESTDATA}mnist.pkl.gz`)} });
const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "default");
const r = train(net, data, { eta: 3, miniBatchSize: 10, epochs: 1, seed: 1 });
console.log("epochs", r.epochs.length, "accuracy", r.epochs[0].testAccuracy);
try {
  await sweep(${
      JSON.stringify(`${TESTDATA}experiments/tiny.json`)
    }, { etta: 3 }, { out: ".", progress: false });
} catch (err) {
  console.log((err as Error).message);
}
`,
  );
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-config", "-A", "--quiet", script],
    cwd: dir.path,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertMatch(stdout, /^epochs 1 accuracy 0\.\d+$/m);
  assertMatch(stdout, /^sweep\(\) overrides: unknown key 'etta' \(did you mean 'eta'\?\)$/m);
});
