/**
 * `deno task sweep --plan`: what a run would do, checked as the run checks it (the same plan:
 * the experiment, the data, every network's shapes and memory), with each distinct network,
 * each trial and its planned epochs, a legend, the total, and an estimated time from a short
 * measured probe of each network on this machine (labelled as an estimate).
 *
 * @module
 */
import { limitTraining } from "../data/mod.ts";
import {
  describeSetting,
  selectShard,
  type Setting,
  type Shard,
  varyingKeys,
} from "../experiment/mod.ts";
import { Network } from "../model/mod.ts";
import { resolvedInit } from "../experiment/mod.ts";
import { Rng } from "../core/mod.ts";
import { train } from "../train/mod.ts";
import { duration } from "../vocabulary/mod.ts";
import type { SweepPlan } from "./plan.ts";
import { workerCount } from "./runner.ts";
import { networkOptions, trainOptions } from "./trial_network.ts";

/** What a network costs per training example and per evaluated example, measured. */
export interface Probe {
  trainSeconds: number;
  evalSeconds: number;
}

/** The shortest pass that the probe times (the whole probe takes about twice that). */
const PROBE_SECONDS = 0.2;

/** Measures a setting's network: a few mini-batches of training, then an evaluation. */
export function probe(plan: SweepPlan, s: Setting): Probe {
  const data = plan.data;
  const net = new Network(networkOptions(s, data)).initialize(
    new Rng(1),
    resolvedInit(s),
    s.initStd,
  );
  // Training alone: nothing monitored, no schedule, one pass over the probe's images.
  const options = {
    ...trainOptions({ ...s, epochs: 1, monitor: [] }, 1, "sparse"),
    sampling: "shuffle" as const,
    iterations: undefined,
    earlyStopping: 0,
    etaSchedule: null,
    monitor: { testAccuracy: false },
  };
  const timed = (n: number) => {
    const small = limitTraining(data, n);
    const start = performance.now();
    train(net, small, options);
    return (performance.now() - start) / 1000;
  };
  timed(Math.min(data.training.count, 4 * s.miniBatchSize)); // the kernels warm up
  // Doubling until one pass is long enough to time: its cost per example is the estimate.
  let trainSeconds = 0;
  for (let n = 16 * s.miniBatchSize;; n *= 2) {
    n = Math.min(n, data.training.count);
    const seconds = timed(n);
    trainSeconds = seconds / n;
    if (seconds >= PROBE_SECONDS || n === data.training.count) break;
  }
  const test = { ...data.test, count: Math.min(1000, data.test.count) };
  net.evaluate({ ...test, count: Math.min(100, test.count) }); // warm-up
  const start = performance.now();
  net.evaluate(test);
  const evalSeconds = (performance.now() - start) / 1000 / test.count;
  net.engine.arena.recycle();
  return { trainSeconds, evalSeconds };
}

/** Images evaluated per monitored epoch of a setting. */
function evaluated(plan: SweepPlan, s: Setting): number {
  const d = plan.data;
  let n = 0;
  for (const m of s.monitor) {
    if (m === "testAccuracy" || m === "testCost") n += d.test.count;
    if ((m === "validationAccuracy" || m === "validationCost") && d.validation) {
      n += d.validation.count;
    }
    if (m === "trainingAccuracy" || m === "trainingCost") n += d.training.count;
  }
  return n / s.monitorEvery;
}

/** The lines `--plan` prints for `plan` (this process's `shard`, `workers` asked for). */
export function planLines(plan: SweepPlan, shard?: Shard, workersAsked?: number): string[] {
  const { experiment, trials, data } = plan;
  const varying = varyingKeys(trials);
  const mine = new Set(selectShard(trials, shard).map((t) => t.id));
  const lines = [
    `${experiment.name}: ${trials.length} trials on ${plan.meta.dataset}${
      shard ? ` (shard ${shard.index}/${shard.count}: ${mine.size})` : ""
    }; ${data.training.count} training images`,
  ];
  const networks = new Map<string, { letter: string; probe: Probe }>();
  const networkOf = (s: Setting) => {
    const key = JSON.stringify(networkOptions(s, data)) + `/${s.miniBatchSize}/${s.optimizer}`;
    let n = networks.get(key);
    if (!n) {
      const net = new Network(networkOptions(s, data));
      const letter = String.fromCharCode(65 + (networks.size % 26)) +
        (networks.size >= 26 ? String(Math.floor(networks.size / 26)) : "");
      lines.push(`network ${letter} (${net.parameterCount.toLocaleString("en-US")} parameters):`);
      for (const line of net.summary()) lines.push(`    ${line}`);
      net.engine.arena.recycle();
      n = { letter, probe: probe(plan, s) };
      networks.set(key, n);
    }
    return n;
  };
  const rows: string[] = [];
  let epochs = 0;
  let seconds = 0;
  for (const t of trials) {
    const s = t.setting;
    const { letter, probe: p } = networkOf(s);
    const planned = plan.planned(s);
    const ours = !shard || mine.has(t.id);
    if (ours) {
      epochs += planned;
      const n = s.trainSize ?? data.training.count;
      seconds += planned * (n * p.trainSeconds + evaluated(plan, s) * p.evalSeconds);
    }
    rows.push(
      `${ours ? "*" : " "} ${String(t.index).padStart(4)}  ${t.id}  ${
        String(planned).padStart(6)
      }  ${letter.padEnd(7)}  ${String(t.repeat).padStart(6)}  ${String(t.seed).padStart(10)}  ${
        describeSetting(s, varying) || "(base)"
      }`,
    );
  }
  const { workers } = workerCount(workersAsked, mine.size);
  lines.push(
    `  trial  id            epochs  network  repeat        seed  setting`,
    ...rows,
    `legend: * a trial this process runs (all of them without --shard); epochs: planned (Saito's iterations as whole epochs); network: as listed above`,
    `total: ${epochs.toLocaleString("en-US")} epochs on ${workers} worker${
      workers === 1 ? "" : "s"
    }; about ${
      duration(seconds / workers)
    } (an estimate from a short timed probe of each network on this machine, evaluation included; not a measurement of the run)`,
  );
  return lines;
}
