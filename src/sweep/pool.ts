/**
 * A pool of Workers that run tasks. The dataset is posted once to each worker: its arrays live
 * in SharedArrayBuffers, so every worker reads the same memory and nothing is copied. Tasks
 * come from `next()`, which may wait (a pruned sweep waits for a rung's results).
 *
 * @module
 */
import type { Dataset } from "../data/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import type { Task, ToMain, ToWorker } from "./_messages.ts";
import type { SweepOutput } from "./output.ts";

/**
 * How a task ended, as the worker says it (or `failed` when it threw or died; `lost` when
 * another run took its claim).
 */
export type Outcome =
  | Extract<ToMain, { type: "done" }>
  | { type: "failed"; id: string; error: string }
  | { type: "lost"; id: string };

/** What the pool asks and reports while it runs. Handlers run one at a time, in order. */
export interface PoolEvents {
  /** The next task, or null when there is none left for this worker. */
  next(worker: number): Promise<Task | null>;
  onStart(task: Task, worker: number, from: number): void | Promise<void>;
  onEpoch(task: Task, metrics: EpochMetrics, worker: number): void | Promise<void>;
  onDone(task: Task, outcome: Outcome, worker: number): void | Promise<void>;
  /** A worker's one-line note for the user. */
  onNote(text: string): void;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** Why a pool stopped early. */
export class PoolStopped extends Error {
  constructor(
    readonly reason: "signal" | "io-error",
    message: string,
    /** Tasks a worker had started. */
    readonly running: Task[],
    /** Tasks handed to a worker that it had not started yet. */
    readonly queued: Task[],
  ) {
    super(message);
  }
}

/**
 * Runs tasks on `workers` Workers until `next()` has none left. Each worker holds up to `depth`
 * tasks (the one it runs and the next ones), so it starts its next trial without waiting for
 * the main thread. After `signal` aborts, or when a worker reports a failed write, every
 * worker is terminated at once (each finished epoch is already in its record) and the pool
 * rejects with {@linkcode PoolStopped}.
 */
export function runPool(
  data: Dataset,
  output: SweepOutput,
  workers: number,
  events: PoolEvents,
  signal?: AbortSignal,
  depth = 2,
): Promise<void> {
  // Per worker: its tasks in order; the first is running once the worker said "start".
  const queues: { task: Task; started: boolean }[][] = [];
  const exhausted: boolean[] = [];
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const pool: Worker[] = [];
  // Events are handled one at a time, in order, so record writes never interleave.
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => void | Promise<void>) => (chain = chain.then(fn));
  const all = () => queues.flat();

  return new Promise<void>((resolve, reject) => {
    let finished = false;
    const end = (error?: Error) => {
      if (finished) return;
      finished = true;
      Atomics.store(stop, 0, 1);
      for (const w of pool) w.terminate();
      signal?.removeEventListener("abort", onAbort);
      chain.then(() => (error ? reject(error) : resolve()), reject);
    };
    const stopped = (reason: "signal" | "io-error", message: string) =>
      new PoolStopped(
        reason,
        message,
        all().filter((q) => q.started).map((q) => q.task),
        all().filter((q) => !q.started).map((q) => q.task),
      );
    const onAbort = () => end(stopped("signal", "stopped"));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort);

    // Asks for tasks until worker w holds `depth` of them; ends the pool when none is left.
    const fill = async (w: number) => {
      while (!finished && !exhausted[w] && queues[w].length < depth) {
        let task: Task | null;
        try {
          task = await events.next(w);
        } catch (err) {
          return end(err as Error);
        }
        if (finished) return;
        if (!task) exhausted[w] = true;
        else {
          queues[w].push({ task, started: false });
          pool[w].postMessage({ type: "run", task } satisfies ToWorker);
        }
      }
      if (exhausted.every(Boolean) && queues.every((q) => q.length === 0)) end();
    };

    const init: ToWorker = {
      type: "init",
      data,
      stop,
      dir: output.dir,
      run: output.coordinator.me,
      durability: output.durability,
    };
    const count = Math.max(1, workers);
    for (let w = 0; w < count; w++) {
      queues.push([]);
      exhausted.push(false);
      const worker = new Worker(WORKER_URL, { type: "module" });
      pool.push(worker);
      worker.onmessage = (e: MessageEvent<ToMain>) => {
        const msg = e.data;
        // Messages name their trial: a worker may already run the next one while the main
        // thread still handles the last one's outcome.
        const held = queues[w].find((q) => q.task.trial.id === msg.id);
        if (!held || finished) return;
        const task = held.task;
        if (msg.type === "note") return serial(() => events.onNote(msg.text));
        if (msg.type === "start") {
          held.started = true;
          serial(() => events.onStart(task, w, msg.from)).then(() => fill(w));
        } else if (msg.type === "epoch") serial(() => events.onEpoch(task, msg.metrics, w));
        else if (msg.type === "io-error") end(stopped("io-error", msg.error));
        else {
          // The task stays held until its outcome is handled.
          serial(() => events.onDone(task, msg, w)).then(() => {
            queues[w].splice(queues[w].indexOf(held), 1);
            return fill(w);
          }, (err) => end(err));
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        const head = queues[w][0];
        if (!head || finished) return;
        // A crashed worker fails its trial; the sweep goes on with a fresh worker, which is
        // given the tasks the old one held.
        serial(() =>
          events.onDone(head.task, { type: "failed", id: head.task.trial.id, error: e.message }, w)
        );
        const fresh = new Worker(WORKER_URL, { type: "module" });
        fresh.onmessage = worker.onmessage;
        fresh.onerror = worker.onerror;
        fresh.postMessage(init);
        worker.terminate();
        pool[w] = fresh;
        chain.then(() => {
          queues[w].shift();
          for (const q of queues[w]) {
            fresh.postMessage({ type: "run", task: q.task } satisfies ToWorker);
          }
          return fill(w);
        });
      };
      worker.postMessage(init);
      fill(w);
    }
  });
}
