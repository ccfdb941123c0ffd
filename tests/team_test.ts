// A helper thread on one network's kernels (src/model/team.ts) changes no number: a network
// trained with a helper that joins, and one trained alone, end with the same bits; a sweep of
// one trial on 2 workers (the idle worker joins it) writes what 1 worker writes. Run quietly
// and with CPU hogs beside them, and the race once found (the helper reading the last split's
// length) shown by a fixed interleaving.
import { assert, assertEquals, assertMatch } from "./_assert.ts";
import { quietAndBusy } from "./_hogs.ts";
import { tempDir } from "./_testdata.ts";
import { limitTraining, loadDataset } from "../src/data/mod.ts";
import { type Kernels, KernelTeam, Network, WasmArena } from "../src/model/mod.ts";
import { Rng } from "../src/core/mod.ts";
import { train } from "../src/train/mod.ts";

const HELPER = new URL("./_team_helper.ts", import.meta.url);
const CONV = [
  { type: "conv" as const, maps: 20, kernel: 5 },
  { type: "pool" as const, size: 2 },
  { type: "dense" as const, size: 100 },
  { type: "dense" as const, size: 10 },
];

/** A helper worker joined to `team`, once it has joined. */
async function joinHelper(team: KernelTeam): Promise<{ left: Promise<string>; worker: Worker }> {
  const worker = new Worker(HELPER, { type: "module" });
  const left = new Promise<string>((resolve) => worker.onmessage = (e) => resolve(e.data));
  worker.postMessage(team.share());
  for (let waited = 0; !team.hasHelper; waited += 5) {
    if (waited > 20_000) throw new Error("the helper did not join within 20 s");
    await new Promise((r) => setTimeout(r, 5));
  }
  return { left, worker };
}

/** The parameters' bits, one string (any difference shows). */
function bits(net: Network): string {
  const parts: string[] = [];
  for (const p of net.engine.params) {
    const u = new Uint32Array(p.data.buffer, p.data.byteOffset, p.data.length);
    let h = 0;
    for (let i = 0; i < u.length; i++) h = (Math.imul(h, 31) + u[i]) | 0;
    parts.push(`${p.name}:${u.length}:${h}`);
  }
  return parts.join(" ");
}

quietAndBusy(
  "a network trained with a helper thread ends with the bits of one trained alone",
  async () => {
    const data = limitTraining(loadDataset({ split: "nielsen" }), 600);
    const options = { eta: 0.1, miniBatchSize: 10, sampling: "sequential" as const, seed: 5 };
    const build = () =>
      new Network({ layers: CONV, inputShape: [1, 28, 28], cost: "log-likelihood" })
        .initialize(new Rng(2), "network3");
    const alone = build();
    const a = train(alone, data, { ...options, epochs: 2, monitor: { testAccuracy: true } });
    const helped = build();
    const { left, worker } = await joinHelper(helped.engine.team);
    try {
      const b = train(helped, data, { ...options, epochs: 2, monitor: { testAccuracy: true } });
      assert(helped.engine.team.helped > 100, `only ${helped.engine.team.helped} splits shared`);
      assertEquals(b.epochs.map((e) => e.testCorrect), a.epochs.map((e) => e.testCorrect));
      assertEquals(bits(helped), bits(alone));
    } finally {
      helped.engine.team.close();
      assertEquals(await left, "closed");
      worker.terminate();
    }
  },
);

Deno.test("a helper reads the length of the work just posted, never the last one's", async () => {
  // The owner is held right after posting until the helper has run the work: had the length
  // been written after the post (the race once shipped), the helper would have run the first
  // split's four calls again, scaling values 4..7 twice.
  const arena = new WasmArena(1 << 20);
  const team = new KernelTeam(arena);
  arena.splitter = team;
  const v = arena.float32(8).fill(1);
  const { left, worker } = await joinHelper(team);
  team.afterPost = () => {
    while (team.working) { /* the helper runs what it read */ }
  };
  try {
    const scaleEach = (k: Kernels, from: number, to: number) => {
      for (let i = from; i < to; i++) k.scale(v.byteOffset + 4 * i, 1, 2);
    };
    team.split(8, 4, scaleEach); // helper: 4..7
    team.split(4, 2, scaleEach); // helper: 2..3
    assertEquals([...v], [4, 4, 4, 4, 2, 2, 2, 2]);
    assertEquals(team.helped, 2);
    // More calls than the command buffer holds: the whole split runs here, once.
    const many = arena.float32(6000).fill(1);
    team.split(6000, 3000, (k, from, to) => {
      for (let i = from; i < to; i++) k.scale(many.byteOffset + 4 * i, 1, 3);
    });
    assert(many.every((x) => x === 3), "an overflowing split ran some values twice or never");
    assertEquals(team.helped, 2);
  } finally {
    team.close();
    await left;
    worker.terminate();
  }
});

