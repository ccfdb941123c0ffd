import { loadDataset } from "./src/data/mod.ts";
import { Network } from "./src/model/mod.ts";
import { Rng } from "./src/core/mod.ts";
const exp = JSON.parse(Deno.readTextFileSync("experiments/saito-ch8-deep-convnet.json"));
const d = loadDataset({ split: "standard" });
const net = new Network({ layers: exp.base.layers, inputShape: [1, 28, 28], activation: "relu", cost: "log-likelihood" }).initialize(new Rng(1), "he");
const e = net.engine; const m = 100; const ws = e.workspace(m);
const k = e.kernels;
const L = e.layers.length;
const tf = new Array(L).fill(0), tb = new Array(L).fill(0), tg = new Array(L).fill(0);
const pass = { mode: "train" as const, rng: new Rng(3) };
const labels = new Uint8Array(m);
for (let it = 0; it < 12; it++) {
  for (let i = 0; i < m; i++) { ws.rows[i] = (it * m + i); labels[i] = d.training.labels[it*m+i]; }
  const input = ws.input; const n = e.inputSize;
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) input[i*n+j] = d.training.images[ws.rows[i]*n+j];
  let x = ws.input;
  for (let l = 0; l < L; l++) { const t0 = performance.now(); e.layers[l].forward(k, ws.works[l], x, m, pass); if (it>1) tf[l] += performance.now()-t0; x = ws.works[l].a; }
  // backward
  const top = ws.works[L-1];
  for (let i = 0; i < m*10; i++) top.dA[i] = top.a[i] - (labels[Math.floor(i/10)] === i%10 ? 1 : 0);
  for (let l = L - 1; l >= 0; l--) { const xx = l === 0 ? ws.input : ws.works[l-1].a; const dX = l > 0 ? ws.works[l-1].dA : null; const t0 = performance.now(); e.layers[l].backward(k, ws.works[l], xx, m, dX); if (it>1) tb[l] += performance.now()-t0; }
  for (let l = 0; l < L; l++) { const xx = l === 0 ? ws.input : ws.works[l-1].a; const t0 = performance.now(); e.layers[l].gradients(k, ws.works[l], xx, m, 1/m); if (it>1) tg[l] += performance.now()-t0; }
}
e.layers.forEach((l, i) => console.log(l.describe().padEnd(60), (tf[i]/10).toFixed(1), (tb[i]/10).toFixed(1), (tg[i]/10).toFixed(1)));
const tot = [...tf, ...tb, ...tg].reduce((a, b) => a + b, 0) / 10;
console.log("ms per batch of 100:", tot.toFixed(1), " -> s per epoch (600 batches):", (tot * 0.6).toFixed(0));
