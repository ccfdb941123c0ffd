// Running a Python baseline fairly: one BLAS thread (as netsweep's one thread per trial), and
// the machine's own BLAS kernel, not a pinned one. Some images set OPENBLAS_CORETYPE and
// OPENBLAS_L2_SIZE to an older kernel; a reader's numpy runs without them, so the baseline's
// command drops them (and only its command). Each script prints the kernel it ran on.

/** A baseline's result: seconds per epoch, and what it ran on. */
export interface BaselineRun {
  /** Seconds of training per epoch, one per epoch run. */
  epochSeconds: number[];
  /** Seconds to evaluate 10,000 images, where the script measures it. */
  evalSeconds?: number;
  /** The BLAS kernel, as the script's numpy or torch reports it ("OpenBLAS Haswell"). */
  blas: string;
}

/** The baseline's environment: this one without the kernel pins, with one thread everywhere. */
export function baselineEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return { ...env, OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
}

/** Runs `exe script ...args`; null where the interpreter or its module is missing. */
export function runBaseline(exe: string, script: string, args: string[]): BaselineRun | null {
  try {
    const out = new Deno.Command(exe, {
      args: [script, ...args],
      stdout: "piped",
      stderr: "piped",
      clearEnv: true,
      env: baselineEnv(),
    }).outputSync();
    if (!out.success) return null;
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    return { epochSeconds: r.epoch_seconds, evalSeconds: r.eval_seconds, blas: r.blas ?? "?" };
  } catch {
    return null; // no such interpreter
  }
}

/** A Python interpreter that can import `module` (Debian's has torch; a pyenv's may not). */
export function python(module: string): string | null {
  for (const exe of ["python3", "/usr/bin/python3"]) {
    try {
      const ok = new Deno.Command(exe, {
        args: ["-c", `import ${module}`],
        stdout: "null",
        stderr: "null",
      }).outputSync().success;
      if (ok) return exe;
    } catch { /* not here */ }
  }
  return null;
}
