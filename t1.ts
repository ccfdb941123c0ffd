import { loadDataset } from "./src/data/dataset.ts";
import { Network } from "./src/network/network.ts";
import { Rng } from "./src/network/prng.ts";
import { sgd } from "./src/network/sgd.ts";
const data = loadDataset({});
const net = new Network({ sizes: [784, 30, 10] }).initialize(new Rng(1), "large");
sgd(
  net,
  data,
  { eta: 3, miniBatchSize: 10, epochs: 3, seed: 2, kernel: "sparse" },
  (m) => console.log(m.epoch, m.testCorrect, m.trainSeconds.toFixed(3)),
);
