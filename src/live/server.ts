/**
 * The live view: a local web server (127.0.0.1 only, a free port) over a results folder. It
 * finds the sweeps in the folder, polls their trial records (the files every sweep process,
 * shard or scheduler job writes, so it can watch any of them, on a shared filesystem too) and
 * pushes each change to the page by server-sent events; the page then fetches the new table
 * and curves without reloading. Everything the page needs is served from the package (no
 * network). Requests name sweeps by the keys the server found, never by path: nothing outside
 * the folder can be asked for.
 *
 * @module
 */
import { relative, resolve } from "node:path";
import {
  findSweeps,
  type Picture,
  readSweep,
  renderCharts,
  type SweepData,
  trialPictures,
} from "../results/mod.ts";
import { NetsweepError } from "../core/mod.ts";
import { readPredictions, type RecordCache } from "../store/mod.ts";
import { type LiveView, liveView } from "./view.ts";
import { APP_JS, PAGE_HTML } from "./_page.ts";

/** Options of {@linkcode serveResults}. */
export interface ServeOptions {
  /** Port to listen on; default 0 (a free one). */
  port?: number;
  /** How often watched sweeps' records are polled; default 200 ms. */
  pollMs?: number;
  /** Stops the server. */
  signal?: AbortSignal;
}

/** A running live view. */
export interface LiveServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  /** Resolves once the server has stopped. */
  finished: Promise<void>;
  /** Stops it. */
  shutdown(): Promise<void>;
}

interface Watched {
  key: string;
  dir: string;
  cache: RecordCache;
  /** Bumped when the records change. */
  version: number;
  signature: string;
  /** Found but not read yet (`reading`), unreadable (`error`), or read. */
  view: LiveView | { key: string; dir: string; error: string } | {
    key: string;
    dir: string;
    reading: true;
  };
  charts: [string, string][];
  chartsVersion: number;
  chartsFor: string;
  renderedAt: number;
  renderMs: number;
  /** When the records were last read, and what that cost. */
  readAt: number;
  readMs: number;
  /** When the view was last computed (running trials' liveness and ETAs age). */
  viewAt: number;
  /** The sweep as last read, and the finished trials' pictures drawn so far. */
  sweep: SweepData | null;
  pictures: Map<string, { signature: string; pictures: Picture[] }>;
}

/**
 * A finished trial's pictures, drawn from its predictions file when first asked for (and again
 * when its record changed); an empty list for a trial that kept none.
 */
async function picturesOf(w: Watched, id: string): Promise<Picture[] | null> {
  const sweep = w.sweep;
  const t = sweep?.trials.find((x) => x.id === id);
  if (!sweep || !t) return null;
  const signature = `${t.status} ${t.epochs.length}`;
  const cached = w.pictures.get(id);
  if (cached?.signature === signature) return cached.pictures;
  const p = await readPredictions(w.dir, id);
  const pictures = p && p.seed === t.seed ? await trialPictures([sweep], t, p) : [];
  w.pictures.set(id, { signature, pictures });
  return pictures;
}

/** A sweep's signature: the page's table changes exactly when it does. */
function signatureOf(
  trials: { id: string; status: string; epochs: unknown[] }[],
  skipped: string[],
): string {
  return JSON.stringify([trials.map((t) => [t.id, t.status, t.epochs.length]), skipped]);
}

/**
 * Serves the live view of results folder `root`.
 *
 * @example
 * ```ts ignore
 * import { serveResults } from "./server.ts";
 * const server = serveResults("results");
 * console.log(`open ${server.url}`);
 * ```
 */
