// Each trial keeps its test-set predictions (and what its pictures need) in
// `trials/<id>.pred`: the numbers are the network's own (they count what the record says it
// got right), the file is bounded, damaged files are named, a resumed trial writes the same
// file as an uninterrupted one, and a sweep writes the same bytes with one worker or two.
import * as zarr from "zarrita";
import { FileSystemStore } from "@zarrita/storage";
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { quietAndBusy } from "./_hogs.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import {
  loadDataset,
  NetsweepError,
  Network,
  readSweep,
  Rng,
  runSweep,
  train,
  writeReport,
} from "../mod.ts";
import type { TrainState } from "../src/train/mod.ts";
import {
  decodePredictions,
  encodePredictions,
  MAX_IMAGES,
  MAX_UNITS,
  predictionsFile,
  readPredictions,
  snapshotOf,
  type TrialPredictions,
  valueAtBestValidation,
} from "../src/store/mod.ts";
import { firstLayerTiles, PredictionKeeper } from "../src/sweep/predictions.ts";
import { networkOptions } from "../src/sweep/trial_network.ts";
import { resolvedInit } from "../src/experiment/mod.ts";

const FIXTURE = `${TESTDATA}mnist.pkl.gz`;

/** A file as large as MNIST makes one: every section at its bound, filled with noise. */
function largest(rng: Rng): TrialPredictions {
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => rng.nextUint32() & 255);
  const tiles = () => ({
    values: new Int8Array(bytes(MAX_UNITS * 784).buffer),
    scales: Float32Array.from({ length: MAX_UNITS }, () => rng.nextFloat()),
  });
  const images = 2 * MAX_IMAGES;
  return {
    id: "0123456789ab",
    seed: 7,
    classes: 10,
    count: 10_000,
    imageShape: [28, 28],
    labels: bytes(10_000),
    snapshots: [
      { epoch: 29, roles: ["last"], predicted: bytes(10_000), outputs: bytes(100_000) },
      { epoch: 17, roles: ["best"], predicted: bytes(10_000), outputs: bytes(100_000) },
    ],
    images: {
      index: Uint32Array.from({ length: images }, (_, i) => 3 * i),
      pixels: bytes(images * 784),
      lo: 0,
      hi: 1,
    },
    weights: { kind: "dense", units: 100, tile: [28, 28], before: tiles(), after: tiles() },
  };
}

