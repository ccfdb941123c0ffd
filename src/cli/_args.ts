// The one module that imports an argument parser, so a later switch to @std/cli is a
// one-file change.
export { parseArgs } from "node:util";
