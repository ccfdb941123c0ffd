// A sweep worker: receives the shared dataset once, then tasks. For each it resumes the trial
// from its checkpoint (or starts it), appends every finished epoch to the trial's record,
// writes checkpoints as it goes, and posts each epoch to the main thread. Between epochs it
// checks that its run still holds the trial's claim, and stops at once when it does not.
// Every write to the sweep's folder is made inside the stop gate: once the sweep is stopped
// the worker writes nothing more, and the main thread sums up records that stay as they are.
/// <reference lib="deno.worker" />
import { adoptRun, claimStillHeld, thisRun, writeFileAtomicSync } from "../coordination/mod.ts";
import { deriveSeed, NetsweepError, Rng } from "../core/mod.ts";
import { type Dataset, density, limitTraining } from "../data/mod.ts";
import { type KernelTeam, Network, serveTeam } from "../model/mod.ts";
import { resolvedInit } from "../experiment/mod.ts";
import {
  type Durability,
  parseRecord,
  RECORD_FORMAT,
  recordFile,
  RecordLog,
  recordText,
  Syncer,
  type TrialRecord,
} from "../store/mod.ts";
import { train, type TrainState } from "../train/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import type { Task, ToMain, ToWorker } from "./_messages.ts";
import { runningRecord } from "./running_record.ts";
import { checkpointFile, checkpointFor, readCheckpoint, writeCheckpoint } from "./checkpoints.ts";
import { networkOptions, trainOptions } from "./trial_network.ts";
import { PredictionKeeper } from "./predictions.ts";
import { StopGate } from "./_stop_gate.ts";

let data: Dataset | null = null;
let gate = new StopGate();
let dir = "";
let durability: Durability = "auto";
let syncer = new Syncer("auto");
/** The input kernel, chosen once for the shared dataset. */
let kernel: "sparse" | "dense" = "sparse";

function post(msg: ToMain): void {
  self.postMessage(msg);
}

const stopped = () => gate.stopped;

/**
 * Where the trial continues: the epochs its record keeps (up to the task's end) and the
 * checkpoint to resume from. Epochs between the checkpoint and the record's end are trained
 * again without being written (the numbers are the same); without a usable checkpoint the
 * run starts from the beginning, the record's epochs kept as they are.
 */
function resumePoint(
  task: Task,
  text: string,
): { kept: EpochMetrics[]; state: TrainState | null; attempts?: number } {
  const t = task.trial;
  let existing: TrialRecord | null = null;
  try {
    if (text.length > 0) existing = parseRecord(text, recordFile(dir, t.id));
  } catch { /* not a record netsweep wrote: trained again from nothing */ }
  if (!existing || existing.format !== RECORD_FORMAT) return { kept: [], state: null };
  const kept = existing.epochs.slice(0, task.until);
  const read = readCheckpoint(checkpointFile(dir, t.id), checkpointFor(t.id, t.seed));
  if (read.state === null && read.problem !== null) {
    post({
      type: "note",
      id: t.id,
      text:
        `${read.problem}; trial ${t.index} continues from the ${kept.length} epochs of its record`,
    });
  }
  // The log is written before the checkpoint: a checkpoint past the log is not this log's.
  const state = read.state && read.state.epoch <= kept.length ? read.state : null;
  return { kept, state, attempts: existing.attempts };
}

/** Writes the record's restart (header, kept epochs, "running"); returns the open log. */
function restart(task: Task, text: string, log: RecordLog, record: TrialRecord): RecordLog {
  const path = recordFile(dir, task.trial.id);
  const me = thisRun();
  Object.assign(record, { run: me.run, host: me.host, pid: me.pid });
  record.updatedAt = new Date().toISOString();
  // A record that existed is rewritten atomically; a new one is written in place (a torn first
  // line is an unstarted trial to every reader): a first start costs one open.
  if (text.length === 0) {
    log.writeText(recordText(record));
    return log;
  }
  log.close();
  // A rewrite replaces the record: it reaches the disk before the rename makes it the record.
  writeFileAtomicSync(path, recordText(record), { durable: durability !== "none" });
  return new RecordLog(path, syncer);
}

/** A started trial: its open log, the epochs it keeps, the state it continues from. */
interface Begun {
  log: RecordLog;
  kept: EpochMetrics[];
  state: TrainState | null;
  record: TrialRecord;
}

/**
 * Opens the trial's record (which creates it) and writes its restart, inside the stop gate:
 * undefined, with nothing written, once the sweep is stopped.
 */
function begin(task: Task): Begun | undefined {
  if (!gate.enter()) return undefined;
  try {
    const opened = RecordLog.open(recordFile(dir, task.trial.id), syncer);
    const { kept, state, attempts } = resumePoint(task, opened.text);
    const record = runningRecord(task, kept);
    if (attempts) record.attempts = attempts;
    return { log: restart(task, opened.text, opened.log, record), kept, state, record };
  } finally {
    gate.leave();
  }
}