Deno.test("a predictions file reads back as written, bounded, and names its damage", async (t) => {
  const p = largest(new Rng(1));
  const bytes = encodePredictions(p);
  await t.step("round trip", () => {
    assertEquals(decodePredictions(bytes, "x.pred"), p);
    assertEquals(encodePredictions(p), bytes, "the same predictions give the same bytes");
  });
  await t.step("bounded: at most 544,400 bytes of data for MNIST, plus a small header", () => {
    // Incompressible noise is the worst case: compression cannot make it smaller.
    assert(bytes.length < 544_400 + 2_000, `${bytes.length} bytes`);
    assert(bytes.length > 544_400, "noise does not compress");
  });
  await t.step("a file without outputs, weights or a best snapshot", () => {
    const small: TrialPredictions = {
      ...p,
      snapshots: [{ ...p.snapshots[0], roles: ["last", "best"], outputs: null }],
      weights: null,
      images: { index: new Uint32Array(0), pixels: new Uint8Array(0), lo: -1, hi: 2 },
    };
    const back = decodePredictions(encodePredictions(small), "y.pred");
    assertEquals(back, small);
    assertEquals(snapshotOf(back, "best")?.epoch, 29);
  });
  await t.step("damage is named with the file", () => {
    const problem = (bad: Uint8Array): string => {
      const err = (() => {
        try {
          decodePredictions(bad, "t/x.pred");
        } catch (e) {
          return e;
        }
      })();
      assert(err instanceof NetsweepError, "a NetsweepError");
      return err.message;
    };
    const flipped = bytes.slice();
    flipped[flipped.length >> 1] ^= 0x55;
    assertMatch(
      problem(bytes.slice(0, bytes.length >> 1)),
      /^t\/x\.pred: not a usable predictions file \(damaged/,
    );
    assertMatch(problem(flipped), /^t\/x\.pred: not a usable predictions file \(damaged/);
    assertMatch(
      problem(new TextEncoder().encode("{}")),
      /^t\/x\.pred: .*does not start with NSPRED01/,
    );
  });
  await t.step("a file of another trial is refused by name", async () => {
    using dir = tempDir();
    Deno.mkdirSync(`${dir.path}/trials`);
    Deno.writeFileSync(predictionsFile(dir.path, "aaaaaaaaaaaa"), bytes);
    const err = await readPredictions(dir.path, "aaaaaaaaaaaa").catch((e) => e);
    assert(err instanceof NetsweepError);
    assertMatch(
      err.message,
      /aaaaaaaaaaaa\.pred: written for trial 0123456789ab, not aaaaaaaaaaaa/,
    );
    assertEquals(await readPredictions(dir.path, "bbbbbbbbbbbb"), null, "none yet");
  });
});

const TRIAL = { id: "feedfacecafe", seed: 5 };
const OPTIONS = {
  eta: 3,
  miniBatchSize: 10,
  epochs: 5,
  seed: 9,
  monitor: { testAccuracy: true, validationAccuracy: true },
};
const newNet = () => new Network({ sizes: [784, 12, 10] }).initialize(new Rng(TRIAL.seed), "large");

Deno.test("a trial's predictions: its own numbers, and the same after a resume", async (t) => {
  const data = loadDataset({ path: FIXTURE });
  using a = tempDir();
  Deno.mkdirSync(`${a.path}/trials`);
  const net = newNet();
  const before = firstLayerTiles(net, data.imageShape)!.before;
  const keeper = new PredictionKeeper(a.path, TRIAL, data, net, [], 0);
  const full = train(net, data, OPTIONS, (m) => keeper.epoch(net, m));
  keeper.finish(net, full.status);
  const p = (await readPredictions(a.path, TRIAL.id))!;

  await t.step("each snapshot counts what the epoch's metrics say", () => {
    const last = snapshotOf(p, "last")!;
    const best = snapshotOf(p, "best")!;
    assertEquals(last.epoch, 4);
    // The best validation epoch, the later one on ties, as the table reports it.
    const record = { epochs: full.epochs } as never;
    const bestEpoch = full.epochs.findLast((e) =>
      e.validationAccuracy === Math.max(...full.epochs.map((x) =>
        x.validationAccuracy!
      ))
    )!.epoch;
    assertEquals(best.epoch, bestEpoch);
    assertEquals(
      full.epochs[bestEpoch].testAccuracy,
      valueAtBestValidation(record, "testAccuracy"),
    );
    for (const s of [last, best]) {
      const right = s.predicted.filter((c, i) => c === p.labels[i]).length;
      assertEquals(right, full.epochs[s.epoch].testCorrect, `epoch ${s.epoch}`);
      // The stored outputs' largest is the predicted class.
      for (let i = 0; i < p.count; i++) {
        const o = s.outputs!.subarray(10 * i, 10 * i + 10);
        assertEquals(o[s.predicted[i]], Math.max(...o));
      }
    }
    assertEquals([...p.labels], [...data.test.labels]);
  });
  await t.step("the misclassified images are the test images themselves", () => {
    const wrong = [...p.labels.keys()].filter((i) =>
      p.snapshots.some((s) => s.predicted[i] !== p.labels[i])
    );
    assertEquals([...p.images.index], wrong);
    const { lo, hi } = p.images;
    for (let j = 0; j < wrong.length; j++) {
      for (let k = 0; k < 784; k += 37) {
        const pixel = lo + ((hi - lo) * p.images.pixels[j * 784 + k]) / 255;
        const truth = data.test.images[wrong[j] * 784 + k];
        assert(Math.abs(pixel - truth) <= (hi - lo) / 510 + 1e-6, `${pixel} vs ${truth}`);
      }
    }
  });
  await t.step("the first layer before training (from the seed) and after", () => {
    assertEquals(p.weights!.before, before);
    assertEquals(p.weights!.after, firstLayerTiles(net, data.imageShape)!.before);
    assert(p.weights!.after!.values.some((v, i) => v !== before.values[i]), "it learned");
    assertEquals([p.weights!.kind, p.weights!.units, p.weights!.tile], ["dense", 12, [28, 28]]);
  });
  await t.step("killed after epoch 2 and resumed: the same file", () => {
    using b = tempDir();
    Deno.mkdirSync(`${b.path}/trials`);
    const first = newNet();
    const k1 = new PredictionKeeper(b.path, TRIAL, data, first, [], 0);
    let state: TrainState | undefined;
    train(first, data, OPTIONS, (m) => (k1.epoch(first, m), m.epoch + 1 < 2), {
      checkpoint: (snapshot, epoch) => void (epoch === 2 && (state = snapshot())),
    });
    // No finish(): the process died. A new one resumes from the checkpoint.
    const second = newNet();
    const k2 = new PredictionKeeper(b.path, TRIAL, data, second, full.epochs.slice(0, 2), 2);
    const rest = train(second, data, OPTIONS, (m) => k2.epoch(second, m), { resume: state });
    k2.finish(second, rest.status);
    assertEquals(
      Deno.readFileSync(predictionsFile(b.path, TRIAL.id)),
      Deno.readFileSync(predictionsFile(a.path, TRIAL.id)),
    );
  });
  await t.step("a best epoch before the resume comes from the file it wrote", () => {
    using b = tempDir();
    Deno.mkdirSync(`${b.path}/trials`);
    const first = newNet();
    const k1 = new PredictionKeeper(b.path, TRIAL, data, first, [], 0);
    const part = train(first, data, { ...OPTIONS, epochs: 2 }, (m) => k1.epoch(first, m));
    const written = snapshotOf(
      decodePredictions(
        Deno.readFileSync(predictionsFile(b.path, TRIAL.id)),
        "x",
      ),
      "best",
    )!;
    // Resumed after epoch 2, then (here) only worse validation accuracy: the best snapshot is
    // the one written before the resume.
    const k2 = new PredictionKeeper(b.path, TRIAL, data, first, part.epochs, 2);
    k2.epoch(first, { epoch: 2, eta: 3, trainSeconds: 0, evalSeconds: 0, validationAccuracy: 0 });
    k2.finish(first, "done");
    const after = decodePredictions(Deno.readFileSync(predictionsFile(b.path, TRIAL.id)), "x");
    assertEquals(snapshotOf(after, "best"), { ...written, roles: ["best"] });
    assertEquals(snapshotOf(after, "last")!.epoch, 2);
  });
  await t.step("a diverged trial keeps its best snapshot, and no trained weights", () => {
    using b = tempDir();
    Deno.mkdirSync(`${b.path}/trials`);
    const k = new PredictionKeeper(b.path, TRIAL, data, net, [], 0);
    k.epoch(net, { epoch: 0, eta: 3, trainSeconds: 0, evalSeconds: 0, validationAccuracy: 0.5 });
    k.finish(net, "diverged");
    const q = decodePredictions(Deno.readFileSync(predictionsFile(b.path, TRIAL.id)), "x");
    assertEquals(q.snapshots.map((s) => [s.epoch, s.roles]), [[0, ["best"]]]);
    assertEquals(q.weights!.after, null);
  });
});

function experimentFile(dir: string): string {
  const file = `${dir}/kept.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "kept",
      dataset: { path: FIXTURE },
      base: {
        sizes: [784, 12, 10],
        epochs: 3,
        miniBatchSize: 10,
        monitor: ["testAccuracy", "validationAccuracy"],
      },
      grid: { eta: [0.5, 3.0] },
      repeats: 2,
      seed: 11,
    }),
  );
  return file;
}

async function zarrValues(dir: string, name: string): Promise<number[]> {
  const root = zarr.root(new FileSystemStore(`${dir}/predictions.zarr`));
  const arr = await zarr.open.v3(root.resolve(name), { kind: "array" });
  return [...(await zarr.get(arr, arr.shape.map(() => null))).data as Uint8Array];
}

quietAndBusy(
  "a sweep's predictions do not depend on its workers, and are in the zarr",
  async () => {
    using dir = tempDir();
    const file = experimentFile(dir.path);
    const one = await runSweep({ file, out: `${dir.path}/one`, workers: 1 });
    const two = await runSweep({ file, out: `${dir.path}/two`, workers: 2 });
    const sweep = await readSweep(one.dir);
    const data = loadDataset({ path: FIXTURE });
    assertEquals(sweep.trials.length, 4);
    const expectedPredicted: number[] = [];
    for (const t of sweep.trials) {
      const a = Deno.readFileSync(predictionsFile(one.dir, t.id));
      assertEquals(a, Deno.readFileSync(predictionsFile(two.dir, t.id)), `trial ${t.index}`);
      const p = decodePredictions(a, t.id);
      const last = snapshotOf(p, "last")!;
      assertEquals(last.epoch, 2);
      assertEquals(
        last.predicted.filter((c, i) => c === p.labels[i]).length,
        t.epochs[2].testCorrect,
      );
      // "Before" is the trial's network as its seed and setting initialise it.
      const fresh = new Network(networkOptions(t.setting, data)).initialize(
        new Rng(t.seed),
        resolvedInit(t.setting),
        t.setting.initStd,
      );
      assertEquals(p.weights!.before, firstLayerTiles(fresh, data.imageShape)!.before);
      const best = snapshotOf(p, "best")!;
      expectedPredicted.push(...last.predicted, ...best.predicted);
    }
    // predictions.zarr: (trial, snapshot, example), trials in store order, last then best.
    assertEquals(await zarrValues(one.dir, "predicted"), expectedPredicted);
    assertEquals(
      await zarrValues(one.dir, "labels"),
      sweep.trials.flatMap(() => [...data.test.labels]),
    );
  },
);

Deno.test("a damaged predictions file is named, and the rest still vote and draw", async () => {
  using dir = tempDir();
  const result = await runSweep({ file: experimentFile(dir.path), out: dir.path, workers: 2 });
  const [victim] = (await readSweep(result.dir)).trials;
  const path = predictionsFile(result.dir, victim.id);
  const bytes = Deno.readFileSync(path);
  bytes[bytes.length >> 1] ^= 0xff;
  Deno.writeFileSync(path, bytes);
  const out = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/compare.ts", result.dir],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", COLUMNS: "200" },
  }).outputSync();
  const text = new TextDecoder().decode(out.stdout);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertMatch(text, new RegExp(`skipped .*${victim.id}\\.pred: not a usable predictions file`));
  // The victim's setting has one network left: no vote; the other setting votes.
  const votes = text.split("\n").filter((l) => /\d+\.\d\d% \(mean \d+\.\d\d%\)/.test(l));
  assertEquals(votes.length, 1, text);
  const report = Deno.readTextFileSync(await writeReport(await readSweep(result.dir)));
  assertMatch(report, /<figure class="picture" id="picture-confusion">/);
  assertMatch(report, /<li>skipped .*\.pred: not a usable predictions file/);
});
