// Training benchmark: seconds per epoch of Nielsen's mini-batch SGD on the real MNIST (50,000
// images), one thread, beside numpy written as numpy users write it (rows, `x[idx] @ W`, one
// BLAS thread, the machine's own BLAS kernel), alternating rounds of each, medians.
import { density, loadDataset } from "../data/mod.ts";
import { Network } from "../model/mod.ts";
import { Rng } from "../core/mod.ts";
import { train } from "../train/mod.ts";
import { median } from "./_stats.ts";
import { python, runBaseline } from "./_baseline.ts";

const CASES: [number[], number][] = [
  [[784, 30, 10], 10],
  [[784, 100, 10], 10],
  [[784, 30, 10], 100],
];

/** Multiply-adds of one epoch of `n` images (forward, δ below the first layer, ∂C/∂w), given
 * the first layer's inputs per image (its non-zero pixels when it reads them sparsely). */
function epochMacs(sizes: number[], n: number, firstInputs: number): number {
  let macs = 2 * firstInputs * sizes[1]; // forward and weight gradient of the first layer
  for (let l = 1; l < sizes.length - 1; l++) macs += 3 * sizes[l] * sizes[l + 1];
  return macs * n;
}

/** Runs each case for `rounds` alternating rounds of one epoch each; prints medians and ratios. */
export function benchTrain(rounds: number): void {
  const data = loadDataset({ split: "nielsen" });
  const exe = python("numpy");
  const d = density(data.training);
  console.log(
    `\nTraining, one thread, 50,000 images, median of ${rounds} alternating rounds (numpy: rows, float32, 1 BLAS thread)`,
  );
  console.log(
    "sizes            batch  netsweep s/epoch  numpy s/epoch  netsweep/numpy  GMAC/s  eval 10k s (numpy)",
  );
  let blas = "-";
  const kernels: string[] = [];
  for (const [sizes, batch] of CASES) {
    const net = new Network({ sizes }).initialize(new Rng(1), "large");
    let kernel = "";
    const epoch = (seed: number) => {
      const r = train(net, data, { eta: 3, miniBatchSize: batch, epochs: 1, seed });
      kernel = r.kernel;
      return [r.epochs[0].trainSeconds, r.epochs[0].evalSeconds];
    };
    epoch(0); // warm-up: compiles and touches everything once
    const mine: number[] = [],
      evals: number[] = [],
      theirs: number[] = [],
      theirEval: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const [t, e] = epoch(r + 1);
      mine.push(t);
      evals.push(e);
      const np = exe
        ? runBaseline(exe, "scripts/numpy_baseline.py", [sizes.join(","), String(batch), "1"])
        : null;
      if (np) {
        theirs.push(np.epochSeconds[0]);
        theirEval.push(np.evalSeconds ?? NaN);
        blas = np.blas;
      }
    }
    kernels.push(kernel);
    const m = median(mine);
    const np = theirs.length ? median(theirs) : NaN;
    const inputs = kernel === "sparse" ? d * 784 : 784;
    const gmacs = epochMacs(sizes, 50_000, inputs) / m / 1e9;
    console.log(
      [
        JSON.stringify(sizes).padEnd(16),
        String(batch).padStart(5),
        m.toFixed(3).padStart(17),
        (theirs.length ? np.toFixed(3) : "-").padStart(14),
        (theirs.length ? `${(m / np).toFixed(2)}x` : "-").padStart(15),
        gmacs.toFixed(2).padStart(7),
        `${median(evals).toFixed(3)} (${theirs.length ? median(theirEval).toFixed(3) : "-"})`
          .padStart(19),
      ].join(" "),
    );
  }
  console.log(
    `input kernel chosen: ${kernels.join(", ")} (training images ${
      (100 * d).toFixed(1)
    }% non-zero); numpy's BLAS: ${blas}`,
  );
}
