/**
 * A pool of Workers that run trials. The dataset is posted once to each worker: its arrays
 * live in SharedArrayBuffers, so every worker reads the same memory and nothing is copied.
 *
 * @module
 */
import type { Dataset } from "../data/dataset.ts";
import type { EpochMetrics, TrainStatus } from "../network/sgd.ts";
import type { Trial } from "./expand.ts";
import type { ToMain, ToWorker } from "./_messages.ts";

/** What the pool reports while it runs. */
export interface PoolEvents {
  onStart(trial: Trial, worker: number): void | Promise<void>;
  onEpoch(trial: Trial, metrics: EpochMetrics, worker: number): void | Promise<void>;
  onDone(
    trial: Trial,
    outcome: {
      status: TrainStatus | "failed";
      divergedEpoch?: number;
      error?: string;
      kernel?: string;
    },
    worker: number,
  ): void | Promise<void>;
}

const WORKER_URL = new URL("./worker.ts", import.meta.url);

/**
 * Runs `trials` on `workers` Workers. Resolves when all are done, or, after `signal` aborts,
 * as soon as the running trials are stopped (workers are terminated at once; every epoch they
 * finished was already reported). Returns the trials that did not finish.
 */
export async function runPool(
  data: Dataset,
  trials: Trial[],
  workers: number,
  events: PoolEvents,
  signal?: AbortSignal,
): Promise<Trial[]> {
  const queue = [...trials];
  const running = new Map<number, Trial>();
  const stop = new Int32Array(new SharedArrayBuffer(4));
  const pool: Worker[] = [];
  // Events are handled one at a time, in order, so record writes never interleave.
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => void | Promise<void>) => {
    chain = chain.then(fn);
    return chain;
  };

  return await new Promise<Trial[]>((resolve, reject) => {
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      for (const w of pool) w.terminate();
      signal?.removeEventListener("abort", onAbort);
      chain.then(() => resolve([...running.values(), ...queue]), reject);
    };
    const onAbort = () => {
      Atomics.store(stop, 0, 1);
      finish();
    };
    signal?.addEventListener("abort", onAbort);

    const next = (w: number) => {
      const trial = queue.shift();
      if (!trial) {
        running.delete(w);
        if (running.size === 0) finish();
        return;
      }
      running.set(w, trial);
      serial(() => events.onStart(trial, w));
      pool[w].postMessage({ type: "run", trial } satisfies ToWorker);
    };

    const count = Math.max(1, Math.min(workers, queue.length));
    if (queue.length === 0) return finish();
    for (let w = 0; w < count; w++) {
      const worker = new Worker(WORKER_URL, { type: "module" });
      pool.push(worker);
      worker.onmessage = (e: MessageEvent<ToMain>) => {
        const msg = e.data;
        const trial = running.get(w);
        if (!trial || finished) return;
        if (msg.type === "epoch") {
          serial(() => events.onEpoch(trial, msg.metrics, w));
        } else {
          const outcome = msg.type === "done"
            ? { status: msg.status, divergedEpoch: msg.divergedEpoch, kernel: msg.kernel }
            : { status: "failed" as const, error: msg.error };
          // The trial stays in `running` until its record is written and the next one starts.
          serial(() => events.onDone(trial, outcome, w)).then(() => next(w), reject);
        }
      };
      worker.onerror = (e) => {
        e.preventDefault();
        const trial = running.get(w);
        if (trial) {
          serial(() => events.onDone(trial, { status: "failed", error: e.message }, w));
        }
        finished = true;
        for (const p of pool) p.terminate();
        reject(new Error(`worker ${w} crashed: ${e.message}`));
      };
      worker.postMessage({ type: "init", data, stop } satisfies ToWorker);
      next(w);
    }
  });
}
