import { assertEquals } from "./_assert.ts";
import { TESTDATA } from "./_testdata.ts";
import * as api from "../mod.ts";

// A change to the public API shows up here first: update testdata/api.json on purpose, and say
// so in the change's notes.
Deno.test("mod.ts exports the public API of the snapshot", () => {
  const got = Object.fromEntries(
    Object.keys(api).sort().map((name) => [name, typeof api[name as keyof typeof api]]),
  );
  const want = JSON.parse(Deno.readTextFileSync(`${TESTDATA}api.json`));
  assertEquals(got, want);
});
