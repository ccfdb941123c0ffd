/**
 * Where a sweep's trials stand, as one process sees them: the records on disk, and nothing
 * else. Workers write the records; the main thread reads them, the whole folder now and then
 * (other processes' trials advance only there) and one trial as soon as its worker reports a
 * change. Each read takes a ticket when it starts, and a record read earlier never replaces
 * one read later: a slow folder scan that began before a trial finished cannot bring back its
 * older state.
 *
 * @module
 */
import {
  readRecordFile,
  readRecordFileSync,
  type RecordCache,
  recordPaths,
  type RecordRead,
} from "./record_files.ts";
import { recordFile, type TrialRecord } from "./records.ts";
import { recordComplete } from "./status.ts";
import { storeOrder } from "./zarr_store.ts";

/** The trials of one results folder. */
export class TrialTable {
  readonly #ticketOf = new Map<string, number>();
  readonly #records = new Map<string, TrialRecord>();
  readonly #cache: RecordCache = new Map();
  #tickets = 0;
  /** Files in `trials/` that are not usable records, named with why. */
  skipped: string[] = [];

  constructor(readonly dir: string) {}

  #keep(record: TrialRecord, ticket: number): void {
    const had = this.#records.get(record.id);
    if (had && ((this.#ticketOf.get(record.id) ?? 0) > ticket || had.format > record.format)) {
      return;
    }
    this.#records.set(record.id, record);
    this.#ticketOf.set(record.id, ticket);
  }

  /**
   * Reads every record of the folder (unchanged files from the cache). `afterRead` (tests)
   * runs after each file is read and before its record is kept.
   */
  async reload(afterRead?: (path: string) => void | Promise<void>): Promise<void> {
    const skipped: string[] = [];
    const start = this.#tickets;
    const seen = new Set<string>();
    for (const path of await recordPaths(this.dir)) {
      const ticket = ++this.#tickets;
      let read: RecordRead;
      try {
        read = await readRecordFile(path, this.#cache);
      } catch (err) {
        if (err instanceof Deno.errors.NotFound) continue;
        skipped.push(`${path}: unreadable (${(err as Error).message.split("\n")[0]})`);
        continue;
      }
      await afterRead?.(path);
      if (read.why) skipped.push(read.why);
      if (read.record) {
        seen.add(read.record.id);
        this.#keep(read.record, ticket);
      }
    }
    // A record whose file is gone (renamed to a new id) leaves, unless read since the scan began.
    for (const id of [...this.#records.keys()]) {
      if (!seen.has(id) && (this.#ticketOf.get(id) ?? 0) <= start) {
        this.#records.delete(id);
        this.#ticketOf.delete(id);
      }
    }
    this.skipped = skipped;
  }

  /** Reads trial `id`'s record now (after its worker or another process changed it). */
  refresh(id: string): TrialRecord | undefined {
    const ticket = ++this.#tickets;
    try {
      const read = readRecordFileSync(recordFile(this.dir, id));
      if (read.record) this.#keep(read.record, ticket);
    } catch { /* not written yet, or unreadable: the folder scan names it */ }
    return this.get(id);
  }

  /** Trial `id`'s record as last read. */
  get(id: string): TrialRecord | undefined {
    return this.#records.get(id);
  }

  /** True when trial `id`'s record says it needs no more training (to `planned` epochs). */
  complete(id: string, planned = 0): boolean {
    const r = this.get(id);
    return r !== undefined && recordComplete(r, planned);
  }

  /** Every record, by id. */
  get records(): ReadonlyMap<string, TrialRecord> {
    return this.#records;
  }

  /** Every record in store order. */
  ordered(): TrialRecord[] {
    return storeOrder(this.#records.values());
  }
}
