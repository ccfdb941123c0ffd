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

/** Runs `main`, printing `error: <message>` and exiting non-zero if it throws. */
export async function runMain(main: () => Promise<number | void> | number | void): Promise<void> {
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
    console.error(`error: ${message.split("\n")[0]}`);
    if (Deno.env.get("NETSWEEP_DEBUG") && err instanceof Error) console.error(err.stack);
    Deno.exit(EXIT_FAILURE);
  }
}
