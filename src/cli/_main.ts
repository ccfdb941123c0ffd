// Runs a command-line entry point: any error becomes one readable line on stderr (and, for a
// wrong command line, the usage) and a non-zero exit code, never a bare stack trace.
import { NetsweepError } from "../core/mod.ts";

/** Columns of the terminal standard output is on; 120 when it is not a terminal. */
export function terminalWidth(): number {
  return Deno.stdout.isTerminal() ? Deno.consoleSize().columns : 120;
}

/** Exit code for bad input or a failed run. */
export const EXIT_FAILURE = 1;
/** Exit code for a wrong command line. */
export const EXIT_USAGE = 2;

/** A wrong command line: its problem, then the usage. */
export class UsageError extends Error {
  constructor(problem: string, readonly usage: string) {
    super(problem);
  }
}

// Deno's words for a refused permission: `Requires write access to "x", run again with the
// --allow-write flag`. netsweep's tasks grant what they need; the advice would grant more.
// (\x22 is `"`, spelt so that the architecture test's comment stripper reads no string here.)
const REFUSED =
  /Requires (\w+) access to \x22([^\x22]*)\x22(?:, run again with the --allow-[\w-]+ flag)?/;

const ACCESS: Record<string, string> = {
  read: "reading it is not permitted to this command",
  write: "writing it is not permitted to this command",
  net: "the network is not permitted to this command",
  env: "reading that environment variable is not permitted to this command",
  sys: "that system information is not permitted to this command",
  run: "running that program is not permitted to this command",
};

/**
 * `message` with Deno's permission refusal in netsweep's words: what was refused and where,
 * never advice to grant every permission. Paths under /dev, /proc and /sys need every
 * permission in Deno, which no netsweep task asks for.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { withoutPermissionAdvice } from "./_main.ts";
 * assertEquals(
 *   withoutPermissionAdvice('x.json: cannot read (Requires all access to "/dev/stdin", run again with the --allow-all flag)'),
 *   "x.json: cannot read (refused: /dev/stdin is a device or system path, which netsweep does not use; give a regular file or folder)",
 * );
 * ```
 */
export function withoutPermissionAdvice(message: string): string {
  const m = REFUSED.exec(message);
  if (!m) return message;
  const [whole, kind, what] = m;
  const why = kind === "all"
    ? `${what} is a device or system path, which netsweep does not use; give a regular file or folder`
    : `${what}: ${ACCESS[kind] ?? `${kind} access is not permitted to this command`}`;
  // A bare refusal (no file named before it) becomes `path: why`.
  return message.trim() === whole
    ? (kind === "all" ? `${what}: refused: ${why}` : `refused: ${why}`)
    : message.replace(whole, `refused: ${why}`);
}

/**
 * Runs `main`, printing `error: <message>` and exiting non-zero if it throws: 2 for a wrong
 * command line (a {@linkcode UsageError}, or a NetsweepError about an option such as `--set`,
 * followed by `usage` when given), 1 for anything else.
 */
export async function runMain(
  main: () => Promise<number | void> | number | void,
  usage?: string,
): Promise<void> {
  try {
    const code = await main();
    if (typeof code === "number" && code !== 0) Deno.exit(code);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`error: ${err.message}\n${err.usage}`);
      Deno.exit(EXIT_USAGE);
    }
    const message = err instanceof NetsweepError || err instanceof Error
      ? err.message
      : String(err);
    console.error(`error: ${withoutPermissionAdvice(message.split("\n")[0])}`);
    if (Deno.env.get("NETSWEEP_DEBUG") && err instanceof Error) console.error(err.stack);
    if (err instanceof NetsweepError && err.source.startsWith("--")) {
      if (usage) console.error(usage);
      Deno.exit(EXIT_USAGE);
    }
    Deno.exit(EXIT_FAILURE);
  }
}
