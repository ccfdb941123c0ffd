/**
 * Mini-batch stochastic gradient descent as both books run it: for each epoch, for each
 * mini-batch, feedforward, backprop and an optimiser's step; then the monitored metrics, early
 * stopping and the learning-rate schedule. Any epoch's whole state can be captured and a run
 * resumed from it with the same numbers as an uninterrupted one. No console output: metrics go
 * to a callback.
 *
 * @module
 */
import type { Dataset } from "../data/mod.ts";
import type { Network } from "../model/mod.ts";
import type { EpochMetrics } from "../vocabulary/mod.ts";
import { measure } from "./monitor.ts";
import type { TrainControl, TrainOptions, TrainResult, TrainStatus } from "./options.ts";
import { setUpRun } from "./run.ts";

/**
 * Trains `net` on `data.training` (network.py's `SGD`). `onEpoch` receives each epoch's
 * metrics; returning `false` stops the run (status `interrupted`) with every finished epoch
 * kept.
 *
 * @example
 * ```ts
 * import { assertEquals } from "../../tests/_assert.ts";
 * import { loadDataset, Network, Rng, train } from "../../mod.ts";
 * const data = loadDataset({ path: "tests/testdata/mnist.pkl.gz" });
 * const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
 * const result = train(net, data, { eta: 3, miniBatchSize: 10, epochs: 2, seed: 1 });
 * assertEquals([result.status, result.epochs.length], ["done", 2]);
 * ```
 */
export function train(
  net: Network,
  data: Dataset,
  options: TrainOptions,
  onEpoch?: (metrics: EpochMetrics) => boolean | void,
  control: TrainControl = {},
): TrainResult {
  const run = setUpRun(net, data, options, control.resume);
  const { engine, batches, optimizer, stopping, source, stopMetric } = run;
  const labels = data.training.labels;
  const ws = engine.workspace(options.miniBatchSize);
  const pass = { mode: "train" as const, rng: run.dropoutRng };
  const every = options.monitorEvery ?? 1;
  const reg = { lmbda: options.lmbda, l1: options.l1, weightDecay: options.weightDecay };
  const history: EpochMetrics[] = [];
  const end = (status: TrainStatus, extra: Partial<TrainResult> = {}): TrainResult => ({
    status,
    epochs: history,
    kernel: run.kernel,
    ...extra,
  });

  for (let epoch = run.first; epoch < run.epochs; epoch++) {
    const start = performance.now();
    const eta = stopping.eta;
    batches.startEpoch();
    for (let m = batches.next(ws.rows); m > 0; m = batches.next(ws.rows)) {
      engine.forward(ws, source, m, pass); // a = σ(w·a + b), layer by layer (eq. 25)
      engine.backward(ws, labels, m); // δ^L (BP1), then δ^l (BP2)
      optimizer.update(ws, m, eta); // ∂C/∂b, ∂C/∂w (BP3, BP4) and the step
    }
    const metrics: EpochMetrics = {
      epoch,
      eta,
      trainSeconds: (performance.now() - start) / 1000,
      evalSeconds: 0,
    };
    if (!net.isFinite()) return end("diverged", { divergedEpoch: epoch });
    const monitored = (epoch + 1) % every === 0 || epoch === run.epochs - 1;
    if (monitored) {
      const evalStart = performance.now();
      measure(net, run.splits, run.monitor, reg, metrics, {
        kernel: run.kernel,
        images: options.gradientImages ?? 1000,
      });
      metrics.evalSeconds = (performance.now() - evalStart) / 1000;
    }
    history.push(metrics);
    const keepGoing = onEpoch?.(metrics) !== false;
    const stoppedBy = monitored && stopMetric
      ? stopping.observe(epoch, metrics[stopMetric]!)
      : null;
    control.checkpoint?.(() => run.capture(epoch + 1), epoch + 1);
    if (!keepGoing && epoch + 1 < run.epochs) return end("interrupted");
    if (stoppedBy) return end("early-stopped", { stoppedBy });
  }
  return end("done");
}

/**
 * network.py's name for {@linkcode train}.
 *
 * @deprecated Use {@linkcode train}: `sgd` is also the name of an optimiser.
 */
export const sgd: typeof train = train;
