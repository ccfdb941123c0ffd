// Crash-safe file writes: write a temporary file beside the target, then rename it over the
// target, so a reader (or a process killed mid-write) never sees half a file.
import { dirname } from "node:path";

let counter = 0;

/** Writes `data` to `path` atomically, creating parent directories. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${Deno.pid}.${counter++}.tmp`;
  if (typeof data === "string") await Deno.writeTextFile(tmp, data);
  else await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}

/**
 * Runs `fn` holding a lock directory at `path` (mkdir is atomic), so that several processes
 * writing one results directory take turns. The lock names its owner (host and pid): a lock
 * whose owner process is gone from this host is taken over at once (a killed sweep), and one
 * older than `staleMs` is taken over anyway (an owner on another host that died). The lock is
 * held only while CSV files are written, for milliseconds.
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  staleMs = 10_000,
): Promise<T> {
  const host = hostname();
  for (let attempt = 0;; attempt++) {
    // A directory holding its owner, renamed into place: rename fails while another
    // (non-empty) lock is there, so taking the lock and naming its owner are one step.
    const tmp = `${path}.${Deno.pid}.${counter++}.tmp`;
    await Deno.mkdir(tmp, { recursive: true });
    await Deno.writeTextFile(`${tmp}/owner`, JSON.stringify({ host, pid: Deno.pid }));
    try {
      await Deno.rename(tmp, path);
      break;
    } catch (err) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      if (
        !(err instanceof Deno.errors.AlreadyExists) &&
        !(err instanceof Deno.errors.NotADirectory) && !isNotEmpty(err)
      ) {
        throw err;
      }
      if (await isStale(path, host, staleMs)) {
        await Deno.remove(path, { recursive: true }).catch(() => {});
      } else await new Promise((r) => setTimeout(r, Math.min(200, 10 + attempt * 10)));
    }
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

function isNotEmpty(err: unknown): boolean {
  return err instanceof Error &&
    /ENOTEMPTY|not empty|exists/i.test(`${(err as { code?: string }).code} ${err.message}`);
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

async function isStale(path: string, host: string, staleMs: number): Promise<boolean> {
  try {
    const owner = JSON.parse(await Deno.readTextFile(`${path}/owner`));
    if (owner.host === host && owner.pid !== Deno.pid) {
      const alive = await Deno.stat(`/proc/${owner.pid}`).then(
        () => true,
        () => !Deno.build.os.startsWith("linux"),
      );
      if (!alive) return true;
    }
  } catch {
    // Not readable (removed meanwhile, or a foreign directory): use the age.
  }
  const age = await Deno.stat(path).then(
    (s) => Date.now() - (s.mtime?.getTime() ?? Date.now()),
    () => 0,
  );
  return age > staleMs;
}
