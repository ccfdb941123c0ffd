// A small client of Chromium's DevTools protocol: starts headless Chromium, opens a page and
// evaluates expressions in it (no npm package: a WebSocket and JSON messages).
import { delay, removeDirWhenFree, until } from "./_wait.ts";

/** The Chromium binary of this machine, if any. */
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** What is missing for the browser tests, or null (for `testNeeding`). */
export const CHROMIUM_MISSING = CHROMIUM ? null : "no chromium (apt-get install chromium)";

/**
 * True while some process of group `pgid` runs. Zombies do not count (they write nothing, and
 * are reaped when their new parent, often a container's init, gets to it): where /proc is
 * there, it is read; elsewhere any member counts.
 */
export function groupRunning(pgid: number): boolean {
  try {
    for (const e of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(e.name)) continue;
      let stat: string;
      try {
        stat = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      } catch {
        continue; // gone meanwhile
      }
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === pgid && state !== "Z" && state !== "X") return true;
    }
    return false;
  } catch { /* no /proc */ }
  try {
    Deno.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills process group `child.pid` (a child spawned with `detached: true`: its own group) and
 * removes `dir` once no process of the group runs any more: a helper that outlived the child
 * (Chromium's renderers, its GPU and storage processes) could still be writing into it.
 */
export async function endGroupAndRemove(child: Deno.ChildProcess, dir: string): Promise<void> {
  try {
    Deno.kill(-child.pid, "SIGKILL");
  } catch { /* the group is gone */ }
  await child.status;
  if (!(await until(() => !groupRunning(child.pid), 30_000, 20))) {
    throw new Error(`processes of group ${child.pid} still run after SIGKILL; ${dir} kept`);
  }
  await removeDirWhenFree(dir);
}

/** A headless Chromium with one page. */
export class Browser {
  #ws: WebSocket | null = null;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #session = "";
  #exited = false;
  private constructor(
    private readonly child: Deno.ChildProcess,
    private readonly profile: string,
  ) {
    child.status.then(() => (this.#exited = true));
  }

  /** Starts Chromium and opens `url` in a new page. */
  static async open(url: string): Promise<Browser> {
    if (!CHROMIUM) throw new Error(CHROMIUM_MISSING!);
    const profile = Deno.makeTempDirSync({ prefix: "netsweep-chromium-" });
    const child = new Deno.Command(CHROMIUM, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      // Its own process group (setsid), so that close() can end every helper process it forks.
      detached: true,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const b = new Browser(child, profile);
    try {
      await b.#connect(url);
    } catch (err) {
      await b.close();
      throw err;
    }
    return b;
  }

  async #connect(url: string): Promise<void> {
    // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr.
    const reader = this.child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    let endpoint: string | undefined;
    // A Chromium that never says where it listens is ended: its stderr then ends too.
    const giveUp = setTimeout(() => {
      try {
        Deno.kill(-this.child.pid, "SIGKILL");
      } catch { /* gone */ }
    }, 120_000);
    try {
      while (!endpoint) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
        endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(text)?.[1];
      }
    } finally {
      clearTimeout(giveUp);
    }
    // Keep draining stderr so that Chromium never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* discard */ }
      } catch { /* closed */ }
    })();
    if (!endpoint) throw new Error(`chromium did not start:\n${text}`);
    const ws = new WebSocket(endpoint);
    this.#ws = ws;
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error("cannot connect to chromium"));
    });
    ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      const p = msg.id !== undefined ? this.#pending.get(msg.id) : undefined;
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    };
    ws.onclose = () => {
      for (const p of this.#pending.values()) p.reject(new Error("chromium closed the connection"));
      this.#pending.clear();
    };
    const { targetId } = await this.send("Target.createTarget", { url }) as { targetId: string };
    const { sessionId } = await this.send("Target.attachToTarget", { targetId, flatten: true }) as {
      sessionId: string;
    };
    this.#session = sessionId;
  }

  /** Sends one command (to the page once attached, to the browser with `toBrowser`). */
  send(method: string, params: Record<string, unknown> = {}, toBrowser = false): Promise<unknown> {
    const id = this.#next++;
    const msg: Record<string, unknown> = { id, method, params };
    if (this.#session && !toBrowser) msg.sessionId = this.#session;
    return new Promise((resolve, reject) => {
      if (this.#ws?.readyState !== WebSocket.OPEN) {
        return reject(new Error(`${method}: not connected to chromium`));
      }
      this.#pending.set(id, { resolve, reject });
      this.#ws.send(JSON.stringify(msg));
    });
  }

  /** The value of a JavaScript expression in the page. */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, returnByValue: true }) as {
      result: { value: T };
      exceptionDetails?: { text: string };
    };
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.text);
    return r.result.value;
  }

  /**
   * Waits until `expression` is truthy in the page; returns its value. The deadline is for a
   * page that never gets there (a loaded machine slows the page, it does not stop it).
   */
  async waitFor<T>(expression: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = "";
    while (Date.now() < deadline) {
      try {
        const v = await this.evaluate<T>(expression);
        if (v) return v;
        last = `it was ${JSON.stringify(v)}`;
      } catch (err) {
        last = `the page said: ${(err as Error).message}`; // the page is loading
      }
      await delay(20);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${expression} (${last})`);
  }

  /** A PNG screenshot of the page. */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" }) as {
      data: string;
    };
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  }

  /**
   * Closes the browser and removes its profile, once no process of the browser can write into
   * it: asked to close, Chromium shuts its helpers down and exits; the ones still there after
   * (or all of them, when it did not answer) are killed, and waited for.
   */
  async close(): Promise<void> {
    if (this.#ws?.readyState === WebSocket.OPEN && !this.#exited) {
      // Answered, or rejected when the connection closes below.
      this.send("Browser.close", {}, true).catch(() => {});
      await until(() => this.#exited, 10_000, 20);
    }
    try {
      this.#ws?.close();
    } catch { /* closed */ }
    await endGroupAndRemove(this.child, this.profile);
  }
}
