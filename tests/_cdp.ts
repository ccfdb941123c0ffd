// A small client of Chromium's DevTools protocol: starts headless Chromium, opens a page and
// evaluates expressions in it (no npm package: a WebSocket and JSON messages).

/** The Chromium binary of this machine, if any. */
export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
});

/** A headless Chromium with one page. */
export class Browser {
  #ws!: WebSocket;
  #next = 1;
  #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #session = "";
  private constructor(
    private readonly child: Deno.ChildProcess,
    private readonly profile: string,
  ) {}

  /** Starts Chromium and opens `url` in a new page. */
  static async open(url: string): Promise<Browser> {
    if (!CHROMIUM) throw new Error("no chromium");
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
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const b = new Browser(child, profile);
    // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/ID" on stderr.
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const deadline = Date.now() + 30_000;
    let endpoint: string | undefined;
    while (!endpoint && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
      endpoint = /DevTools listening on (ws:\/\/\S+)/.exec(text)?.[1];
    }
    // Keep draining stderr so that Chromium never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* discard */ }
      } catch { /* closed */ }
    })();
    if (!endpoint) throw new Error(`chromium did not start:\n${text}`);
    b.#ws = new WebSocket(endpoint);
    await new Promise((resolve, reject) => {
      b.#ws.onopen = resolve;
      b.#ws.onerror = () => reject(new Error("cannot connect to chromium"));
    });
    b.#ws.onmessage = (e) => {
      const msg = JSON.parse(e.data);
      const p = msg.id !== undefined ? b.#pending.get(msg.id) : undefined;
      if (!p) return;
      b.#pending.delete(msg.id);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result);
    };
    const { targetId } = await b.send("Target.createTarget", { url }) as { targetId: string };
    const { sessionId } = await b.send("Target.attachToTarget", { targetId, flatten: true }) as {
      sessionId: string;
    };
    b.#session = sessionId;
    return b;
  }

  /** Sends one command (to the page once attached). */
  send(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.#next++;
    const msg: Record<string, unknown> = { id, method, params };
    if (this.#session) msg.sessionId = this.#session;
    return new Promise((resolve, reject) => {
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

  /** Waits until `expression` is truthy in the page; returns its value. */
  async waitFor<T>(expression: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const v = await this.evaluate<T>(expression);
        if (v) return v;
      } catch { /* the page is loading */ }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`timed out waiting for ${expression}`);
  }

  /** A PNG screenshot of the page. */
  async screenshot(): Promise<Uint8Array> {
    const { data } = await this.send("Page.captureScreenshot", { format: "png" }) as {
      data: string;
    };
    return Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  }

  /** Closes the browser and removes its profile. */
  async close(): Promise<void> {
    try {
      this.#ws.close();
    } catch { /* closed */ }
    try {
      this.child.kill("SIGKILL");
    } catch { /* exited */ }
    await this.child.status;
    Deno.removeSync(this.profile, { recursive: true });
  }
}
