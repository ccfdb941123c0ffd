// The one module tests import assertions from, so a later switch to @std/assert is a
// one-file change.
export {
  deepEqual as assertEquals,
  equal as assertStrictEquals,
  match as assertMatch,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
