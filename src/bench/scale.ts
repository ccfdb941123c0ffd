// Scale benchmark: a sweep of thousands of tiny trials (each trains in milliseconds) in a
// fresh process, and the share of its wall time spent outside training: claims, records,
// checkpoints, CSV files and the zarr store, messages between threads.
import { median } from "./_stats.ts";

const CHILD = new URL("./_scale_child.ts", import.meta.url).pathname;

interface ScaleRun {
  wall: number;
  load: number;
  trialSeconds: number;
}

/** One scale sweep in a fresh process, its records synced as `durability` says. */
function scaleRun(file: string, durability: string): ScaleRun {
  const out = Deno.makeTempDirSync({ prefix: "netsweep-bench-scale-out-" });
  try {
    const r = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", CHILD, file, out, durability],
      stdout: "piped",
      stderr: "inherit",
    }).outputSync();
    if (!r.success) throw new Error("scale benchmark child failed");
    return JSON.parse(new TextDecoder().decode(r.stdout));
  } finally {
    Deno.removeSync(out, { recursive: true });
  }
}

/** Runs the scale sweep `runs` times with `trials` trials on 2 workers; prints the overhead. */
export function benchScale(runs: number, trials: number): void {
  const dir = Deno.makeTempDirSync({ prefix: "netsweep-bench-scale-" });
  const file = `${dir}/scale.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "scale",
      base: { sizes: [784, 10, 10], trainSize: 500, epochs: 1, eta: 3, monitor: ["testAccuracy"] },
      repeats: trials,
    }),
  );
  console.log(
    `\nScale: ${trials} trials of [784,10,10] on 500 images, 1 epoch, test accuracy on 10,000 images; 2 workers, fresh process, median of ${runs}, the three --sync modes alternating`,
  );
  const modes = ["each", "auto", "none"] as const;
  const results = new Map<string, ScaleRun[]>(modes.map((m) => [m, []]));
  for (let round = 0; round < runs; round++) {
    for (const mode of modes) results.get(mode)!.push(scaleRun(file, mode));
  }
  console.log("--sync  wall s  data load s  training per worker s  outside training");
  for (const mode of modes) {
    const rs = results.get(mode)!;
    const wall = median(rs.map((r) => r.wall));
    const training = median(rs.map((r) => r.trialSeconds / 2));
    const load = median(rs.map((r) => r.load));
    const outside = median(rs.map((r) => 1 - r.trialSeconds / 2 / (r.wall - r.load)));
    console.log(
      `${mode.padEnd(6)} ${wall.toFixed(1).padStart(7)} ${load.toFixed(2).padStart(12)} ${
        training.toFixed(1).padStart(22)
      } ${(100 * outside).toFixed(1).padStart(16)}%`,
    );
  }
  Deno.removeSync(dir, { recursive: true });
}
