/**
 * A running sweep's bookkeeping in its results directory: the trial records as they stand
 * (read once, then kept up to date from the workers' events and re-read from disk, where
 * other processes write theirs), the claims, and the derived files (`trials.csv`,
 * `epochs.csv`, `sweep.zarr`) rebuilt from the records at intervals that keep their cost under
 * a twentieth of the run, and at the end. Per trial, nothing here costs more than O(1).
 *
 * @module
 */
import { join } from "node:path";
import { NetsweepError } from "../core/mod.ts";
import { Claims, ioError, processGone, withLock, writeFileAtomic } from "../coordination/mod.ts";
import {
  type ExperimentMeta,
  isComplete,
  parseRecord,
  readMetas,
  readRecords,
  type RecordCache,
  recordFile,
  recordsDigest,
  recordText,
  storeDigest,
  storeOrder,
  type TrialRecord,
  type TrialStatus,
  writeCsvs,
  writeMeta,
  writeStore,
} from "../store/mod.ts";
import type { Task } from "./_messages.ts";
import { runningRecord } from "./_running.ts";

/** The derived files' share of a run's time, at most. */
const REFRESH_SHARE = 20;

/** The bookkeeping of one process's run of a sweep. */
export class SweepOutput {
  readonly dir: string;
  readonly claims: Claims;
  /** Every trial record of the directory, by id, as last read or reported. */
  records = new Map<string, TrialRecord>();
  /** Files in `trials/` that are not usable records, named with why. */
  skipped: string[] = [];
  readonly #cache: RecordCache = new Map();
  #metas = new Map<string, ExperimentMeta>();
  #last = 0;
  #cost = 0;
  readonly #minInterval: number;

  private constructor(dir: string, minIntervalMs: number) {
    this.dir = dir;
    this.claims = new Claims(dir);
    this.#minInterval = minIntervalMs;
  }

  /**
   * Opens `dir` for a run of the experiment `meta` describes: reads its records, refuses
   * format-1 records (netsweep 0.1's), writes the experiment's file and starts the heartbeat.
   */
  static async open(dir: string, meta: ExperimentMeta, minIntervalMs = 5000): Promise<SweepOutput> {
    const out = new SweepOutput(dir, minIntervalMs);
    try {
      await Deno.mkdir(join(dir, "trials"), { recursive: true });
    } catch (err) {
      throw ioError(join(dir, "trials"), err);
    }
    await out.#read();
    const old = [...out.records.values()].filter((r) => r.format < 2).length;
    if (old > 0) {
      throw new NetsweepError(
        dir,
        `holds ${old} trial records of netsweep 0.1 (format 1, trials/<id>.json), whose seeds depended on epochs and monitor; give another --out, or move ${
          join(dir, "trials")
        } aside (compare and plot still read them)`,
      );
    }
    await writeMeta(dir, meta);
    out.claims.start();
    return out;
  }

