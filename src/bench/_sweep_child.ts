// One measured sweep in a fresh process: prints {seconds, peakBytes} as JSON. The workers
// are threads of this process, so its peak RSS covers them and the shared dataset.
import { runSweep } from "../sweep/mod.ts";

const [file, out, workers] = Deno.args;
const start = performance.now();
await runSweep({ file, out, workers: Number(workers) });
const seconds = (performance.now() - start) / 1000;
const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
console.log(JSON.stringify({ seconds, peakBytes: m ? Number(m[1]) * 1024 : NaN }));