function run(task: Task): void {
  const began = performance.now();
  const t = task.trial;
  const s = t.setting;
  // A task queued before the sweep was stopped is not started.
  const begun = begin(task);
  if (!begun) return;
  const { log, kept, state, record } = begun;
  post({ type: "start", id: t.id, from: kept.length });
  const ckpt = checkpointFile(dir, t.id);
  const about = checkpointFor(t.id, t.seed);
  const durable = durability === "each";
  let team: KernelTeam | null = null;
  try {
    const all = data!;
    const trialData = s.trainSize === null ? all : limitTraining(all, s.trainSize);
    const net = new Network(networkOptions(s, all)).initialize(
      new Rng(t.seed),
      resolvedInit(s),
      s.initStd,
    );
    team = net.engine.team;
    // An idle worker may join this network's kernels as a second thread (numbers unchanged).
    if (net.engine.splitsWork) post({ type: "team", id: t.id, share: team.share() });
    // Before a checkpoint is restored: the first layer as initialised, for its pictures.
    const keeper = new PredictionKeeper(
      dir,
      t,
      all,
      net,
      kept,
      state?.epoch ?? 0,
      durable,
      (write) => gate.write(write),
    );
    // Checkpoints as often as they cost at most a twentieth of the training: every epoch,
    // unless the network is large and its epochs short. Before the first write, its cost is
    // estimated from the network's size.
    let lastWrite = performance.now();
    let writeSeconds = 3e-4 + (12 * net.parameterCount) / 5e8;
    let saved = state?.epoch ?? 0;
    let last: (() => TrainState) | null = null;
    let lastEpoch = saved;
    let lost = false;
    const result = train(
      net,
      trialData,
      trainOptions(s, deriveSeed(t.seed, "sgd"), kernel),
      (metrics) => {
        // Epochs before the record's end are in it already: trained again, not written.
        if (metrics.epoch >= kept.length) {
          if (!claimStillHeld(dir, t.id, task.claim)) {
            lost = true;
            return false;
          }
        }
        if (metrics.epoch >= kept.length) {
          // Stopped: this epoch is not kept, and nothing after it (its checkpoint included).
          if (!gate.write(() => log.write(metrics))) return false;
          post({ type: "epoch", id: t.id, metrics });
        }
        // After the epoch's line: a snapshot is never of an epoch its record does not have.
        keeper.epoch(net, metrics);
        return !stopped() && metrics.epoch + 1 < task.until;
      },
      {
        resume: state ?? undefined,
        checkpoint(snapshot, epoch) {
          if (lost) return;
          last = snapshot;
          lastEpoch = epoch;
          const now = performance.now();
          // The last epoch's state is written (or not) by the rule below, once train returns.
          if (epoch < task.until && (now - lastWrite) / 1000 >= 20 * writeSeconds) {
            const state = snapshot();
            if (!gate.write(() => writeSeconds = writeCheckpoint(ckpt, state, about, durable))) {
              return;
            }
            lastWrite = performance.now();
            saved = epoch;
          }
        },
      },
    );
    if (lost) return post({ type: "lost", id: t.id });
    // The state at the end: where a paused or stopped trial continues, and the trained network
    // (unless the trial was so short that writing it would cost more than 2% of it).
    const trialSeconds = (performance.now() - began) / 1000;
    const worth = result.status === "done" || result.status === "early-stopped"
      ? trialSeconds >= 50 * writeSeconds
      : result.status !== "diverged";
    if (worth && last && saved !== lastEpoch) {
      const state = (last as () => TrainState)();
      gate.write(() => writeCheckpoint(ckpt, state, about, durable));
    }
    const status = result.status === "interrupted"
      ? (stopped() ? "interrupted" : "paused")
      : result.status;
    keeper.finish(net, status);
    // Stopped: the main thread writes "interrupted" itself once no worker is inside a write.
    gate.write(() =>
      log.write({
        status,
        at: new Date().toISOString(),
        ...(result.divergedEpoch !== undefined ? { divergedEpoch: result.divergedEpoch } : {}),
        ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
        ...(record.attempts ? { attempts: record.attempts } : {}),
        kernel: result.kernel,
      })
    );
    post({
      type: "done",
      id: t.id,
      status,
      divergedEpoch: result.divergedEpoch,
      stoppedBy: result.stoppedBy,
      kernel: result.kernel,
    });
    // The next trial of this worker reuses the network's memory: the network is done with.
    team.close();
    net.engine.arena.recycle();
  } finally {
    team?.close(); // its helper, if any, goes back to the pool
    log.close();
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === "init") {
    ({ data, dir, durability } = msg);
    gate = new StopGate(msg.gate);
    syncer = new Syncer(durability);
    adoptRun(msg.run);
    kernel = density(data!.training) < 0.5 ? "sparse" : "dense";
    return;
  }
  if (msg.type === "help") {
    // Blocks this worker until the trial ends or the pool wants it back; says so whatever happens.
    let end = "failed";
    try {
      end = serveTeam(msg.share);
    } finally {
      post({ type: "helped", id: end });
    }
    return;
  }
  const id = msg.task.trial.id;
  try {
    run(msg.task);
  } catch (err) {
    if (err instanceof NetsweepError) {
      post({ type: "io-error", id, error: err.message });
    } else {
      post({ type: "failed", id, error: err instanceof Error ? err.message : String(err) });
    }
  }
};