export function serveResults(root: string, options: ServeOptions = {}): LiveServer {
  const rootDir = resolve(root);
  const pollMs = options.pollMs ?? 200;
  const watched = new Map<string, Watched>();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const encoder = new TextEncoder();
  let listVersion = 0;
  let listSignature = "";
  let port = 0;

  const push = (event: string, data: unknown) => {
    const chunk = encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    for (const c of streams) {
      try {
        c.enqueue(chunk);
      } catch {
        streams.delete(c);
      }
    }
  };

  let rootExists = false;
  const discover = async () => {
    try {
      rootExists = (await Deno.stat(rootDir)).isDirectory;
    } catch {
      rootExists = false; // not yet: `deno task sweep --out` creates it
    }
    const dirs = await findSweeps(rootDir);
    const keys = new Set<string>();
    for (const dir of dirs) {
      const key = relative(rootDir, dir) || ".";
      keys.add(key);
      if (!watched.has(key)) {
        watched.set(key, {
          key,
          dir,
          cache: new Map(),
          version: 0,
          signature: "",
          // Until its first read: a folder just found is not an unreadable one.
          view: { key, dir, reading: true },
          charts: [],
          chartsVersion: 0,
          chartsFor: "",
          renderedAt: 0,
          renderMs: 0,
          readAt: 0,
          readMs: 0,
          viewAt: 0,
          sweep: null,
          pictures: new Map(),
        });
      }
    }
    for (const k of [...watched.keys()]) if (!keys.has(k)) watched.delete(k);
    const signature = [...keys].join("\n");
    if (signature !== listSignature) {
      listSignature = signature;
      listVersion++;
      push("list", { version: listVersion });
    }
  };

  const poll = async (w: Watched) => {
    // A large sweep is read less often: reading costs at most a tenth of the time.
    if (performance.now() - w.readAt < 10 * w.readMs) return;
    let signature: string;
    try {
      const start = performance.now();
      const sweep = await readSweep(w.dir, { cache: w.cache });
      w.sweep = sweep;
      signature = signatureOf(sweep.trials, sweep.skipped);
      const stale = "running" in w.view && w.view.running.length > 0 &&
        performance.now() - w.viewAt > 5000;
      if (signature !== w.signature || stale) {
        w.view = liveView(w.key, sweep);
        w.viewAt = performance.now();
        w.version++;
      }
      w.readAt = performance.now();
      w.readMs = w.readAt - start;
      // Curves cost tens of milliseconds: redrawn at most every second, or five times their
      // cost, whichever is longer, and always once the records settle.
      const due = performance.now() - w.renderedAt >= Math.max(1000, 5 * w.renderMs);
      if (signature !== w.chartsFor && (due || signature === w.signature)) {
        const start = performance.now();
        w.charts = await renderCharts([sweep]);
        w.renderMs = performance.now() - start;
        w.renderedAt = performance.now();
        w.chartsFor = signature;
        w.chartsVersion++;
      }
    } catch (err) {
      // A folder the server cannot read shows as a note; the server goes on.
      // Named once: netsweep's own errors name their file (within the folder) already.
      const message = (err as Error).message.split("\n")[0];
      const error = err instanceof NetsweepError ? message : `${w.dir}: ${message}`;
      signature = `error ${error}`;
      if (signature !== w.signature) {
        w.view = { key: w.key, dir: w.dir, error };
        w.version++;
      }
    }
    if (
      signature !== w.signature || w.chartsVersion !== lastCharts.get(w.key) ||
      w.version !== lastVersion.get(w.key)
    ) {
      lastVersion.set(w.key, w.version);
      w.signature = signature;
      lastCharts.set(w.key, w.chartsVersion);
      push("update", { key: w.key, version: w.version, chartsVersion: w.chartsVersion });
    }
  };
  const lastCharts = new Map<string, number>();
  const lastVersion = new Map<string, number>();

  let stopped = false;
  let ticks = 0;
  const loop = async () => {
    while (!stopped) {
      if (ticks++ % Math.max(1, Math.round(2000 / pollMs)) === 0) await discover();
      for (const w of watched.values()) await poll(w);
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };

  const json = (body: unknown, status = 200) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
    });

  const handler = async (req: Request): Promise<Response> => {
    // Only this machine's names for the server (a page elsewhere cannot rebind a name to it),
    // checked before the URL is built from them: a malformed Host is refused, not a crash.
    const host = req.headers.get("host") ?? "";
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return new Response("forbidden host\n", { status: 403 });
    }
    if (req.method !== "GET") return new Response("method not allowed\n", { status: 405 });
    let path: string;
    try {
      path = new URL(req.url).pathname;
    } catch {
      return new Response("bad request\n", { status: 400 });
    }
    try {
      if (path === "/") {
        return new Response(PAGE_HTML, {
          headers: { "content-type": "text/html; charset=utf-8" },
        });
      }
      if (path === "/app.js") {
        return new Response(APP_JS, {
          headers: { "content-type": "text/javascript; charset=utf-8" },
        });
      }
      if (path === "/api/sweeps") {
        return json({
          root: rootDir,
          rootExists,
          version: listVersion,
          sweeps: [...watched.values()].map((w) => ({
            key: w.key,
            version: w.version,
            chartsVersion: w.chartsVersion,
            ...("error" in w.view
              ? { error: w.view.error }
              : "reading" in w.view
              ? { reading: true }
              : { name: w.view.name, trials: w.view.trials, statuses: w.view.statuses }),
          })),
        });
      }
      if (path === "/api/events") {
        let self: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            self = c;
            streams.add(c);
            c.enqueue(encoder.encode(`retry: 1000\nevent: hello\ndata: {}\n\n`));
          },
          cancel() {
            streams.delete(self);
          },
        });
        return new Response(body, {
          headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
        });
      }
      const trial = /^\/api\/sweeps\/([^/]+)\/trials\/([0-9a-f]{1,64})\/pictures$/.exec(path);
      if (trial) {
        let key: string;
        try {
          key = decodeURIComponent(trial[1]);
        } catch {
          return new Response("bad request: a malformed % escape\n", { status: 400 });
        }
        // The trial is looked up among the sweep's own: an id is never made into a path unseen.
        const w = watched.get(key);
        const pictures = w ? await picturesOf(w, trial[2]) : null;
        if (!pictures) return new Response("not found\n", { status: 404 });
        return json({ key, id: trial[2], pictures });
      }
      const m = /^\/api\/sweeps\/([^/]+)(\/charts)?$/.exec(path);
      let key: string | undefined;
      try {
        key = m ? decodeURIComponent(m[1]) : undefined;
      } catch {
        return new Response("bad request: a malformed % escape\n", { status: 400 });
      }
      // Keys are looked up, never joined into a path: `..` or a absolute name is just unknown.
      const w = key === undefined ? undefined : watched.get(key);
      if (m && w) {
        return m[2]
          ? json({ key: w.key, chartsVersion: w.chartsVersion, charts: w.charts })
          : json({ ...w.view, version: w.version, chartsVersion: w.chartsVersion });
      }
      return new Response("not found\n", { status: 404 });
    } catch (err) {
      return json({ error: (err as Error).message }, 500);
    }
  };

  const server = Deno.serve(
    { hostname: "127.0.0.1", port: options.port ?? 0, signal: options.signal, onListen() {} },
    handler,
  );
  port = server.addr.port;
  // Keep-alive comments so proxies and browsers keep the event stream open.
  const keepAlive = setInterval(() => {
    for (const c of streams) {
      try {
        c.enqueue(encoder.encode(": keep-alive\n\n"));
      } catch {
        streams.delete(c);
      }
    }
  }, 15_000);
  const running = loop();
  const finished = server.finished.then(async () => {
    stopped = true;
    clearInterval(keepAlive);
    await running;
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    finished,
    async shutdown() {
      for (const c of streams) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      streams.clear();
      await server.shutdown();
      await finished;
    },
  };
}
