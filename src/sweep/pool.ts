/**
 * A pool of Workers that run tasks. The dataset is posted once to each worker: its arrays live
 * in SharedArrayBuffers, so every worker reads the same memory and nothing is copied. Tasks
 * come from `next()`, which may wait (a pruned sweep waits for a rung's results).
 *
 * @module
 */
import type { Dataset } from "../data/mod.ts";
import { abandonTeam, rejoinTeam, releaseTeam, teamOpen, type TeamShare } from "../model/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import type { Task, ToMain, ToWorker } from "./_messages.ts";
import { StopGate } from "./_stop_gate.ts";
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

/** How long a stop waits for a write under way: one stuck longer is the disk's. */
const DRAIN_LIMIT_MS = 10_000;

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
 * the main thread. After `signal` aborts, or when a worker reports a failed write, no worker
 * writes again; once none is inside a write (`gate`, shared with them), every worker is
 * terminated (each finished epoch is already in its record) and the pool rejects with
 * {@linkcode PoolStopped}.
 */
export function runPool(
  data: Dataset,
  output: SweepOutput,
  workers: number,
  events: PoolEvents,
  signal?: AbortSignal,
  depth = 2,
  gate: StopGate = new StopGate(),
): Promise<void> {
  return new Pool(data, output, events, depth, gate).run(Math.max(1, workers), signal);
}

/** A held task: it runs once its worker said "start". */
interface Held {
  task: Task;
  started: boolean;
}

/** A running trial's network that takes a helper thread, and the worker helping it. */
interface Team {
  share: TeamShare;
  /** The trial's index, for the note. */
  index: number;
  owner: number;
  helper: number | null;
}

class Pool {
  /** Per worker: its tasks in order (the first one runs). */
  readonly #queues: Held[][] = [];
  readonly #exhausted: boolean[] = [];
  readonly #workers: Worker[] = [];
  /** The stop flag, and the workers inside a write to the sweep's folder. */
  readonly #gate: StopGate;
  readonly #init: ToWorker;
  /** Events are handled one at a time, in order, so record writes never interleave. */
  #chain: Promise<void> = Promise.resolve();
  #finished = false;
  #settle: (error?: Error) => void = () => {};
  /** Running trials' networks by trial id, while their trial runs. */
  readonly #teams = new Map<string, Team>();
  /** Per worker: the trial it helps, or null. */
  readonly #helping: (string | null)[] = [];
  /** Per worker: waiting for `next()` (a pruned sweep waits for a rung's results). */
  readonly #waiting: boolean[] = [];

