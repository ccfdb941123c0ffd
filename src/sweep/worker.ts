// A sweep worker: receives the shared dataset once, then tasks. For each it resumes the trial
// from its checkpoint (or starts it), appends every finished epoch to the trial's record and
// writes checkpoints as it goes (so a killed process loses only the epoch in progress), and
// posts each epoch to the main thread.
/// <reference lib="deno.worker" />
import { type Dataset, limitTraining } from "../data/mod.ts";
import { deriveSeed, NetsweepError, Rng } from "../core/mod.ts";
import { Network } from "../model/mod.ts";
import { train, type TrainState } from "../train/mod.ts";
import { density } from "../data/mod.ts";
import { hostname, writeFileAtomicSync } from "../coordination/mod.ts";
import {
  parseRecord,
  RECORD_FORMAT,
  recordFile,
  RecordLog,
  recordText,
  type TrialRecord,
} from "../store/mod.ts";
import { checkpointFile, readCheckpoint, writeCheckpoint } from "./checkpoints.ts";
import { networkOptions, trainOptions } from "./trial_network.ts";
import type { Task, ToMain, ToWorker } from "./_messages.ts";
import { runningRecord } from "./_running.ts";

let data: Dataset | null = null;
let stop: Int32Array | null = null;
let dir = "";
/** The input kernel, chosen once for the shared dataset. */
let kernel: "sparse" | "dense" = "sparse";
const host = hostname();

function post(msg: ToMain): void {
  self.postMessage(msg);
}

/** What the trial's files hold: its finished epochs and the state to continue from. */
function resumePoint(task: Task, text: string): { record: TrialRecord; state: TrainState | null } {
  const t = task.trial;
  let existing: TrialRecord | null = null;
  try {
    if (text.length > 0) existing = parseRecord(text, recordFile(dir, t.id));
  } catch { /* damaged: run again */ }
  const state = existing && existing.format === RECORD_FORMAT
    ? readCheckpoint(checkpointFile(dir, t.id))
    : null;
  // The checkpoint is usable when the log has every epoch before it (the log is written first).
  const usable = state !== null && existing !== null && state.epoch <= existing.epochs.length;
  const record = runningRecord(task, usable ? existing!.epochs.slice(0, state!.epoch) : []);
  record.host = host;
  record.pid = Deno.pid;
  return { record, state: usable ? state : null };
}

function run(task: Task): void {
  // A task queued before the sweep was stopped is not started.
  if (Atomics.load(stop!, 0) !== 0) return;
  const began = performance.now();
  const t = task.trial;

  const s = t.setting;
  const path = recordFile(dir, t.id);
  let { text, log } = RecordLog.open(path);
  const { record, state } = resumePoint(task, text);
  const from = record.epochs.length;
  // The record restarts from what is kept: header, kept epochs, "running". A record that
  // existed is rewritten atomically; a new one is written in place (a torn first line is an
  // unstarted trial to every reader): a trial's first start costs one open, not a failed read,
  // a temporary file and a rename.
  record.updatedAt = new Date().toISOString();
  if (text.length > 0) {
    log.close();
    writeFileAtomicSync(path, recordText(record));
    log = new RecordLog(path);
  } else {
    log.writeText(recordText(record));
  }
  post({ type: "start", id: t.id, from });
  const ckpt = checkpointFile(dir, t.id);
  try {
    const all = data!;
    const trialData = s.trainSize === null ? all : limitTraining(all, s.trainSize);
    const net = new Network(networkOptions(s, all)).initialize(new Rng(t.seed), s.init, s.initStd);
    // Checkpoints as often as they cost at most a twentieth of the training: every epoch,
    // unless the network is large and its epochs short. Before the first write, its cost is
    // estimated from the network's size.
    let lastWrite = performance.now();
    let writeSeconds = 3e-4 + (12 * net.parameterCount) / 5e8;

    let saved = from;
    let last: (() => TrainState) | null = null;
    let lastEpoch = from;
    const result = train(
      net,
      trialData,
      trainOptions(s, deriveSeed(t.seed, "sgd"), kernel),
      (metrics) => {
        log.write(metrics);
        post({ type: "epoch", id: t.id, metrics });
        return Atomics.load(stop!, 0) === 0 && metrics.epoch + 1 < task.until;
      },
      {
        resume: state ?? undefined,
        checkpoint(snapshot, epoch) {
          last = snapshot;
          lastEpoch = epoch;
          const now = performance.now();
          // The last epoch's state is written (or not) by the rule below, once sgd returns.
          if (epoch < task.until && (now - lastWrite) / 1000 >= 20 * writeSeconds) {
            writeSeconds = writeCheckpoint(ckpt, snapshot());
            lastWrite = performance.now();
            saved = epoch;
          }
        },
      },
    );
    // The state at the end: where a paused or stopped trial continues, and the trained network
    // (unless the trial was so short that writing it would cost more than 2% of it).
    const trialSeconds = (performance.now() - began) / 1000;
    const worth = result.status === "done" || result.status === "early-stopped"
      ? trialSeconds >= 50 * writeSeconds
      : result.status !== "diverged";
    if (worth && last && saved !== lastEpoch) writeCheckpoint(ckpt, (last as () => TrainState)());
    const stopped = Atomics.load(stop!, 0) !== 0;
    const status = result.status === "interrupted"
      ? (stopped ? "interrupted" : "paused")
      : result.status;
    log.write({
      status,
      at: new Date().toISOString(),
      ...(result.divergedEpoch !== undefined ? { divergedEpoch: result.divergedEpoch } : {}),
      ...(result.stoppedBy ? { stoppedBy: result.stoppedBy } : {}),
      kernel: result.kernel,
    });
    post({
      type: "done",
      id: t.id,
      status,
      divergedEpoch: result.divergedEpoch,
      stoppedBy: result.stoppedBy,
      kernel: result.kernel,
    });
    // The next trial of this worker reuses the network's memory: the network is done with.
    net.engine.arena.recycle();
  } finally {
    log.close();
  }
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === "init") {
    ({ data, stop, dir } = msg);
    kernel = density(data!.training) < 0.5 ? "sparse" : "dense";
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
