// One measured load in a fresh process: prints {seconds, peakBytes, decodedBytes} as JSON.
// Modes: `load <path>` reads the archive; `inflate <path>` only gunzips it with fflate;
// `touch <bytes>` fills a fresh Float32Array (the cost of first-touching that much memory).
import { Gunzip } from "npm:fflate@0.8.2";
import { readArchive } from "../data/mod.ts";

function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  return m ? Number(m[1]) * 1024 : NaN;
}

const [mode, arg] = Deno.args;
const before = peakRss();
const start = performance.now();
let decodedBytes = 0;
if (mode === "load") {
  for (const s of Object.values(readArchive(arg).splits)) {
    decodedBytes += s.images.byteLength + s.labels.byteLength;
  }
} else if (mode === "inflate") {
  const buf = Deno.readFileSync(arg);
  const gz = new Gunzip();
  gz.ondata = (d) => void (decodedBytes += d.length);
  for (let off = 0; off < buf.length; off += 1 << 16) {
    gz.push(buf.subarray(off, off + (1 << 16)), off + (1 << 16) >= buf.length);
  }
} else {
  decodedBytes = Number(arg);
  new Float32Array(decodedBytes / 4).fill(1);
}
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ seconds, peakBytes: peakRss() - before, decodedBytes }));
