// A sweep worker: receives the shared dataset once, then trials; trains each with the
// Network core and posts every finished epoch, so nothing finished is lost if it is killed.
/// <reference lib="deno.worker" />
import { type Dataset, limitTraining } from "../data/dataset.ts";
import { Network } from "../network/network.ts";
import { deriveSeed, Rng } from "../network/prng.ts";
import { sgd } from "../network/sgd.ts";
import type { Trial } from "./expand.ts";
import type { ToMain, ToWorker } from "./_messages.ts";

let data: Dataset | null = null;
let stop: Int32Array | null = null;

function post(msg: ToMain): void {
  self.postMessage(msg);
}

/** The dataset a trial trains on: the shared one, its training split cut to `trainSize`. */
function trialData(all: Dataset, trial: Trial): Dataset {
  const n = trial.setting.trainSize;
  return n === null ? all : limitTraining(all, n); // views, with the shared sparse rows
}

function run(trial: Trial): void {
  const s = trial.setting;
  const net = new Network({ sizes: s.sizes, activation: s.activation, cost: s.cost })
    .initialize(new Rng(trial.seed), s.init, s.initStd);
  const monitor = Object.fromEntries(s.monitor.map((m) => [m, true]));
  const result = sgd(
    net,
    trialData(data!, trial),
    {
      eta: s.eta,
      lmbda: s.lmbda,
      miniBatchSize: s.miniBatchSize,
      epochs: s.epochs,
      sampling: s.sampling,
      iterations: s.iterations ?? undefined,
      earlyStopping: s.earlyStopping,
      seed: deriveSeed(trial.seed, "sgd"),
      monitor: { testAccuracy: false, ...monitor },
    },
    (metrics) => {
      post({ type: "epoch", id: trial.id, metrics });
      return Atomics.load(stop!, 0) === 0;
    },
  );
  post({
    type: "done",
    id: trial.id,
    status: result.status,
    divergedEpoch: result.divergedEpoch,
    kernel: result.kernel,
  });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === "init") {
    data = msg.data;
    stop = msg.stop;
    return;
  }
  try {
    run(msg.trial);
  } catch (err) {
    post({
      type: "failed",
      id: msg.trial.id,
      error: err instanceof Error ? err.message : String(err),
    });
  }
};