function experiment(dir: string): string {
  const file = `${dir}/one-conv.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "one-conv",
      dataset: { split: "nielsen", scale: 256 },
      base: {
        layers: CONV,
        activation: "sigmoid",
        cost: "log-likelihood",
        init: "network3",
        eta: 0.1,
        miniBatchSize: 10,
        sampling: "sequential",
        epochs: 2,
        trainSize: 1000,
        monitor: ["validationAccuracy", "testAccuracy"],
      },
      seed: 3,
    }),
  );
  return file;
}

async function sweep(file: string, out: string, workers: number): Promise<string> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/sweep.ts", file, "--out", out, "--workers", String(workers)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  assert(r.success, text);
  return text;
}

/** A sweep's trained state: checkpoints, predictions, and each epoch's numbers without times. */
function results(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Deno.readDirSync(`${dir}/trials`)) {
    const bytes = Deno.readFileSync(`${dir}/trials/${e.name}`);
    if (e.name.endsWith(".jsonl")) {
      const lines = new TextDecoder().decode(bytes).trim().split("\n").map((l) => JSON.parse(l));
      out[e.name] = JSON.stringify(
        lines.filter((l) => "epoch" in l).map(({ trainSeconds: _t, evalSeconds: _e, ...m }) => m),
      );
    } else out[e.name] = Array.from(bytes).join(",");
  }
  return out;
}

quietAndBusy(
  "one trial on 2 workers: the idle worker joins it, and the results are 1 worker's",
  async () => {
    using dir = tempDir();
    const file = experiment(dir.path);
    await sweep(file, `${dir.path}/one`, 1);
    const said = await sweep(file, `${dir.path}/two`, 2);
    assertMatch(
      said,
      /worker 2 has no trial (left|to run yet): it joins trial 0 as a second thread/,
    );
    const one = results(`${dir.path}/one/one-conv`);
    const two = results(`${dir.path}/two/one-conv`);
    assertEquals(Object.keys(two).sort(), Object.keys(one).sort());
    assert(Object.keys(one).some((k) => k.endsWith(".ckpt")), "no checkpoint to compare");
    for (const k of Object.keys(one)) {
      assert(
        one[k] === two[k],
        `${k} differs between 1 and 2 workers`,
      );
    }
  },
);

Deno.test("a split whose own part throws still waits for the helper's, and a closed team stays closed", async () => {
  // The owner throws once the helper has begun its (long) part: the split must not end before
  // the helper's part does (it writes the network's memory), and close() must not be undone
  // by the helper finishing.
  const arena = new WasmArena(1 << 26);
  const team = new KernelTeam(arena);
  const flag = arena.float32(1).fill(1);
  const big = arena.float32(1 << 22).fill(1);
  const { left, worker } = await joinHelper(team);
  team.afterPost = () => {
    while (flag[0] === 1) { /* the helper has begun */ }
    throw new Error("the owner's part failed");
  };
  try {
    let threw = false;
    try {
      team.split(2, 1, (k, from) => {
        if (from === 0) return;
        k.scale(flag.byteOffset, 1, 0);
        for (let r = 0; r < 200; r++) k.scale(big.byteOffset, big.length, 1);
      });
    } catch (e) {
      threw = (e as Error).message === "the owner's part failed";
    }
    assert(threw, "the owner's error was not passed on");
    assert(!team.working, "the split ended while the helper's part still ran");
    team.close();
    assertEquals(await left, "closed");
    assert(!team.hasHelper, "a closed team took work again");
  } finally {
    worker.terminate();
  }
});
