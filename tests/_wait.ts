// Waiting by a condition, not a time: the polling and folder removal that the tests of real
// processes (Chromium, the live server, SLURM) share.

/** Resolves after `ms`. */
export const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `done` every `every` ms until it is true; false after `ms`. */
export async function until(
  done: () => boolean | Promise<boolean>,
  ms: number,
  every = 100,
): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() >= deadline) return false;
    await delay(every);
  }
  return true;
}

/** Every file under `dir`, for a message. */
function listFiles(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].flatMap((e) =>
      e.isDirectory ? listFiles(`${dir}/${e.name}`) : [`${dir}/${e.name}`]
    );
  } catch {
    return [];
  }
}

/**
 * Removes `path`, trying again for a while: a process that has just ended may still be
 * finishing a write into it (Chromium's profile), which makes a removal fail with "Directory
 * not empty". Each retry names what was written meanwhile.
 */
export async function removeDirWhenFree(path: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await Deno.remove(path, { recursive: true });
      return;
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) return;
      if (Date.now() >= deadline) throw err;
      console.log(`removing ${path}: written meanwhile: ${listFiles(path).join(", ")}`);
    }
    await delay(100);
  }
}
