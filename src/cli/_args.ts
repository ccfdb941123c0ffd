// The one module that imports an argument parser, so a later switch to @std/cli is a one-file
// change. It also makes `--shard -1/2` mean `--shard=-1/2` (node's parser calls that
// ambiguous) and turns the parser's errors into usage errors.
import { parseArgs as nodeParseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "./_main.ts";

/** Parses `args` for a command whose usage line is `usage`. */
export function parseArgs<const O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  usage: string,
) {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith("--") ? a.slice(2) : null;
    if (name && !name.includes("=") && options[name]?.type === "string" && i + 1 < args.length) {
      joined.push(`--${name}=${args[++i]}`);
    } else joined.push(a);
  }
  try {
    return nodeParseArgs({
      args: joined,
      options,
      allowPositionals: true as const,
      strict: true as const,
    });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/, ""), usage);
  }
}
