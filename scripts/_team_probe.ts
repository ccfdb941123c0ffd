import { limitTraining, loadDataset } from "../src/data/mod.ts";
import { Network } from "../src/model/mod.ts";
import { Rng } from "../src/core/mod.ts";
import { train } from "../src/train/mod.ts";
(globalThis as any).ONLY = Deno.env.get("ONLY");
(globalThis as any).SER = Deno.env.get("SER");
if (Deno.env.get("DBG")) (globalThis as any).DBG = new Map();
const n = Number(Deno.args[0] ?? 2000);
const data = limitTraining(loadDataset({ split: "nielsen" }), n);
const layers = JSON.parse(Deno.args[2] ?? '[{"type":"conv","maps":20,"kernel":5},{"type":"pool","size":2},{"type":"dense","size":100},{"type":"dense","size":10}]');
function run(help: boolean) {
  const net = new Network({ layers, inputShape: [1, 28, 28], activation: "sigmoid", cost: "log-likelihood" }).initialize(new Rng(1), "network3");
  let w: Worker | null = null;
  if (help) {
    w = new Worker(new URL("./helper_worker.ts", import.meta.url), { type: "module" });
    w.postMessage(net.engine.team.share());
    const t0 = performance.now();
    while (!net.engine.team.hasHelper && performance.now() - t0 < 5000) { /* wait */ }
  }
  const ts: number[] = [];
  for (let s = 0; s < Number(Deno.args[1] ?? 2); s++) {
    const r = train(net, data, { eta: 0.1, miniBatchSize: 10, sampling: "sequential", epochs: 1, seed: s, monitor: { testAccuracy: true } });
    ts.push(r.epochs[0].trainSeconds);
  }
  net.engine.team.close();
  w?.terminate();
  let h = 0;
  for (const p of net.engine.params) { const u = new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.length); for (let i = 0; i < u.length; i++) h = (Math.imul(h, 31) + u[i]) | 0; }
  return { ts: ts.map((t) => t.toFixed(3)).join(" "), h, helped: net.engine.team.helped };
}
for (let r = 0; r < 2; r++) {
  const a = run(false), b = run(true);
  console.log("alone", a.ts, a.h, "| helped", b.ts, b.h, b.helped, a.h === b.h ? "SAME" : "DIFFERENT");
}