  async #read(): Promise<void> {
    const since = this.#changes;
    const { records, skipped } = await readRecords(this.dir, this.#cache);
    // This process's running trials, and those it updated while the files were being read (a
    // trial that started and ended meanwhile may be missing from, or older in, what was read):
    // what the workers reported is at least as new.
    for (const [id, change] of this.#changed) {
      const mine = this.records.get(id);
      if (mine && (change > since || this.#running.has(id))) records.set(id, mine);
    }
    this.records = records;
    this.skipped = skipped;
    this.#metas = await readMetas(this.dir);
  }

  /** Reads the records again (other processes' trials advance only on disk). */
  reload(): Promise<void> {
    return this.#read();
  }

  readonly #running = new Set<string>();
  /** Per trial this process updated, the count of updates at its last one. */
  readonly #changed = new Map<string, number>();
  #changes = 0;

  #touch(id: string): void {
    this.#changed.set(id, ++this.#changes);
  }

  /** A running trial of this process ended (its record on disk has its outcome). */
  finished(id: string): void {
    this.#running.delete(id);
    this.#touch(id);
  }

  /** True when trial `id`'s record says it needs no more training. */

  complete(id: string): boolean {
    const r = this.records.get(id);
    return r !== undefined && isComplete(r.status);
  }

  /**
   * Trial `id`'s record as it is on disk now, when it is further on than the one in memory
   * (another process trained it since this one read the records), else the one in memory.
   * Called after taking a trial's claim, before handing it to a worker.
   */
  latest(id: string): TrialRecord | undefined {
    const mine = this.records.get(id);
    const path = recordFile(this.dir, id);
    let disk: TrialRecord | null = null;
    try {
      disk = parseRecord(Deno.readTextFileSync(path), path);
    } catch { /* not written yet */ }
    const ahead = disk !== null && disk.format === 2 &&
      (!mine || disk.epochs.length > mine.epochs.length ||
        (isComplete(disk.status) && !isComplete(mine.status)));
    if (!ahead) return mine;
    this.records.set(id, disk!);
    this.#touch(id);
    return disk!;
  }

  /** A task started on a worker, continuing after `from` kept epochs. */
  started(task: Task, from: number): TrialRecord {
    const t = task.trial;
    this.#running.add(t.id);
    this.#touch(t.id);
    const old = this.records.get(t.id);
    const rec = runningRecord(task, old ? old.epochs.slice(0, from) : []);
    rec.updatedAt = new Date().toISOString();
    this.records.set(t.id, rec);
    return rec;
  }

  /**
   * Sets trial `id`'s status in its record file (read back from disk, the source of truth, so
   * epochs a worker wrote but had not yet reported are kept).
   */
  async mark(id: string, status: TrialStatus, extra: Partial<TrialRecord> = {}): Promise<void> {
    const path = recordFile(this.dir, id);
    let rec: TrialRecord | null = null;
    try {
      rec = parseRecord(await Deno.readTextFile(path), path);
    } catch { /* never written */ }
    rec ??= this.records.get(id) ?? null;
    if (!rec) return;
    // A trial whose outcome reached its record first keeps it (it finished as the sweep stopped).
    if (status === "interrupted" && isComplete(rec.status)) {
      this.records.set(id, rec);
      this.#touch(id);
      return;
    }

    Object.assign(rec, extra, { status, updatedAt: new Date().toISOString() });
    delete rec.damaged;
    await writeFileAtomic(path, recordText(rec));
    this.records.set(id, rec);
    this.#touch(id);
  }

  /**
   * Rebuilds the CSV files and the zarr store from the records on disk when it is time (or
   * `force`): at most every `minIntervalMs`, and spaced so that the rebuilds take at most a
   * twentieth of the run. Several processes take turns under the directory's lock. The store
   * is rebuilt when its digest differs from the records, or always with `rebuildStore` (the
   * end of a run: a damaged chunk with a current digest is repaired too).
   */
  async refresh(force = false, rebuildStore = false): Promise<void> {
    if (force) await this.#pending;
    if (this.#failure) {
      const err = this.#failure;
      this.#failure = null;
      throw err;
    }
    const now = Date.now();

    if (!force && now - this.#last < Math.max(this.#minInterval, REFRESH_SHARE * this.#cost)) {
      return;
    }
    const start = performance.now();
    await withLock(join(this.dir, ".lock"), async () => {
      await this.#read();
      const ordered = storeOrder(this.records.values());
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

  /** Records in store order. */
  ordered(): TrialRecord[] {
    return storeOrder(this.records.values());
  }

  /** Removes temporary files that this process or a dead one left (a write cut short). */
  async cleanUp(): Promise<void> {
    try {
      for await (const e of Deno.readDir(join(this.dir, "trials"))) {
        const m = /\.(\d+)\.\d+\.tmp$/.exec(e.name);
        if (m && (Number(m[1]) === Deno.pid || processGone(Number(m[1])))) {
          await Deno.remove(join(this.dir, "trials", e.name)).catch(() => {});
        }
      }
    } catch { /* no directory */ }
  }
}
