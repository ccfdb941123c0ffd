// The layering of src/, checked: every import of every file (type-only ones included) is read,
// and the test fails on a cycle between files, on an import of another folder's file other
// than its mod.ts, and on an import of a folder that comes later in the declared order.
import { dirname, join, relative, resolve } from "node:path";
import { assert, assertEquals } from "./_assert.ts";

/** The top folders of src/, lowest first: a folder may import only the folders before it. */
export const FOLDER_ORDER = [
  "core",
  "vocabulary",
  "coordination",
  "experiment",
  "store",
  "results",
  "live",
  "data",
  "model",
  "train",
  "sweep",
  "notebook",
  "bench",
  "cli",
] as const;

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const SRC = join(ROOT, "src");

/** Every .ts file under `dir`. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) out.push(...tsFiles(path));
    else if (e.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** The text of a file without its comments (doc examples import test helpers). */
function code(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === "`") {
      // Strings are kept whole (a URL with // in it is not a comment).
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 1;
    } else out += c;
  }
  return out;
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g;

/** The files (absolute paths) that `file` imports, relative specifiers only. */
export function importsOf(file: string): string[] {
  const text = code(Deno.readTextFileSync(file));
  const out: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith(".")) out.push(resolve(dirname(file), spec));
  }
  return out;
}

/** The top folder of src/ that `file` is in, or null for files outside src/. */
function folderOf(file: string): string | null {
  const rel = relative(SRC, file);
  if (rel.startsWith("..")) return null;
  const parts = rel.split("/");
  return parts.length > 1 ? parts[0] : null;
}

/** Every problem with the imports of src/: one line each. */
export function layeringProblems(): string[] {
  const problems: string[] = [];
  const files = tsFiles(SRC);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const from = folderOf(file);
    const deps: string[] = [];
    for (const target of importsOf(file)) {
      const rel = relative(ROOT, file);
      const to = folderOf(target);
      if (target.startsWith(SRC)) deps.push(target);
      if (!target.startsWith(SRC)) {
        problems.push(`${rel} imports ${relative(ROOT, target)}, outside src/`);
        continue;
      }
      if (from === null) {
        problems.push(`${rel} lies directly in src/: every file belongs to a folder`);
        continue;
      }
      if (to === null || to === from) continue;
      if (relative(join(SRC, to), target) !== "mod.ts") {
        problems.push(
          `${rel} imports ${relative(ROOT, target)}: another folder is imported by its mod.ts`,
        );
      }
      const order = FOLDER_ORDER as readonly string[];
      if (!order.includes(from) || !order.includes(to)) {
        problems.push(`${rel}: folder ${!order.includes(from) ? from : to} is not in FOLDER_ORDER`);
      } else if (order.indexOf(to) >= order.indexOf(from)) {
        problems.push(`${rel} imports ${to}/, which comes after ${from}/ in FOLDER_ORDER`);
      }
    }
    graph.set(file, deps);
  }
  for (const cycle of cycles(graph)) {
    problems.push(`import cycle: ${cycle.map((f) => relative(ROOT, f)).join(" -> ")}`);
  }
  return problems;
}

/** The cycles of a graph: one per strongly connected component of more than one file. */
function cycles(graph: Map<string, string[]>): string[][] {
  // Tarjan's algorithm, iteratively deep enough for any tree this size.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      for (let w = stack.pop()!;; w = stack.pop()!) {
        on.delete(w);
        scc.push(w);
        if (w === v) break;
      }
      const self = (graph.get(v) ?? []).includes(v);
      if (scc.length > 1 || self) out.push(scc.reverse());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

Deno.test("src/ is layered: no file cycles, folders imported by their mod.ts, in order", () => {
  const problems = layeringProblems();
  assertEquals(problems, [], `\n${problems.join("\n")}`);
});

Deno.test("every top folder of src/ has a mod.ts, and FOLDER_ORDER names each once", () => {
  const folders = [...Deno.readDirSync(SRC)].filter((e) => e.isDirectory).map((e) => e.name)
    .sort();
  assertEquals([...FOLDER_ORDER].sort(), folders);
  for (const f of folders) {
    assert(Deno.statSync(join(SRC, f, "mod.ts")).isFile, `src/${f}/mod.ts`);
  }
});

Deno.test("the layering check finds what it must (a cycle, a deep import, a reversed one)", () => {
  // The checker itself against a small tree written for it.
  const dir = Deno.makeTempDirSync({ prefix: "netsweep-layers-" });
  try {
    Deno.writeTextFileSync(
      join(dir, "a.ts"),
      '// import { x } from "./c.ts";\nimport type { B } from "./b.ts";\nexport const a = 1;\n',
    );
    Deno.writeTextFileSync(join(dir, "b.ts"), 'import { a } from "./a.ts";\nexport type B = 1;\n');
    const deps = importsOf(join(dir, "a.ts"));
    assertEquals(deps, [join(dir, "b.ts")], "a comment's import is not an import");
    const found = cycles(
      new Map([[join(dir, "a.ts"), deps], [join(dir, "b.ts"), importsOf(join(dir, "b.ts"))]]),
    );
    assertEquals(found.length, 1, "type-only imports make cycles too");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
