// A derived directory (a zarr store) rebuilt whole: built under a temporary name that carries
// this run's id, then renamed over the old one, so a reader sees the old store or the new one,
// never a half-built one (a killed build's leftovers are removed by coordination's clean-up).
import { thisRun } from "../coordination/mod.ts";

/** Builds `path` anew with `build(tmp)`, then puts it in place of the old directory. */
export async function replaceDirectory(
  path: string,
  build: (tmp: string) => Promise<void>,
): Promise<void> {
  const run = thisRun().run;
  const tmp = `${path}.building-${run}`;
  const old = `${path}.old-${run}`;
  try {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    await build(tmp);
    await Deno.rename(path, old).catch(() => {});
    await Deno.rename(tmp, path);
    await Deno.remove(old, { recursive: true }).catch(() => {});
  } catch (err) {
    await Deno.remove(tmp, { recursive: true }).catch(() => {});
    throw err;
  }
}
