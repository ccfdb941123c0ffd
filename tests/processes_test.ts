// Several processes into one results folder, as users run them: with the permissions of
// `deno task sweep` (not -A: a check that needs more than the task grants must not fail
// silently into "every other process is dead"), two then three processes, one killed with
// SIGKILL and the sweep resumed, quietly and with CPU hogs beside them. Every epoch of every
// trial is trained by exactly one process, and the numbers are those of one process alone.
import { assertEquals } from "./_assert.ts";
import { quietAndBusy } from "./_hogs.ts";
import { tempDir, TESTDATA } from "./_testdata.ts";
import { readSweep } from "../mod.ts";

/** The flags of `deno task sweep` in deno.json: the processes run as users run them. */
function taskFlags(): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)))
    .tasks as Record<string, string>;
  const words = tasks.sweep.split(/\s+/);
  return words.slice(words.indexOf("run") + 1, words.findIndex((w) => w.endsWith(".ts")));
}

/** The experiment's size: 4 etas x 2 mini-batch sizes, each trained for 60 epochs. */
const TRIALS = 8;
const EPOCHS = 60;

function experiment(dir: string): string {
  const file = `${dir}/many.json`;
  Deno.writeTextFileSync(
    file,
    JSON.stringify({
      name: "many",
      dataset: { path: `${TESTDATA}mnist.pkl.gz` },
      base: { sizes: [784, 100, 10], epochs: EPOCHS, monitor: ["testAccuracy", "trainingCost"] },
      grid: { eta: [0.5, 1.0, 2.0, 3.0], miniBatchSize: [5, 10] },
      seed: 3,
    }),
  );
  return file;
}

interface Proc {
  child: Deno.ChildProcess;
  /** Every line of its stderr so far. */
  lines: string[];
  done: Promise<Deno.CommandStatus>;
}

function start(file: string, out: string): Proc {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...taskFlags(), "src/cli/sweep.ts", file, "--out", out, "--workers", "1"],
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const lines: string[] = [];
  const reading = (async () => {
    let rest = "";
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
    }
    if (rest) lines.push(rest);
  })();
  return { child, lines, done: reading.then(() => child.status) };
}

/** `trial:epoch` of every epoch a process's progress lines say it trained. */
function trained(lines: string[]): string[] {
  return lines.flatMap((l) => {
    const m = /^trial (\d+) .* epoch (\d+) \[/.exec(l);
    return m ? [`${m[1]}:${m[2]}`] : [];
  });
}

/**
 * The epochs that no progress line shows and that a kill -9 does not explain. The victim may
 * have recorded epochs its main thread had not printed yet (the worker runs ahead of its
 * events): the run that takes the trial over starts after them, so no line shows them. Each
 * such gap must be one run of epochs of a trial, after the victim's last line for it (or at
 * its start) and followed by another process's line (or the trial's end).
 */
function unprinted(procs: { lines: string[] }[], victim: { lines: string[] }): string[] {
  const by = new Map<string, number>(); // "trial:epoch" -> index of the process that printed it
  procs.forEach((p, i) => trained(p.lines).forEach((e) => by.set(e, i)));
  const v = procs.indexOf(victim);
  const wrong = [...by.keys()].filter((e) => {
    const [trial, epoch] = e.split(":").map(Number);
    return !(trial < TRIALS && epoch < EPOCHS);
  });
  for (let trial = 0; trial < TRIALS; trial++) {
    for (let epoch = 0; epoch < EPOCHS;) {
      if (by.has(`${trial}:${epoch}`)) {
        epoch++;
        continue;
      }
      const from = epoch;
      while (epoch < EPOCHS && !by.has(`${trial}:${epoch}`)) epoch++;
      const before = from === 0 ? v : by.get(`${trial}:${from - 1}`);
      const after = epoch === EPOCHS ? -1 : by.get(`${trial}:${epoch}`);
      if (before !== v || after === v) wrong.push(`${trial}:${from}-${epoch - 1}`);
    }
  }
  return wrong;
}

/** Each trial's metrics, timing left out. */
async function numbers(dir: string): Promise<string[]> {
  const sweep = await readSweep(dir);
  return sweep.trials.map((t) =>
    `${t.index} ${t.status} ` +
    JSON.stringify(t.epochs.map((e) => [e.epoch, e.testAccuracy, e.trainingCost]))
  );
}

const until = async (what: string, ok: () => boolean, seconds = 120) => {
  const end = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

quietAndBusy("two, then three processes into one folder, one killed -9, then resumed", async () => {
  using dir = tempDir();
  const file = experiment(dir.path);
  const alone = start(file, `${dir.path}/alone`);
  assertEquals((await alone.done).code, 0, alone.lines.join("\n"));
  const want = await numbers(`${dir.path}/alone/many`);
  const rounds = Number(Deno.env.get("NETSWEEP_ROUNDS") ?? 1);
  for (let round = 0; round < rounds; round++) {
    const out = `${dir.path}/shared-${round}`;
    const procs = [start(file, out), start(file, out)];
    // A third joins once the first two are training, and one of them is killed mid-sweep.
    await until("the first epochs", () => trained(procs[0].lines).length >= 3);
    procs.push(start(file, out));
    let exited = false;
    procs[2].done.then(() => (exited = true));
    await until(
      "the third process's first epoch",
      () => exited || trained(procs[2].lines).length >= 1,
    );
    const victim = procs[round % 3];
    try {
      victim.child.kill("SIGKILL");
    } catch { /* it had finished its share already */ }
    await victim.done;
    for (const p of procs) {
      if (p !== victim) assertEquals((await p.done).code, 0, p.lines.join("\n"));
    }
    // The killed process's trials are taken over by a fresh run.
    const resumed = start(file, out);
    assertEquals((await resumed.done).code, 0, resumed.lines.join("\n"));
    procs.push(resumed);
    const all = procs.flatMap((p) => trained(p.lines));
    const twice = all.filter((e, i) => all.indexOf(e) !== i);
    assertEquals(twice, [], `round ${round}: epochs trained by two processes`);
    assertEquals(await numbers(`${out}/many`), want, `round ${round}: numbers of one process`);
    assertEquals(unprinted(procs, victim), [], `round ${round}: epochs nobody trained`);
  }
});
