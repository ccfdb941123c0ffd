// A stopped sweep and its workers' writes: once the main thread has stopped the pool and seen
// no worker inside a write, nothing more lands in the sweep's folder, so the records it sums up
// (trials.csv, its "interrupted" lines) are the records that stay.
//
// Seen in issue 21's whole-suite loop, beside two CPU hogs: Ctrl-C, and trials.csv said 20
// epochs where the record had 21. Worker.terminate() ends a thread's JavaScript, not the append
// it is in: a worker descheduled inside one finished it after the main thread had read.
import { dirname } from "node:path";
import { assert, assertEquals } from "./_assert.ts";
import { tempDir } from "./_testdata.ts";
import { experimentFile } from "./_newcomer.ts";
import { quietAndBusy } from "./_hogs.ts";
import { recordFile } from "../src/store/records.ts";
import { planSweep } from "../src/sweep/plan.ts";
import { SweepOutput } from "../src/sweep/output.ts";
import { PoolStopped, runPool } from "../src/sweep/pool.ts";
import { claimTask } from "../src/sweep/schedule.ts";
import { StopGate } from "../src/sweep/_stop_gate.ts";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file of a folder with its bytes, as text to compare (a changed file shows by name). */
function folder(dir: string): string {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort().map((name) => {
    const bytes = Deno.readFileSync(`${dir}/${name}`);
    let sum = 0;
    for (let i = 0; i < bytes.length; i++) sum = (sum * 31 + bytes[i]) >>> 0;
    return `${name} ${bytes.length} B ${sum}`;
  }).join("\n");
}

/** Where the main thread stops the sweep, in the steps of one worker's write. */
const MOMENTS = [
  "before the worker enters",
  "after the worker counts itself in, before it reads the stop",
  "after the worker entered, before it writes",
  "after it wrote, before it leaves",
  "after it left",
] as const;

Deno.test("the stop gate: wherever the stop falls in a write, no write lands after the drain", async () => {
  // Dekker's argument, walked through at each step: the worker counts itself in and then reads
  // the stop; the main thread sets the stop and then reads the count.
  for (const moment of MOMENTS) {
    const log: string[] = [];
    let drained: Promise<boolean> | null = null;
    let stopped = false;
    const stopHere = (at: (typeof MOMENTS)[number]) => {
      if (at !== moment || stopped) return;
      stopped = true;
      gate.close();
      log.push("stop");
      drained = gate.drained(60_000).then((ok) => {
        log.push("drained");
        return ok;
      });
    };
    const gate: StopGate = new StopGate(undefined, () => {
      // The count is in before the stop is read: a stop now is seen by both sides.
      if (moment === MOMENTS[1] && !stopped) {
        stopHere(MOMENTS[1]);
        assertEquals(gate.writing, 1, moment);
      }
    });
    stopHere(MOMENTS[0]);
    const entered = gate.enter();
    if (entered) {
      stopHere(MOMENTS[2]);
      await pause(30); // the main thread polls meanwhile: it must still be waiting
      log.push("write");
      stopHere(MOMENTS[3]);
      await pause(30);
      gate.leave();
      log.push("leave");
      stopHere(MOMENTS[4]);
    }
    assertEquals(await drained, true, moment);
    // After the drain nothing is inside, and no one gets in.
    assertEquals(gate.writing, 0, moment);
    assertEquals(gate.enter(), false, moment);
    assertEquals(gate.write(() => log.push("late write")), false, moment);
    const expected = {
      [MOMENTS[0]]: ["stop", "drained"],
      [MOMENTS[1]]: ["stop", "drained"],
      [MOMENTS[2]]: ["stop", "write", "leave", "drained"],
      [MOMENTS[3]]: ["write", "stop", "leave", "drained"],
      [MOMENTS[4]]: ["write", "leave", "stop", "drained"],
    }[moment];
    assertEquals(log, expected, `${moment}: ${log.join(", ")}`);
    assertEquals(entered, moment === MOMENTS[2] || moment === MOMENTS[3] || moment === MOMENTS[4]);
  }
});

Deno.test("the stop gate refuses cells it cannot share, quoting their length", () => {
  let message = "";
  try {
    new StopGate(new Int32Array(new SharedArrayBuffer(4)));
  } catch (err) {
    message = (err as Error).message;
  }
  assertEquals(message, "a stop gate needs 2 shared cells, not 1");
});

quietAndBusy(
  "a stopped pool settles only once no worker is inside a write, and no worker writes after the stop",
  async () => {
    using dir = tempDir();
    const file = experimentFile(dir.path, "gate", {
      // More epochs than the test can reach (the worker is always mid-trial), each long enough
      // (a wide hidden layer) that a write after the stop lands after the record is read below.
      base: { sizes: [784, 1500, 10], epochs: 100_000, monitor: ["testAccuracy"] },
      grid: { eta: [3.0] },
      repeats: 1,
    });
    const plan = planSweep(file, [], {});
    const output = await SweepOutput.open(`${dir.path}/out`, plan.meta);
    try {
      const task = claimTask(plan, output, plan.trials[0], 100_000);
      assert(task !== null && task !== "elsewhere");
      const trials = dirname(recordFile(output.dir, task.trial.id));
      const gate = new StopGate();
      const stop = new AbortController();
      let handed = false;
      let epochs = 0;
      const times: number[] = [];
      let settled = false;
      const pool = runPool(
        plan.data,
        output,
        1,
        {
          next: () => Promise.resolve(handed ? null : (handed = true, task)),
          onStart() {},
          onEpoch() {
            epochs++;
            times.push(performance.now());
          },
          onDone() {},
          onNote() {},
        },
        stop.signal,
        2,
        gate,
      ).then(() => null, (err) => err).finally(() => settled = true);
      const deadline = Date.now() + 60_000;
      while (epochs < 3) {
        assert(Date.now() < deadline, "the worker never trained 3 epochs");
        await pause(5);
      }
      // Long enough for the worker to end several more epochs, however busy the machine.
      const hold = Math.max(400, 4 * (times.at(-1)! - times[0]) / (times.length - 1));
      // This thread stands in for a worker in the middle of an append.
      assert(gate.enter());
      const started = performance.now();
      stop.abort();
      assert(gate.stopped);
      // A write the worker began before the stop is finished first (then only this thread is
      // counted in); from then on nothing may change the record.
      while (gate.writing > 1) await pause(1);
      const atStop = folder(trials);
      // Meanwhile the real worker goes on training (it is not ended while a write is under
      // way) and reaches further epochs' ends and its trial's end: it must write none of it.
      await pause(hold);
      assertEquals(settled, false, "the pool settled while a write was under way");
      assertEquals(folder(trials), atStop, "a worker wrote after the stop");
      gate.leave();
      const stopped = await pool;
      assert(stopped instanceof PoolStopped, String(stopped));
      assertEquals(stopped.running.map((t) => t.trial.id), [task.trial.id]);
      assert(performance.now() - started >= hold);
      await pause(100);
      assertEquals(folder(trials), atStop, "a worker wrote after the pool settled");
    } finally {
      output.close();
    }
  },
);
