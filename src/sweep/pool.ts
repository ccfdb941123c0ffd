/**
 * A pool of Workers that run tasks. The dataset is posted once to each worker: its arrays live
 * in SharedArrayBuffers, so every worker reads the same memory and nothing is copied. Tasks
 * come from `next()`, which may wait (a pruned sweep waits for a rung's results).
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { EpochMetrics } from "../network/metrics.ts";
import type { Task, ToMain, ToWorker } from "./_messages.ts";

/** How a task ended, as the worker says it (or `failed` when it threw or died). */
export type Outcome = Extract<ToMain, { type: "done" }> | {
  type: "failed";
  id: string;
  error: string;
};

/** What the pool asks and reports while it runs. Handlers run one at a time, in order. */
export interface PoolEvents {
  /** The next task, or null when there is none left for this worker. */
  next(worker: number): Promise<Task | null>;
  onStart(task: Task, worker: number, from: number): void | Promise<void>;
  onEpoch(task: Task, metrics: EpochMetrics, worker: number): void | Promise<void>;
  onDone(task: Task, outcome: Outcome, worker: number): void | Promise<void>;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/** Why a pool stopped early. */
export class PoolStopped extends Error {
  constructor(readonly reason: "signal" | "io-error", message: string, readonly running: Task[]) {
    super(message);
  }
}

/**
 * Runs tasks on `workers` Workers until `next()` has none left. After `signal` aborts, or when
 * a worker reports a failed write, every worker is terminated at once (each finished epoch is
 * already in its record) and the pool rejects with {@linkcode PoolStopped}, listing the tasks
 * that were running.
 */
export function runPool(
  data: Dataset,
  dir: string,
  workers: number,
  events: PoolEvents,
  signal?: AbortSignal,
): Promise<void> {
  const running = new Map<number, Task>();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const pool: Worker[] = [];
  // Events are handled one at a time, in order, so record writes never interleave.
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => void | Promise<void>) => (chain = chain.then(fn));

  return new Promise<void>((resolve, reject) => {
    let finished = false;
    let idle = 0;
    const end = (error?: Error) => {
      if (finished) return;
      finished = true;
      Atomics.store(stop, 0, 1);
      for (const w of pool) w.terminate();
      signal?.removeEventListener("abort", onAbort);
      chain.then(() => (error ? reject(error) : resolve()), reject);
    };
    const onAbort = () => end(new PoolStopped("signal", "stopped", [...running.values()]));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort);

    const next = async (w: number) => {
      let task: Task | null;
      try {
        task = await events.next(w);
      } catch (err) {
        return end(err as Error);
      }
      if (finished) return;
      if (!task) {
        running.delete(w);
        if (++idle === pool.length) end();
        return;
      }
      running.set(w, task);
      pool[w].postMessage({ type: "run", task } satisfies ToWorker);
    };

    const count = Math.max(1, workers);
    for (let w = 0; w < count; w++) {
      const worker = new Worker(WORKER_URL, { type: "module" });
      pool.push(worker);
      worker.onmessage = (e: MessageEvent<ToMain>) => {
        const msg = e.data;
        const task = running.get(w);
        if (!task || finished) return;
        if (msg.type === "start") serial(() => events.onStart(task, w, msg.from));
        else if (msg.type === "epoch") serial(() => events.onEpoch(task, msg.metrics, w));
        else if (msg.type === "io-error") {
          end(new PoolStopped("io-error", msg.error, [...running.values()]));
        } else {
          // The task stays running until its outcome is handled and the next one starts.
          serial(() => events.onDone(task, msg, w)).then(() => next(w), (err) => end(err));
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        const task = running.get(w);
        if (!task || finished) return;
        // A crashed worker fails its trial; the sweep goes on with a fresh worker.
        serial(() =>
          events.onDone(task, { type: "failed", id: task.trial.id, error: e.message }, w)
        );
        const fresh = new Worker(WORKER_URL, { type: "module" });
        fresh.onmessage = worker.onmessage;
        fresh.onerror = worker.onerror;
        fresh.postMessage({ type: "init", data, stop, dir } satisfies ToWorker);
        worker.terminate();
        pool[w] = fresh;
        chain.then(() => next(w));
      };
      worker.postMessage({ type: "init", data, stop, dir } satisfies ToWorker);
      next(w);
    }
  });
}
