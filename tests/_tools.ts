// Tests that need a program from outside Deno (Chromium, Jupyter, SLURM). Where the program is
// missing they are skipped with a message, except in CI (`CI=true`, which .ci/run sets): CI
// installs every one of them, so there a missing program fails the test and says what is
// missing, and a broken install cannot pass as a green run that tested nothing.

/** True in CI (`CI=true`), where every program a test needs must be there. */
export function inCI(): boolean {
  return Deno.env.get("CI") === "true";
}

/** The path of command `name` on the PATH, or null. */
export function which(name: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const path = `${dir}/${name}`;
    try {
      const info = Deno.statSync(path);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return path;
    } catch { /* not here */ }
  }
  return null;
}

/** True when `cmd args...` runs and exits with 0. */
export function succeeds(cmd: string, args: string[]): boolean {
  try {
    return new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

/**
 * Registers `definition` as a test that needs a program: `missing` is null when it is there,
 * else what is missing and how to install it. Outside CI a test with something missing is
 * skipped, with that message; in CI it fails with it.
 */
export function testNeeding(missing: string | null, definition: Deno.TestDefinition): void {
  if (missing === null) return Deno.test(definition);
  if (inCI()) {
    return Deno.test({
      ...definition,
      fn() {
        throw new Error(`${missing} (CI=true: CI installs it, see .ci/run, so it must be there)`);
      },
    });
  }
  console.log(`skipped "${definition.name}": ${missing}`);
  Deno.test({ ...definition, ignore: true });
}

/**
 * The Python that runs Jupyter (the interpreter of the `jupyter` command, which is where
 * jupyter_client is installed), or what is missing.
 */
export function jupyterPython(): { python: string; missing: null } | {
  python: null;
  missing: string;
} {
  const install = "apt-get install jupyter-client jupyter-nbconvert";
  const jupyter = which("jupyter");
  if (!jupyter) return { python: null, missing: `no jupyter command (${install})` };
  let python = "python3";
  try {
    const first = Deno.readTextFileSync(jupyter).split("\n", 1)[0];
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (shebang) python = shebang[1].endsWith("/env") && shebang[2] ? shebang[2] : shebang[1];
  } catch { /* a binary launcher: the PATH's python3 */ }
  if (!succeeds(python, ["-c", "import jupyter_client"])) {
    return { python: null, missing: `${python} cannot import jupyter_client (${install})` };
  }
  return { python, missing: null };
}
