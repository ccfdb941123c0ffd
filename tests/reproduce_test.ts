// The book's results on the real MNIST (the embedded default): slow tests (about a minute).
import { assert, assertEquals } from "./_assert.ts";
import { loadDataset, Network, Rng, runSweep, train } from "../mod.ts";

Deno.test("Nielsen chapter 1: [784, 30, 10], eta 3.0, 30 epochs reaches 95%", () => {
  const data = loadDataset({ split: "nielsen" });
  const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
  const r = train(net, data, { eta: 3, miniBatchSize: 10, epochs: 30, seed: 1 });
  const best = Math.max(...r.epochs.map((m) => m.testAccuracy!));
  assert(best >= 0.95, `best test accuracy ${best}`);
});

Deno.test("Saito's TwoLayerNet: hidden 50, batch 100, lr 0.1, 10,000 iterations reaches 94%", () => {
  const data = loadDataset({ split: "standard" });
  const net = new Network({ sizes: [784, 50, 10], cost: "log-likelihood" })
    .initialize(new Rng(1), "scaled", 0.01);
  const r = train(net, data, {
    eta: 0.1,
    miniBatchSize: 100,
    epochs: 0,
    iterations: 10000,
    sampling: "replacement",
    seed: 1,
  });
  const final = r.epochs[r.epochs.length - 1].testAccuracy!;
  assert(final >= 0.94, `final test accuracy ${final}`);
});

Deno.test("network3.py's conv-pool net written without init reaches 97% within 3 epochs", async () => {
  // Seen: a layers network without init got network.py's N(0,1): 82%, 82%, 90% after 1, 2, 3
  // epochs. `auto` gives it network2.py's N(0,1/n_in).
  const dir = Deno.makeTempDirSync({ prefix: "netsweep-books-" });
  try {
    const file = `${dir}/conv.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({
        name: "conv",
        base: {
          layers: [
            { type: "conv", maps: 20, kernel: 5 },
            { type: "pool", size: 2 },
            { type: "dense", size: 100 },
            { type: "dense", size: 10 },
          ],
          activation: "sigmoid",
          cost: "log-likelihood",
          eta: 0.1,
          miniBatchSize: 10,
          sampling: "sequential",
          epochs: 3,
        },
        seed: 1,
      }),
    );
    const [rec] = (await runSweep({ file, out: dir, workers: 1 })).records;
    assertEquals(rec.setting.init, "default");
    const best = Math.max(...rec.epochs.map((m) => m.testAccuracy!));
    assert(best >= 0.97, `best test accuracy ${best} in 3 epochs`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
