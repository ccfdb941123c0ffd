/**
 * A lock directory for the writes that several processes of one sweep share (the CSV files and
 * the zarr store).
 *
 * @module
 */
import { hostname, ioError, processGone } from "./files.ts";

let counter = 0;

/**
 * Runs `fn` holding a lock directory at `path`: a directory holding its owner, renamed into
 * place, so taking the lock and naming its owner are one step (rename fails while another
 * lock is there). A lock whose owner process is gone from this host is taken over at once (a
 * killed sweep); one older than `staleMs` is taken over anyway (an owner on another host that
 * died).
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  staleMs = 60_000,
): Promise<T> {
  const host = hostname();
  for (let attempt = 0;; attempt++) {
    const tmp = `${path}.${Deno.pid}.${counter++}.tmp`;
    try {
      await Deno.mkdir(tmp, { recursive: true });
      await Deno.writeTextFile(`${tmp}/owner`, JSON.stringify({ host, pid: Deno.pid }));
    } catch (err) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      throw ioError(path, err, "cannot take the lock");
    }
    try {
      await Deno.rename(tmp, path);
      break;
    } catch (err) {
      await Deno.remove(tmp, { recursive: true }).catch(() => {});
      const e = err as Error & { code?: string };
      const held = e instanceof Deno.errors.AlreadyExists ||
        e instanceof Deno.errors.NotADirectory ||
        /ENOTEMPTY|not empty|exists/i.test(`${e.code} ${e.message}`);
      if (!held) throw ioError(path, err, "cannot take the lock");
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

async function isStale(path: string, host: string, staleMs: number): Promise<boolean> {
  try {
    const owner = JSON.parse(await Deno.readTextFile(`${path}/owner`));
    if (owner.host === host && owner.pid !== Deno.pid && processGone(owner.pid)) return true;
  } catch {
    // Not readable (removed meanwhile, or a foreign directory): use the age.
  }
  const age = await Deno.stat(path).then(
    (s) => Date.now() - (s.mtime?.getTime() ?? Date.now()),
    () => 0,
  );
  return age > staleMs;
}
