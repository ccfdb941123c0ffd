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
