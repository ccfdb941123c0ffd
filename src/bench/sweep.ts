// Sweep benchmark: a 4-trial sweep on the real MNIST with 1 and with 2 workers, in fresh
// processes: wall time and peak memory (the workers share one copy of the dataset).
import { median } from "./_stats.ts";

const CHILD = new URL("./_sweep_child.ts", import.meta.url).pathname;

function run(file: string, workers: number): { seconds: number; peakBytes: number } {
  const out = Deno.makeTempDirSync({ prefix: "netsweep-bench-" });
  try {
    const r = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, file, out, String(workers)],
      stdout: "piped",
      stderr: "inherit",
    })
      .outputSync();
    if (!r.success) throw new Error("sweep benchmark child failed");
    return JSON.parse(new TextDecoder().decode(r.stdout));
  } finally {
    Deno.removeSync(out, { recursive: true });
  }
}

/** Runs the 4-trial sweep `runs` times per worker count and prints medians and ratios. */
export function benchSweep(runs: number, epochs = 10): void {
  const dir = Deno.makeTempDirSync({ prefix: "netsweep-bench-exp-" });
  const file = `${dir}/bench.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "bench",
      base: { sizes: [784, 30, 10], epochs },
      grid: { eta: [0.1, 0.5, 1.0, 3.0] },
    }),
  );
  console.log(
    `\nSweep: 4 trials x ${epochs} epochs of [784,30,10] on 50,000 images, fresh process, median of ${runs}`,
  );
  const one = Array.from({ length: runs }, () => run(file, 1));
  const two = Array.from({ length: runs }, () => run(file, 2));
  const t1 = median(one.map((r) => r.seconds));
  const t2 = median(two.map((r) => r.seconds));
  const m1 = median(one.map((r) => r.peakBytes));
  const m2 = median(two.map((r) => r.peakBytes));
  console.log("workers  wall s  peak MB");
  console.log(`      1 ${t1.toFixed(2).padStart(7)} ${(m1 / 1e6).toFixed(0).padStart(8)}`);
  console.log(`      2 ${t2.toFixed(2).padStart(7)} ${(m2 / 1e6).toFixed(0).padStart(8)}`);
  console.log(
    `2 workers / 1 worker: wall ${(t2 / t1).toFixed(2)}x, peak memory ${(m2 / m1).toFixed(2)}x`,
  );
  Deno.removeSync(dir, { recursive: true });
}

/** One conv trial in `processes` fresh processes at once, each sweeping on `workers` workers. */
async function convRound(file: string, workers: number, processes: number): Promise<number> {
  const outs = Array.from(
    { length: processes },
    () => Deno.makeTempDirSync({ prefix: "netsweep-bench-conv-" }),
  );
  try {
    const start = performance.now();
    const results = await Promise.all(outs.map((out) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CHILD, file, out, String(workers)],
        stdout: "piped",
        stderr: "inherit",
      }).output()
    ));
    if (results.some((r) => !r.success)) throw new Error("conv benchmark child failed");
    return (performance.now() - start) / 1000;
  } finally {
    for (const out of outs) Deno.removeSync(out, { recursive: true });
  }
}

/**
 * One trial, two workers: network3's conv-pool net (mini-batch 10) alone on 1 worker, on 2
 * (the idle worker joins it as a helper thread, model/team.ts), and the machine's own
 * two-process speed-up (two such 1-worker sweeps at once), in alternating rounds.
 */
export async function benchConvTeam(runs: number, images = 10_000): Promise<void> {
  const dir = Deno.makeTempDirSync({ prefix: "netsweep-bench-exp-" });
  const file = `${dir}/conv.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "conv",
      dataset: { split: "nielsen", scale: 256 },
      base: {
        layers: [{ type: "conv", maps: 20, kernel: 5 }, { type: "pool", size: 2 }, {
          type: "dense",
          size: 100,
        }, { type: "dense", size: 10 }],
        activation: "sigmoid",
        cost: "log-likelihood",
        init: "network3",
        eta: 0.1,
        miniBatchSize: 10,
        sampling: "sequential",
        epochs: 1,
        trainSize: images,
        monitor: ["testAccuracy"],
      },
    }),
  );
  console.log(
    `\nOne conv trial (network3 conv-pool, mini-batch 10, ${images} images, 1 epoch), fresh process, median of ${runs} alternating rounds`,
  );
  const one: number[] = [], two: number[] = [], pair: number[] = [];
  for (let r = 0; r < runs; r++) {
    one.push(await convRound(file, 1, 1));
    two.push(await convRound(file, 2, 1));
    pair.push(await convRound(file, 1, 2));
  }
  const t1 = median(one), t2 = median(two), tp = median(pair);
  const machine = (2 * t1) / tp;
  const team = t1 / t2;
  console.log(
    `1 worker ${t1.toFixed(2)} s, 2 workers ${t2.toFixed(2)} s: ${team.toFixed(2)}x faster`,
  );
  console.log(
    `two 1-worker processes at once ${tp.toFixed(2)} s: the machine's two-process speed-up ${
      machine.toFixed(2)
    }x; one trial on 2 workers gets ${(team / machine).toFixed(2)} of it`,
  );
  Deno.removeSync(dir, { recursive: true });
}
