// Training benchmark: seconds per epoch of mini-batch SGD on the real MNIST (50,000 images),
// one thread, beside a fully matrix-based numpy implementation run in the same process tree.
import { loadDataset } from "../data/mod.ts";
import { Network } from "../model/mod.ts";
import { Rng } from "../core/mod.ts";
import { train } from "../train/mod.ts";
import { density } from "../data/mod.ts";
import { median } from "./_stats.ts";

const CASES: [number[], number][] = [[[784, 30, 10], 10], [[784, 100, 10], 10], [
  [784, 30, 10],
  100,
]];

function numpyBaseline(
  sizes: number[],
  batch: number,
  epochs: number,
): { epoch: number; eval: number } | null {
  try {
    const out = new Deno.Command("python3", {
      args: ["scripts/numpy_baseline.py", sizes.join(","), String(batch), String(epochs)],
      stdout: "piped",
      stderr: "null",
      env: { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    }).outputSync();
    if (!out.success) return null;
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    return { epoch: median(r.epoch_seconds), eval: r.eval_seconds };
  } catch {
    return null; // no python3 or numpy here
  }
}

/** Runs each case for `epochs` epochs and prints medians and ratios to numpy. */
export function benchTrain(epochs: number): void {
  const data = loadDataset({ split: "nielsen" });
  console.log(
    `\nTraining, one thread, 50,000 images, median of ${epochs} epochs (numpy: float32, matrix-based, 1 BLAS thread)`,
  );
  console.log(
    "sizes            batch  netsweep s/epoch  numpy s/epoch  speed-up  eval 10k s (numpy)",
  );
  const kernels: string[] = [];
  for (const [sizes, batch] of CASES) {
    const net = new Network({ sizes }).initialize(new Rng(1), "large");
    const r = train(net, data, { eta: 3, miniBatchSize: batch, epochs, seed: 1 });
    kernels.push(r.kernel);
    const epoch = median(r.epochs.map((m) => m.trainSeconds));
    const evals = median(r.epochs.map((m) => m.evalSeconds));
    const np = numpyBaseline(sizes, batch, epochs);
    console.log(
      [
        JSON.stringify(sizes).padEnd(16),
        String(batch).padStart(5),
        epoch.toFixed(3).padStart(17),
        (np ? np.epoch.toFixed(3) : "-").padStart(14),
        (np ? `${(np.epoch / epoch).toFixed(2)}x` : "-").padStart(9),
        `${evals.toFixed(3)} (${np ? np.eval.toFixed(3) : "-"})`.padStart(19),
      ].join(" "),
    );
  }
  const d = density(data.training);
  console.log(
    `input kernel chosen: ${kernels.join(", ")} (training images ${
      (100 * d).toFixed(1)
    }% non-zero)`,
  );
}
