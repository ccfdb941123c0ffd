// Load benchmark: full-size MNIST archives into Float32Arrays, each run in a fresh process.
import { median } from "./_stats.ts";

interface ChildResult {
  seconds: number;
  peakBytes: number;
  decodedBytes: number;
}

const CHILD = new URL("./_load_child.ts", import.meta.url).pathname;

function child(mode: string, arg: string): ChildResult {
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", CHILD, mode, arg],
    stdout: "piped",
    stderr: "inherit",
  }).outputSync();
  if (!out.success) throw new Error(`benchmark child failed: ${mode} ${arg}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Python's gzip/pickle/numpy reading the same file, in a fresh process; null without numpy. */
function python(path: string): { seconds: number; uint8Seconds: number | null } | null {
  try {
    const out = new Deno.Command("python3", {
      args: ["scripts/load_baseline.py", path],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return out.success ? JSON.parse(new TextDecoder().decode(out.stdout)) : null;
  } catch {
    return null; // no python3 here
  }
}

/** The archives the load benchmark reads; `scripts/make_archives.py` writes them. */
export const LOAD_FILES = [
  ["IDX .gz (train-images)", "data/mnist/train-images-idx3-ubyte.gz"],
  ["pickle .gz (Nielsen, py2)", "data/mnist.pkl.gz"],
  ["pickle .gz (py3, proto 4)", "data/mnist-py3.pkl.gz"],
  ["npz (Keras, deflated)", "data/mnist.npz"],
] as const;

/** Runs each load `runs` times and prints a table with baselines from the same run. */
export function benchLoad(runs: number): void {
  const mb = (b: number) => b / 1e6;
  console.log(`\nLoad into Float32Array (median of ${runs} fresh processes)`);
  console.log(
    "format                       seconds  MB/s in  decoded MB  peak/decoded  first-touch s  inflate-only s  python s (uint8)  vs python",
  );
  for (const [label, path] of LOAD_FILES) {
    let size: number;
    try {
      size = Deno.statSync(path).size;
    } catch {
      console.log(`${label.padEnd(28)} missing ${path}: run python3 scripts/make_archives.py`);
      continue;
    }
    const loads = Array.from({ length: runs }, () => child("load", path));
    const decoded = loads[0].decodedBytes;
    const touch = Array.from({ length: runs }, () => child("touch", String(decoded)));
    const inflate = path.endsWith(".gz")
      ? median(Array.from({ length: runs }, () => child("inflate", path).seconds))
      : NaN;
    const py = Array.from({ length: runs }, () => python(path));
    const pyFloat = py.every((r) => r !== null) ? median(py.map((r) => r!.seconds)) : NaN;
    const pyUint8 = py.every((r) => r?.uint8Seconds != null)
      ? median(py.map((r) => r!.uint8Seconds!))
      : NaN;
    const t = median(loads.map((r) => r.seconds));
    const peak = median(loads.map((r) => r.peakBytes));
    console.log(
      [
        label.padEnd(28),
        t.toFixed(3).padStart(7),
        (mb(size) / t).toFixed(1).padStart(8),
        mb(decoded).toFixed(1).padStart(11),
        `${(peak / decoded).toFixed(2)} (${
          (median(touch.map((r) => r.peakBytes)) / decoded).toFixed(2)
        })`.padStart(13),
        median(touch.map((r) => r.seconds)).toFixed(3).padStart(14),
        (Number.isNaN(inflate) ? "-" : inflate.toFixed(3)).padStart(15),
        `${Number.isNaN(pyFloat) ? "-" : pyFloat.toFixed(3)} (${
          Number.isNaN(pyUint8) ? "-" : pyUint8.toFixed(3)
        })`.padStart(17),
        (Number.isNaN(pyFloat) ? "-" : `${(t / pyFloat).toFixed(2)}x`).padStart(10),
      ].join(" "),
    );
  }
  console.log("peak/decoded: growth of peak RSS over the decoded arrays (same for first-touch)");
  console.log(
    "first-touch: filling a fresh Float32Array of the decoded size (page-fault floor of this machine)",
  );
  console.log(
    "python: scripts/load_baseline.py, the seeds' gzip/pickle/numpy to float32 (to uint8 alone)",
  );
}
