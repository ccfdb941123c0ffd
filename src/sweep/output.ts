/**
 * A running sweep's results folder: its trials as their records stand (a TrialTable: the
 * records on disk are the one place a trial's state lives), this run's coordination with
 * other processes (heartbeat, claims, the derived files' lock), the status changes the main
 * thread makes (a trial failed, interrupted or pruned: one line appended to its record), and
 * the derived files (`trials.csv`, `epochs.csv`, `sweep.zarr`), rebuilt from the records at
 * intervals that keep their cost under a twentieth of the run, and at the end.
 *
 * @module
 */
import { join } from "node:path";
import { Coordinator, ioError, type LeaseHooks, writeFileAtomicSync } from "../coordination/mod.ts";
import { NetsweepError } from "../core/mod.ts";
import {
  appendStatus,
  type Durability,
  type ExperimentMeta,
  readMetas,
  recordFile,
  recordsDigest,
  recordText,
  storeDigest,
  Syncer,
  type TrialRecord,
  type TrialStatus,
  TrialTable,
  writeCsvs,
  writeMeta,
  writeStore,
} from "../store/mod.ts";
import type { Task } from "./_messages.ts";
import { runningRecord } from "./running_record.ts";

/** The derived files' share of a run's time, at most. */
const REFRESH_SHARE = 20;

/** How a sweep's folder is opened. */
export interface OutputOptions {
  /** Least time between two rebuilds of the derived files; default 5 s. */
  refreshMs?: number;
  /** How records reach the disk (see {@linkcode Durability}); default `auto`. */
  durability?: Durability;
  /** Test hooks for the claims' takeover protocol. */
  leaseHooks?: LeaseHooks;
}

/** One run's view of a sweep's results folder. */
export class SweepOutput {
  readonly trials: TrialTable;
  readonly coordinator: Coordinator;
  readonly durability: Durability;
  readonly #syncer: Syncer;
  #metas = new Map<string, ExperimentMeta>();
  #last = 0;
  #cost = 0;
  readonly #minInterval: number;

  private constructor(readonly dir: string, options: OutputOptions) {
    this.trials = new TrialTable(dir);
    this.coordinator = Coordinator.open(dir, options.leaseHooks);
    this.durability = options.durability ?? "auto";
    this.#syncer = new Syncer(this.durability);
    this.#minInterval = options.refreshMs ?? 5000;
  }

  /** This run's claims on the folder's trials. */
  get claims(): Coordinator["claims"] {
    return this.coordinator.claims;
  }

  /**
   * Opens `dir` for a run of the experiment `meta` describes: reads its records, refuses
   * format-1 records (netsweep 0.1's), writes the experiment's file and starts the heartbeat.
   */
  static async open(
    dir: string,
    meta: ExperimentMeta,
    options: OutputOptions = {},
  ): Promise<SweepOutput> {
    try {
      await Deno.mkdir(join(dir, "trials"), { recursive: true });
    } catch (err) {
      throw ioError(join(dir, "trials"), err);
    }
    const out = new SweepOutput(dir, options);
    try {
      await out.reload();
      const old = [...out.trials.records.values()].filter((r) => r.format < 2).length;
      if (old > 0) {
        throw new NetsweepError(
          dir,
          `holds ${old} trial records of netsweep 0.1 (format 1, trials/<id>.json), whose seeds depended on epochs and monitor; give another --out, or move ${
            join(dir, "trials")
          } aside (compare and plot still read them)`,
        );
      }
      await writeMeta(dir, meta);
    } catch (err) {
      out.close();
      throw err;
    }
    return out;
  }

  /** Reads every record again (other processes' trials advance only on disk). */
  async reload(): Promise<void> {
    await this.trials.reload();
    this.#metas = await readMetas(this.dir);
  }

  /** Files in `trials/` that are not usable records, named with why. */
  get skipped(): string[] {
    return this.trials.skipped;
  }

  /**
   * Sets a trial's status, one line appended to its record (a record is created for a trial
   * that never started). Only a trial this run holds, with no worker on it, is marked.
   */
  mark(task: Task, status: TrialStatus, extra: Partial<TrialRecord> = {}): TrialRecord | undefined {
    const id = task.trial.id;
    const now = this.trials.refresh(id);
    // A trial whose outcome reached its record first keeps it (it finished as the sweep stopped).
    if (status === "interrupted" && now && now.status !== "running") return now;
    const path = recordFile(this.dir, id);
    const me = this.coordinator.me;
    const event = {
      status,
      at: new Date().toISOString(),
      run: me.run,
      host: me.host,
      pid: me.pid,
      ...extra,
    };
    if (now) appendStatus(path, event, this.#syncer);
    else {
      const rec = runningRecord(task, []);
      Object.assign(rec, event);
      writeFileAtomicSync(path, recordText(rec), { durable: this.durability !== "none" });
    }
    return this.trials.refresh(id);
  }

  /**
   * Rebuilds the CSV files and the zarr store from the records on disk when it is time (or
   * `force`): at most every `refreshMs`, and spaced so that the rebuilds take at most a
   * twentieth of the run. Several processes take turns under the folder's lock. The store is
   * rebuilt when its digest differs from the records, or always with `rebuildStore` (the end
   * of a run: a damaged chunk with a current digest is repaired too).
   */
  async refresh(force = false, rebuildStore = false): Promise<void> {
    if (force) await this.#pending;
    if (this.#failure) {
      const err = this.#failure;
      this.#failure = null;
      throw err;
    }
    if (
      !force && Date.now() - this.#last < Math.max(this.#minInterval, REFRESH_SHARE * this.#cost)
    ) {
      return;
    }
    const start = performance.now();
    await this.coordinator.withLock(async () => {
      await this.reload();
      const ordered = this.trials.ordered();
      await writeCsvs(this.dir, ordered);
      const store = join(this.dir, "sweep.zarr");
      if (rebuildStore || (await storeDigest(store)) !== recordsDigest(ordered)) {
        await writeStore(store, ordered, this.#metas);
      }
    });
    this.#cost = performance.now() - start;
    this.#last = Date.now();
  }

  #pending: Promise<void> | null = null;
  /** The last background refresh's failure, rethrown by the next {@linkcode refresh}. */
  #failure: unknown = null;

  /** {@linkcode refresh} in the background, one at a time; a failure surfaces at the next. */
  refreshSoon(): void {
    if (this.#pending) return;
    this.#pending = this.refresh().catch((err) => void (this.#failure = err)).finally(
      () => (this.#pending = null),
    );
  }

  /** Releases this run's claims, removes what dead runs left, and ends the heartbeat. */
  close(): void {
    this.#syncer.flush();
    this.coordinator.close();
  }
}
