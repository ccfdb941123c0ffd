// A change to the public API shows up here first: every symbol mod.ts exports, with its
// signature as `deno doc --json` describes it (functions' parameters and return types,
// classes' public members, interfaces' properties, type aliases). Update the snapshot on
// purpose (`NETSWEEP_UPDATE_API=1 deno test -A tests/api_test.ts`) and say so in the change's notes.
import { assertEquals } from "./_assert.ts";
import { TESTDATA } from "./_testdata.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function type(t: Json): string {
  if (!t) return "unknown";
  switch (t.kind) {
    case "keyword":
      return t.value;
    case "literal":
      return t.value.kind === "string"
        ? JSON.stringify(t.value.string)
        : String(t.value.number ?? t.value.boolean ?? t.repr);
    case "typeRef": {
      const args = t.value.typeParams?.length ? `<${t.value.typeParams.map(type).join(", ")}>` : "";
      return `${t.value.typeName}${args}`;
    }
    case "union":
      return t.value.map(type).join(" | ");
    case "intersection":
      return t.value.map(type).join(" & ");
    case "array":
      return `${type(t.value)}[]`;
    case "tuple":
      return `[${t.value.map(type).join(", ")}]`;
    case "typeOperator":
      return `${t.value.operator} ${type(t.value.tsType)}`;
    case "parenthesized":
      return `(${type(t.value)})`;
    case "fnOrConstructor":
      return `(${params(t.value.params)}) => ${type(t.value.tsType)}`;
    case "typeLiteral":
      return `{ ${members(t.value).join("; ")} }`;
    case "indexedAccess":
      return `${type(t.value.objType)}[${type(t.value.indexType)}]`;
    case "typeQuery":
      return `typeof ${typeof t.value === "string" ? t.value : t.repr}`;
    default:
      return t.repr || t.kind;
  }
}

function params(ps: Json[]): string {
  return (ps ?? []).map((p: Json) => {
    if (p.kind === "assign") {
      return `${p.left?.name ?? "{...}"}?: ${type(p.left?.tsType ?? p.tsType)}`;
    }
    const name = p.kind === "rest"
      ? `...${p.arg?.name ?? "args"}`
      : p.name ?? (p.kind === "object" ? "{...}" : "?");
    return `${name}${p.optional ? "?" : ""}: ${type(p.tsType)}`;
  }).join(", ");
}

function members(v: Json): string[] {
  const props = (v.properties ?? []).map((p: Json) =>
    `${p.readonly ? "readonly " : ""}${p.name}${p.optional ? "?" : ""}: ${type(p.tsType)}`
  );
  const methods = (v.methods ?? []).map((m: Json) =>
    `${m.name}(${params(m.params)}): ${type(m.returnType)}`
  );
  const index = (v.indexSignatures ?? []).map((i: Json) =>
    `[${params(i.params)}]: ${type(i.tsType)}`
  );
  return [...props, ...methods, ...index];
}

function signature(s: Json): string {
  const d = s.declarations[0];
  const def = d.def;
  switch (d.kind) {
    case "function":
      return `function(${params(def.params)}): ${type(def.returnType)}`;
    case "class": {
      const ctor = (def.constructors ?? []).map((c: Json) => `constructor(${params(c.params)})`);
      const props = (def.properties ?? []).filter((p: Json) => p.accessibility !== "private")
        .map((p: Json) =>
          `${p.isStatic ? "static " : ""}${p.readonly ? "readonly " : ""}${p.name}: ${
            type(p.tsType)
          }`
        );
      const methods = (def.methods ?? []).filter((m: Json) => m.accessibility !== "private")
        .map((m: Json) =>
          `${m.isStatic ? "static " : ""}${m.kind === "getter" ? "get " : ""}${m.name}(${
            params(m.functionDef.params)
          }): ${type(m.functionDef.returnType)}`
        );
      return `class { ${[...ctor, ...props, ...methods].join("; ")} }`;
    }
    case "interface":
      return `interface { ${members(def).join("; ")} }`;
    case "typeAlias":
      return `type = ${type(def.tsType)}`;
    case "variable":
      return `${def.kind} ${type(def.tsType)}`;
    default:
      return d.kind;
  }
}

Deno.test("mod.ts exports the public API of the snapshot, signatures included", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", "mod.ts"],
    stdout: "piped",
  }).output();
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  const symbols: Json[] =
    Object.values(doc.nodes as Record<string, { symbols: Json[] }>)[0].symbols;
  const got = Object.fromEntries(
    symbols.map((s) => [s.name, signature(s)]).sort(([a], [b]) => a.localeCompare(b)),
  );
  const path = `${TESTDATA}api.json`;
  if (Deno.env.get("NETSWEEP_UPDATE_API")) {
    Deno.writeTextFileSync(path, JSON.stringify(got, null, 2) + "\n");
  }
  assertEquals(got, JSON.parse(Deno.readTextFileSync(path)));
});