  constructor(
    data: Dataset,
    output: SweepOutput,
    readonly events: PoolEvents,
    readonly depth: number,
    gate: StopGate,
  ) {
    this.#gate = gate;
    this.#init = {
      type: "init",
      data,
      gate: this.#gate.cells,
      dir: output.dir,
      run: output.coordinator.me,
      durability: output.durability,
    };
  }

  run(count: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => this.#end(this.#stopped("signal", "stopped"));
      this.#settle = (error) => {
        signal?.removeEventListener("abort", onAbort);
        this.#chain.then(() => (error ? reject(error) : resolve()), reject);
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort);
      for (let w = 0; w < count; w++) {
        this.#queues.push([]);
        this.#exhausted.push(false);
        this.#helping.push(null);
        this.#waiting.push(false);
        this.#workers.push(this.#spawn(w));
        this.#fill(w);
      }
    });
  }

  #serial(fn: () => void | Promise<void>): Promise<void> {
    return (this.#chain = this.#chain.then(fn));
  }

  #spawn(w: number): Worker {
    const worker = new Worker(WORKER_URL, { type: "module" });
    worker.onmessage = (e: MessageEvent<ToMain>) => this.#message(w, e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      this.#crashed(w, e.message);
    };
    worker.postMessage(this.#init);
    return worker;
  }

  #end(error?: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#gate.close();
    for (const team of this.#teams.values()) releaseTeam(team.share);
    // Nothing is read for the summary while a worker is still inside a write, and no worker
    // is ended inside one (_stop_gate.ts): the records then stay as they are.
    void this.#gate.drained(DRAIN_LIMIT_MS).then((drained) => {
      if (!drained) {
        const note = `a worker's write to the sweep's folder did not end within ${
          DRAIN_LIMIT_MS / 1000
        } s of the stop: the summary may not show it (the next run reads the records again)`;
        this.#serial(() => this.events.onNote(note));
      }
      for (const w of this.#workers) w.terminate();
      this.#settle(error);
    });
  }

  #stopped(reason: "signal" | "io-error", message: string): PoolStopped {
    const all = this.#queues.flat();
    return new PoolStopped(
      reason,
      message,
      all.filter((q) => q.started).map((q) => q.task),
      all.filter((q) => !q.started).map((q) => q.task),
    );
  }

  /** Asks for tasks until worker `w` holds `depth` of them; ends the pool when none is left. */
  async #fill(w: number): Promise<void> {
    const queue = this.#queues[w];
    while (!this.#finished && !this.#exhausted[w] && queue.length < this.depth) {
      let task: Task | null;
      this.#waiting[w] = true;
      if (queue.length === 0) this.#offerHelp(); // idle while it waits
      try {
        task = await this.events.next(w);
      } catch (err) {
        return this.#end(err as Error);
      } finally {
        this.#waiting[w] = false;
      }
      if (this.#finished) return;
      if (task) this.#recall(w); // its own work first: it leaves the trial it helps
      if (!task) this.#exhausted[w] = true;
      else {
        queue.push({ task, started: false });
        this.#workers[w].postMessage({ type: "run", task } satisfies ToWorker);
      }
    }
    if (this.#exhausted.every(Boolean) && this.#queues.every((q) => q.length === 0)) this.#end();
    else this.#offerHelp();
  }

  /**
   * Every core busy when trials are fewer than workers: a worker with no task left joins a
   * running trial that has no helper yet (its numbers do not change, model/team.ts).
   */
  #offerHelp(): void {
    if (this.#finished) return;
    for (let w = 0; w < this.#workers.length; w++) {
      const idle = this.#queues[w].length === 0 && this.#helping[w] === null &&
        (this.#exhausted[w] || this.#waiting[w]);
      if (!idle) continue;
      const open = [...this.#teams].find(([, t]) =>
        t.helper === null && t.owner !== w && teamOpen(t.share)
      );
      if (!open) return;
      const [id, team] = open;
      team.helper = w;
      this.#helping[w] = id;
      this.#workers[w].postMessage({ type: "help", share: team.share } satisfies ToWorker);
      const note = `worker ${w + 1} has no trial ${
        this.#exhausted[w] ? "left" : "to run yet"
      }: it joins trial ${team.index} as a second thread`;
      this.#serial(() => this.events.onNote(note));
    }
  }

  /** Worker `w` has a task of its own: it leaves the trial it helps (a "run" waits behind). */
  #recall(w: number): void {
    const id = this.#helping[w];
    const team = id === null ? undefined : this.#teams.get(id);
    if (team) releaseTeam(team.share);
  }

  /** Trial `id` ended: its helper (told by the owner's close) goes back to the pool. */
  #teamEnded(id: string): void {
    const team = this.#teams.get(id);
    if (!team) return;
    this.#teams.delete(id);
    releaseTeam(team.share); // an owner that crashed cannot close it
  }

  #message(w: number, msg: ToMain): void {
    if (msg.type === "helped") {
      const id = this.#helping[w];
      this.#helping[w] = null;
      const team = id === null ? undefined : this.#teams.get(id);
      if (team && team.helper === w) {
        team.helper = null;
        rejoinTeam(team.share); // recalled, not ended: another idle worker may join it
      }
      return this.#offerHelp();
    }
    // Messages name their trial: a worker may already run the next one while the main thread
    // still handles the last one's outcome.
    const held = this.#queues[w].find((q) => q.task.trial.id === msg.id);
    if (!held || this.#finished) return;
    const { task } = held;
    const events = this.events;
    if (msg.type === "note") this.#serial(() => events.onNote(msg.text));
    else if (msg.type === "team") {
      this.#teams.set(msg.id, {
        share: msg.share,
        index: task.trial.index,
        owner: w,
        helper: null,
      });
      this.#offerHelp();
    } else if (msg.type === "start") {
      held.started = true;
      this.#serial(() => events.onStart(task, w, msg.from)).then(() => this.#fill(w));
    } else if (msg.type === "epoch") this.#serial(() => events.onEpoch(task, msg.metrics, w));
    else if (msg.type === "io-error") this.#end(this.#stopped("io-error", msg.error));
    else {
      // The task stays held until its outcome is handled.
      this.#teamEnded(task.trial.id);
      this.#serial(() => events.onDone(task, msg, w)).then(() => {
        this.#queues[w].splice(this.#queues[w].indexOf(held), 1);
        return this.#fill(w);
      }, (err) => this.#end(err));
    }
  }

  /** A crashed worker fails its trial; a fresh one takes the tasks the old one held. */
  #crashed(w: number, error: string): void {
    if (this.#finished) return;
    const helped = this.#helping[w];
    if (helped !== null) {
      // A helper died: its team's owner fails the step it shared rather than wait for ever.
      this.#helping[w] = null;
      const team = this.#teams.get(helped);
      if (team && team.helper === w) {
        team.helper = null;
        abandonTeam(team.share);
      }
      if (!this.#queues[w][0]?.started) {
        // Nothing of its own had started: a fresh worker takes the tasks it held.
        this.#workers[w].terminate();
        const fresh = this.#spawn(w);
        this.#workers[w] = fresh;
        for (const q of this.#queues[w]) {
          fresh.postMessage({ type: "run", task: q.task } satisfies ToWorker);
        }
        this.#fill(w);
        return;
      }
    }
    const head = this.#queues[w][0];
    if (!head || this.#finished) return;
    this.#teamEnded(head.task.trial.id);
    this.#serial(() =>
      this.events.onDone(head.task, { type: "failed", id: head.task.trial.id, error }, w)
    );
    this.#workers[w].terminate();
    const fresh = this.#spawn(w);
    this.#workers[w] = fresh;
    this.#chain.then(() => {
      this.#queues[w].shift();
      for (const q of this.#queues[w]) {
        fresh.postMessage({ type: "run", task: q.task } satisfies ToWorker);
      }
      return this.#fill(w);
    });
  }
}
